from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ConsentRecord(db.Model):
    """One act of giving (or withdrawing) consent. Records are never changed afterwards."""

    __tablename__ = "consent_records"
    __table_args__ = (
        sa.CheckConstraint("method IN ('online', 'paper')", name="method"),
        sa.CheckConstraint("action IN ('given', 'withdrawn')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The version of the consent document (app.privacy.consent.VERSIONS).
    version: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(10), default="given")
    #: "online" (the checkbox) or "paper" (signed in the office, scan attached).
    method: Mapped[str] = mapped_column(sa.String(10))
    at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    scan_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="RESTRICT"))
    #: The operator who took the paper consent.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


@event.listens_for(ConsentRecord, "before_update")
def _records_never_change(mapper, connection, target):
    """A consent record is evidence (152-FZ art. 9 p. 3): a change is a new record."""
    raise ValueError("consent records never change; add a new record instead")
