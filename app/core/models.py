"""Tables shared by every feature."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class YearlyCounter(db.Model):
    """The last number issued in a series for a year: ТП-2026-000123, ОБ-2026-000045."""

    __tablename__ = "yearly_counters"
    __table_args__ = (sa.UniqueConstraint("series", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A short code of the series, e.g. "application" or "appeal".
    series: Mapped[str] = mapped_column(sa.String(40))
    year: Mapped[int]
    last_value: Mapped[int] = mapped_column(default=0)
