from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_at", "at"),
        sa.Index("ix_audit_events_actor_id_at", "actor_id", "at"),
        sa.Index("ix_audit_events_action_at", "action", "at"),
        sa.Index("ix_audit_events_ip_at", "ip", "at"),
        sa.Index("ix_audit_events_object", "object_type", "object_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The actor's role at the time (users change roles; the log must not).
    actor_role: Mapped[str] = mapped_column(sa.String(16), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    #: Dotted code, e.g. "auth.login", "auth.login_failed", "office.walk_in".
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[int | None]
    #: Short facts, never passwords, tokens, СНИЛС or passport data.
    details: Mapped[str] = mapped_column(sa.String(1000), default="")
