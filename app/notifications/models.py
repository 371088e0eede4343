from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The list, newest first, and the unread count: both served by one index each.
        sa.Index("ix_notifications_user_id_id", "user_id", "id"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: One of app.notifications.kinds.KINDS.
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: A relative URL of the object it is about (/applications/12), or empty.
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(db.Model):
    """Whether a kind of event is also mailed to the consumer; no row = the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    email: Mapped[bool]


class ReminderSent(db.Model):
    """A reminder already sent, so the daily run never repeats one (key chosen by the feature)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (sa.UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "application:12:needs_info:2026-12-01:warn"
    key: Mapped[str] = mapped_column(sa.String(200))
    sent_at: Mapped[datetime]
