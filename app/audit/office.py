"""The audit log in the office, newest first, with filters: action, who, from where,
about what, when. One query per page, whatever the filters."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from app.audit.models import AuditEvent
from app.audit.services import ACTION_LABELS, action_label, detail_lines, object_label, role_label
from app.auth.models import User
from app.core.clock import company_zone
from app.core.urls import int_arg
from app.extensions import db
from app.office import bp as office

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


def _object(value: str) -> tuple[str, int] | None:
    """'users:12' → ('users', 12); anything else (no kind, '²', an id beyond any table) is no filter."""
    kind, _, ident = value.partition(":")
    try:
        return (kind, int_arg(ident)) if kind else None
    except ValueError:
        return None


@bp.get("/")
def log():
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip().lower()
    ip = request.args.get("ip", "").strip()
    obj = request.args.get("object", "").strip()
    date_from, date_to = _day(request.args.get("date_from")), _day(request.args.get("date_to"))
    page = max(request.args.get("page", 1, type=int_arg) or 1, 1)
    query = sa.select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(User.email == actor)
    if ip:
        query = query.where(AuditEvent.ip == ip)
    if (about := _object(obj)) is not None:
        query = query.where(AuditEvent.object_type == about[0], AuditEvent.object_id == about[1])
    zone = company_zone()
    if date_from:
        query = query.where(AuditEvent.at >= datetime.combine(date_from, time.min, zone))
    if date_to:
        query = query.where(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min, zone))
    rows = db.session.execute(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    filters = {
        "action": action,
        "actor": actor,
        "ip": ip,
        "object": obj,
        "date_from": request.args.get("date_from", ""),
        "date_to": request.args.get("date_to", ""),
    }
    return render_template(
        "audit/log.html",
        rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        filters=filters,
        action_label=action_label,
        action_labels=dict(sorted(ACTION_LABELS.items())),
        role_label=role_label,
        object_label=object_label,
        detail_lines=detail_lines,
        **filters,
    )


office.register_blueprint(bp)
