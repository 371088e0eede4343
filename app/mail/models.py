from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class MailStatus(enum.StrEnum):
    pending = "pending"  # waiting for its first or next attempt
    sending = "sending"  # claimed by one sender; nobody else touches it
    sent = "sent"
    failed = "failed"  # gave up after MAIL_MAX_ATTEMPTS
    unconfirmed = "unconfirmed"  # its sender died after the claim: the server may have taken it
    dropped = "dropped"  # composed at sending time for nobody: no account has the address

    @property
    def label(self) -> str:
        return {
            "pending": "в очереди",
            "sending": "отправляется",
            "sent": "отправлено",
            "failed": "не доставлено",
            "unconfirmed": "доставка не подтверждена",
            "dropped": "не отправлялось",
        }[self.value]


class OutboxMail(db.Model):
    __tablename__ = "outbox_mail"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed', 'dropped')", name="status"
        ),
        sa.Index("ix_outbox_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    #: The template it came from, for staff reading failures ("credentials", "reset"…).
    kind: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(12), default=MailStatus.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: The last delivery error, for staff; never shown to consumers.
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    @property
    def status_label(self) -> str:
        return MailStatus(self.status).label
