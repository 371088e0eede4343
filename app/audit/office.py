"""The audit log in the office, newest first, with filters."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from app.audit.models import AuditEvent
from app.auth.models import User
from app.core.clock import company_zone
from app.extensions import db
from app.office import bp as office

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


@bp.get("/")
def log():
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip().lower()
    date_from, date_to = _day(request.args.get("date_from")), _day(request.args.get("date_to"))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = sa.select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        query = query.where(User.email == actor)
    zone = company_zone()
    if date_from:
        query = query.where(AuditEvent.at >= datetime.combine(date_from, time.min, zone))
    if date_to:
        query = query.where(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min, zone))
    rows = db.session.execute(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return render_template("audit/log.html", rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page,
                           action=action, actor=actor, date_from=request.args.get("date_from", ""),
                           date_to=request.args.get("date_to", ""))


office.register_blueprint(bp)
