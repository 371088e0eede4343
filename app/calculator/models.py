"""Tariff decisions of the regional regulator, as data (SPEC §2.5, §4.3)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class TariffDecision(db.Model):
    """One imported decision: its validity and its rates. Never edited: a correction is a new
    import, and a decision that should no longer apply is retired (kept for the history of
    the calculations that cited it)."""

    __tablename__ = "tariff_decisions"
    __table_args__ = (sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A label: one installation serves one company (SPEC §2.5).
    region: Mapped[str] = mapped_column(sa.String(200))
    #: The decision cited, e.g. «Постановление РЭК N 00/00 от 2025-12-20».
    title: Mapped[str] = mapped_column(sa.String(300))
    valid_from: Mapped[date] = mapped_column(index=True)
    #: None: open-ended.
    valid_to: Mapped[date | None]
    #: The rate sections of the file (c1 … preferential_per_kw), numbers kept as strings.
    rates: Mapped[dict] = mapped_column(sa.JSON)
    #: SHA-256 of the content (tariff_file.content_hash): an identical file is not imported twice.
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The uploaded file's name, for the list; the command stores the path's last part.
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    imported_at: Mapped[datetime]
    #: None when imported by the command line.
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Set when an admin retires the decision: it no longer applies to any date.
    retired_at: Mapped[datetime | None] = mapped_column(index=True)
    retired_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    imported_by = relationship("User", foreign_keys=[imported_by_id], lazy="raise")
    retired_by = relationship("User", foreign_keys=[retired_by_id], lazy="raise")

    @property
    def validity_label(self) -> str:
        start = self.valid_from.strftime("%d.%m.%Y")
        return (
            f"с {start} по {self.valid_to.strftime('%d.%m.%Y')}" if self.valid_to else f"с {start}, без срока окончания"
        )
