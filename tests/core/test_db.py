"""app/db.py and the engine: reads of plain columns without the ORM, the connection pool."""

import runpy
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.db import read
from app.extensions import db
from app.workdays.models import CalendarOverride

ROOT = Path(__file__).resolve().parents[2]


def test_a_column_read_sees_changes_not_yet_flushed_and_stays_in_the_transaction(app):
    db.session.add(CalendarOverride(day=date(2026, 12, 31), is_working=False))
    rows = read(sa.select(CalendarOverride.day, CalendarOverride.is_working)).all()
    assert [(r.day, r.is_working) for r in rows] == [(date(2026, 12, 31), False)]
    db.session.rollback()
    assert read(sa.select(sa.func.count()).select_from(CalendarOverride)).scalar() == 0, "one transaction"


def test_a_column_read_takes_parameters(app):
    db.session.add_all([CalendarOverride(day=date(2026, 12, d), is_working=True) for d in (1, 2, 3)])
    db.session.commit()
    after = (
        sa.select(CalendarOverride.day).where(CalendarOverride.day > sa.bindparam("day")).order_by(CalendarOverride.day)
    )
    assert read(after, {"day": date(2026, 12, 1)}).scalars().all() == [date(2026, 12, 2), date(2026, 12, 3)]


def test_the_pool_keeps_a_connection_for_every_gunicorn_thread(app):
    """A request holds its connection from its first query to its end, so each of a worker's
    threads may hold one. A pool smaller than that closed the extra connections after their
    request and opened new ones for the next (each a new SQLite handle, or on PostgreSQL a
    new server process)."""
    threads = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["threads"]
    held = [db.engine.connect() for _ in range(threads)]
    for connection in held:
        connection.close()
    assert db.engine.pool.checkedin() == threads


def test_an_in_memory_database_gets_no_pool_size():
    """One shared connection (Flask-SQLAlchemy's StaticPool), which takes no size."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
    assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
