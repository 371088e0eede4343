"""The audit log's retention (see app.core.personal_data and docs/privacy.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.audit.models import AuditEvent
from app.core.personal_data import purge_rule
from app.extensions import db


@purge_rule("audit_log", order=80)
def purge_audit(moment: datetime) -> dict:
    """After a year the address and details of an event go (the action, actor and object
    stay, for the record); after three years the event goes."""
    config = current_app.config
    removed = db.session.execute(
        sa.delete(AuditEvent).where(AuditEvent.at < moment - timedelta(days=config["AUDIT_RETENTION_DAYS"]))
    )
    cleared = db.session.execute(
        sa.update(AuditEvent)
        .where(
            AuditEvent.at < moment - timedelta(days=config["AUDIT_DETAIL_RETENTION_DAYS"]),
            sa.or_(AuditEvent.ip != "", AuditEvent.details != ""),
        )
        .values(ip="", details="")
    )
    return {"removed": removed.rowcount, "details_cleared": cleared.rowcount}
