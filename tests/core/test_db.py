"""app/db.py and the engine: the connection pool."""

import runpy
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


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
