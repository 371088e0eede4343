from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.forms import ActionForm
from app.core.security import is_safe_local_url
from app.core.urls import int_arg
from app.extensions import db
from app.notifications import bp
from app.notifications.models import Notification
from app.notifications.services import mark_all_read, mark_read

PAGE_SIZE = 20


@bp.get("/notifications")
@login_required
def list_notifications():
    page = max(request.args.get("page", 1, type=int_arg) or 1, 1)
    rows = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "notifications/list.html",
        notifications=rows[:PAGE_SIZE],
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        form=ActionForm(),
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    notification = mark_read(current_user, notification_id)
    if notification is None:
        abort(404)
    db.session.commit()
    if request.form.get("open") and is_safe_local_url(notification.link):
        return redirect(notification.link)
    return redirect(url_for("notifications.list_notifications", page=request.args.get("page", 1, type=int_arg)))


@bp.post("/notifications/read-all")
@login_required
def read_all_notifications():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.list_notifications"))


@bp.get("/notifications/badge")
@login_required
def badge():
    """The unread count in the header, polled by htmx: 204 while the inbox is unchanged.

    The version comes from the user row Flask-Login has already loaded, so an unchanged
    poll costs that one indexed query (SPEC §2.4)."""
    if request.args.get("v", type=int_arg) == current_user.inbox_version:
        return "", 204
    return render_template("notifications/_badge.html", poll_seconds=current_app.config["POLL_SECONDS"])
