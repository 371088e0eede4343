"""Gap-free registration numbers (SPEC §5).

The next number is taken from a per-year counter row in the same transaction as the
insert that uses it: a rollback gives the number back, and the row lock (PostgreSQL) or
the write lock of BEGIN IMMEDIATE (SQLite) makes concurrent submissions wait in line."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.models import YearlyCounter
from app.extensions import db


def next_number(series: str, year: int) -> int:
    """Reserve and return the next value of `series` in `year`; the caller commits."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(YearlyCounter)
        .values(series=series, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["series", "year"])
    )
    return db.session.execute(
        sa.update(YearlyCounter)
        .where(YearlyCounter.series == series, YearlyCounter.year == year)
        .values(last_value=YearlyCounter.last_value + 1)
        .returning(YearlyCounter.last_value)
    ).scalar_one()


def format_number(prefix: str, year: int, value: int) -> str:
    """ТП-2026-000123"""
    return f"{prefix}-{year}-{value:06d}"
