from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CalendarOverride(db.Model):
    """A day an admin marks working or not, over what the `holidays` package says:
    a new year's decree not yet in the package, or a region's own day off."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_working: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
