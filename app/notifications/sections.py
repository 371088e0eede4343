"""What notifications add to the cabinet's home page: the news, after what waits for the consumer."""

from __future__ import annotations

import sqlalchemy as sa

from app.core import signals
from app.core.sections import Section
from app.extensions import db
from app.notifications.models import Notification

#: How many unread notifications the cabinet shows; the rest are one click away.
NEWS_ON_CABINET = 3


@signals.cabinet_sections.connect
def news(user, **_) -> Section:
    return Section("notifications/_cabinet_news.html", {"news": unread_news(user)}, order=10)


def unread_news(user) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(NEWS_ON_CABINET)
        )
    )
