"""Faults the machine allows us to cause for real (SPEC §5): the database server stopped and
started while the app runs. (The SMTP server down: tests/mail; ENOSPC: tests/core/test_storage.)"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

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


def test_database_stopped_and_started_while_the_app_runs(postgres, tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": postgres.url, "UPLOAD_DIR": tmp_path, "MAIL_DIR": tmp_path})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
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
    with app.app_context():
        db.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
