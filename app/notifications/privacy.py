"""Notifications in «мои данные» (see app.core.personal_data)."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.personal_data import personal_data_exporter
from app.extensions import db
from app.notifications.kinds import get_kind
from app.notifications.models import Notification
from app.notifications.services import preferences


@personal_data_exporter("notifications", order=40)
def export_notifications(user) -> dict:
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )
    return {
        "items": [
            {
                "at": n.created_at,
                "kind": get_kind(n.kind).label,
                "title": n.title,
                "body": n.body,
                "link": n.link or None,
                "read_at": n.read_at,
            }
            for n in rows
        ],
        "mail_preferences": {get_kind(code).label: wanted for code, wanted in preferences(user).items()},
    }
