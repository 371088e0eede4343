"""Faults the machine allows us to cause for real (SPEC §5): the database server stopped and
started while the app runs. (The SMTP server down: tests/mail; ENOSPC: tests/core/test_storage.)"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app import create_app
from app.extensions import db

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowAwayPostgres:
    """A PostgreSQL cluster of our own, so stopping it disturbs no other test."""

    def __init__(self):
        self.data = Path(tempfile.mkdtemp(prefix="lk-fault-pg-"))
        self.port = _free_port()
        shutil.chown(self.data, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "lk")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/lk"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args], check=True, capture_output=True)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def postgres():
    if not (PG_BIN / "initdb").exists() or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL 15 binaries and root (CI has both)")
    server = ThrowAwayPostgres()
    yield server
    server.destroy()


@pytest.fixture
def pg_app(postgres, tmp_path):
    """The app on the throwaway server, migrated."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": postgres.url, "UPLOAD_DIR": tmp_path, "MAIL_DIR": tmp_path})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_database_stopped_and_started_while_the_app_runs(pg_app, postgres, monkeypatch):
    monkeypatch.setattr("app.db.CONNECT_RETRIES", (0.05,))  # a server that stays away: fail soon
    app = pg_app
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/outages").status_code == 200

    postgres.stop()
    down = client.get("/healthz")
    assert down.status_code == 503 and down.get_json()["database"] == "unavailable"
    page = client.get("/outages")
    assert page.status_code == 500 and "Ошибка на сервере" in page.get_data(as_text=True)
    # A page that needs nothing but the company's settings, read a moment ago, still opens.
    assert client.get("/login").status_code == 200

    postgres.start()
    assert client.get("/healthz").status_code == 200, "pool_pre_ping replaces the dead connections"
    assert client.get("/outages").status_code == 200


def test_a_request_arriving_while_the_database_restarts_waits_for_it(pg_app, postgres):
    """A restart takes a second or two: a request arriving meanwhile waits for the server to
    accept connections again (app.db.CONNECT_RETRIES) instead of failing."""
    client = pg_app.test_client()
    assert client.get("/outages").status_code == 200
    postgres.stop()
    back = threading.Timer(1.0, postgres.start)
    back.start()
    try:
        page = client.get("/outages")
    finally:
        back.join()
    assert page.status_code == 200


def _view(app, rule, view):
    from app.db import retry_conflicts

    app.add_url_rule(rule, view.__name__, retry_conflicts(view), methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False


def _rows(app) -> int:
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM fault_rows")).scalar()


def _make_table(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE fault_rows (n integer)"))


def test_a_request_whose_connection_breaks_before_its_commit_runs_again(pg_app):
    """The server ends the connection under a statement (as a restart does to every
    connection): nothing was committed, so the request runs again, and writes once."""
    runs = []

    def lossy():
        runs.append(1)
        db.session.execute(sa.text("INSERT INTO fault_rows VALUES (1)"))
        if len(runs) == 1:
            db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        db.session.commit()
        return "ok"

    _make_table(pg_app)
    _view(pg_app, "/t/lossy", lossy)
    response = pg_app.test_client().post("/t/lossy")
    assert response.status_code == 200 and len(runs) == 2
    assert _rows(pg_app) == 1


def test_a_request_whose_connection_breaks_at_its_commit_is_not_run_again(pg_app, caplog):
    """Lost at the COMMIT, the request may have committed or not: running it again could write
    twice, so the error stands (a 500) and says why."""
    runs, armed = [], []

    def at_commit():
        runs.append(1)
        db.session.execute(sa.text("INSERT INTO fault_rows VALUES (1)"))
        armed.append(db.session.connection().connection.driver_connection.info.backend_pid)
        db.session.commit()
        return "ok"

    def end_it_before_the_commit(conn):
        if armed:
            with pg_app.app_context(), db.engine.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": armed.pop()})
                other.commit()
            time.sleep(0.2)

    _make_table(pg_app)
    _view(pg_app, "/t/at-commit", at_commit)
    with pg_app.app_context():
        event.listen(db.engine, "commit", end_it_before_the_commit)
    response = pg_app.test_client().post("/t/at-commit")
    assert response.status_code == 500 and len(runs) == 1
    assert "after sending its COMMIT; not run again" in caplog.text


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_read_whose_connection_ends_before_its_teardown_still_answers(pg_app):
    """The server ends the connection after the page is made, before the request's closing
    ROLLBACK (a restart between the two): the page stands, nothing was left to roll back."""

    def read_then_lose():
        pid = db.session.connection().connection.driver_connection.info.backend_pid
        db.session.execute(sa.text("SELECT 1"))
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        time.sleep(0.2)
        return "made"

    pg_app.add_url_rule("/t/read-then-lose", "read_then_lose", read_then_lose)
    response = pg_app.test_client().get("/t/read-then-lose")
    assert response.status_code == 200 and response.get_data(as_text=True) == "made"


def test_a_request_whose_connection_breaks_before_its_view_runs_again(pg_app):
    """Lost while the request is checked before its view (the login's record is read there):
    nothing was written, so that part runs again too, and the page answers."""
    calls = []

    def lose_the_first_time():
        calls.append(1)
        if len(calls) == 1:
            db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))

    pg_app.before_request(lose_the_first_time)
    pg_app.add_url_rule("/t/plain", "plain", lambda: "plain")
    response = pg_app.test_client().get("/t/plain")
    assert response.status_code == 200 and len(calls) == 2
