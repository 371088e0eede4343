"""The outbox holds whole mails (one-time passwords, reset links): it is not an archive."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.personal_data import purge_rule
from app.extensions import db
from app.mail.models import MailStatus, OutboxMail


@purge_rule("outbox_mail", order=70)
def purge_outbox(moment: datetime) -> int:
    config = current_app.config
    sent = db.session.execute(
        sa.delete(OutboxMail).where(
            OutboxMail.status == MailStatus.sent.value,
            OutboxMail.created_at < moment - timedelta(days=config["SENT_MAIL_RETENTION_DAYS"]),
        )
    )
    failed = db.session.execute(
        sa.delete(OutboxMail).where(
            OutboxMail.status == MailStatus.failed.value,
            OutboxMail.created_at < moment - timedelta(days=config["FAILED_MAIL_RETENTION_DAYS"]),
        )
    )
    dropped = db.session.execute(
        sa.delete(OutboxMail).where(
            OutboxMail.status == MailStatus.dropped.value,
            OutboxMail.created_at < moment - timedelta(days=config["SENT_MAIL_RETENTION_DAYS"]),
        )
    )
    return sent.rowcount + failed.rowcount + dropped.rowcount
