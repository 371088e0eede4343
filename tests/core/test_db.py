"""app/db.py: reads of plain columns without the ORM."""
from datetime import date

import sqlalchemy as sa

from app.db import read
from app.extensions import db
from app.workdays.models import CalendarOverride


def test_a_column_read_sees_changes_not_yet_flushed_and_stays_in_the_transaction(app):
    db.session.add(CalendarOverride(day=date(2026, 12, 31), is_working=False))
    rows = read(sa.select(CalendarOverride.day, CalendarOverride.is_working)).all()
    assert [(r.day, r.is_working) for r in rows] == [(date(2026, 12, 31), False)]
    db.session.rollback()
    assert read(sa.select(sa.func.count()).select_from(CalendarOverride)).scalar() == 0, "one transaction"


def test_a_column_read_takes_parameters(app):
    db.session.add_all([CalendarOverride(day=date(2026, 12, d), is_working=True) for d in (1, 2, 3)])
    db.session.commit()
    after = sa.select(CalendarOverride.day).where(CalendarOverride.day > sa.bindparam("day")).order_by(CalendarOverride.day)
    assert read(after, {"day": date(2026, 12, 1)}).scalars().all() == [date(2026, 12, 2), date(2026, 12, 3)]
