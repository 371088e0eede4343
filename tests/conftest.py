"""Fixtures: one migrated database per test run (SQLite by default, PostgreSQL when
DATABASE_URL says so), a fresh app per test, emptied tables after each test.

Factories return callables (make_user(...)), as in Indico's test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.core import clock
from app.db import transactions_as
from app.extensions import db
from tests.helpers import THURSDAY, LkClient, read_mailbox, totp_code

DEFAULT_PASSWORD = "correct horse battery"


def _worker_database_url(base_url: str, worker: str, tmp_root: Path) -> str:
    if base_url.startswith("sqlite"):
        return f"sqlite:///{tmp_root / f'test-{worker}.sqlite3'}"
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _undeclared_transactions():
    """A test's own statements (factories, checks, clean-up) are undeclared; the requests and
    commands a test makes declare theirs, as in production (app/db.py)."""
    with transactions_as(None):
        yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """A database migrated from empty with Alembic, shared by the tests of this worker."""
    base = os.environ.get("DATABASE_URL") or "sqlite:///"
    url = _worker_database_url(base, worker_id, tmp_path_factory.mktemp("db"))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def migrating_app(tmp_path, worker_id):
    """An app on an empty database of its own, which the test migrates step by step
    (tests of one migration, with rows in the tables before and after it)."""
    base = os.environ.get("DATABASE_URL") or "sqlite:///"
    url = _worker_database_url(base, f"{worker_id}_migrations", tmp_path)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": tmp_path, "MAIL_DIR": tmp_path})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    clock.set_now(None)
    if not base.startswith("sqlite"):
        admin = sa.create_engine(make_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": tmp_path / "uploads",
            "MAIL_DIR": tmp_path / "mail",
            "INSTANCE_DIR": tmp_path,
        },
    )
    app.test_client_class = LkClient
    isolate_requests(app)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
    clock.set_now(None)


def isolate_requests(app) -> None:
    """Tests keep one app context open, so requests would share `g`, the session and its
    transaction; in production each request has its own. Give every request its own again."""
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
    app.teardown_request(_end_request_transaction)


def _fresh_request_state() -> None:
    """Tests keep one app context open, so requests would share `g` and the session's
    identity map; in production each request has its own. Start every request fresh."""
    from flask import g

    g.__dict__.clear()
    db.session.commit()  # ends the test's read transaction (a stale snapshot) and expires objects


def _end_request_transaction(exc) -> None:
    """In production the session ends with the request's app context, rolling back whatever the
    request left uncommitted; here the test's context outlives the request, so end it here."""
    db.session.rollback()


def _empty_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def busy_app(app):
    """A second app on the same database whose units of work wait only 50 ms for SQLite's write
    lock (an engine option, hence an app of its own): what a long-held lock does, quickly."""
    busy = create_app(
        "testing",
        {
            **{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR", "MAIL_DIR")},
            "SQLITE_BUSY_TIMEOUT": 0.05,
        },
    )
    busy.test_client_class = LkClient
    isolate_requests(busy)
    yield busy
    with busy.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app) -> LkClient:
    return app.test_client()


@pytest.fixture
def mailbox(app):
    """The mails the app has written to MAIL_DIR (no MAIL_SERVER in tests)."""
    return lambda: read_mailbox(Path(app.config["MAIL_DIR"]))


@pytest.fixture
def make_user(app):
    """make_user(role="consumer", email=None, password=DEFAULT_PASSWORD, **fields) -> User

    Staff get a TOTP secret (their second factor) unless `totp_secret=None` is given."""
    import pyotp

    from app.auth.models import User
    from app.auth.passwords import hash_password

    counter = {"n": 0}

    def factory(role: str = "consumer", email: str | None = None, password: str = DEFAULT_PASSWORD, **fields):
        counter["n"] += 1
        values = dict(
            email=email or f"{role}{counter['n']}@example.ru",
            password_hash=hash_password(password),
            role=role,
            last_name="Петров",
            first_name="Иван",
            middle_name="Сергеевич",
            phone="+79001112233",
            created_at=clock.now(),
        )
        if role == "consumer":
            values.update(applicant_type="individual", snils="11223344595")
        else:
            values.update(totp_secret=pyotp.random_base32(), totp_enabled_at=clock.now())
        values.update(fields)
        user = User(**values)
        user.refresh_search_text()
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login(client):
    """login(user, password=DEFAULT_PASSWORD) logs the test client in through the form, and
    through the second step (a TOTP code) when the account has a second factor."""

    def do_login(user, password: str = DEFAULT_PASSWORD, remember: bool = False, c=None):
        c = c or client
        data = {"email": user.email, "password": password}
        if remember:
            data["remember"] = "y"
        response = c.submit("/login", data)
        assert response.status_code == 302, f"login failed: {response.status_code}"
        if response.headers["Location"] == "/login/second-factor":
            response = c.submit("/login/second-factor", {"code": totp_code(user)})
            assert response.status_code == 302, f"second factor failed: {response.status_code}"
        return response

    return do_login


@pytest.fixture
def consumer(make_user):
    return make_user("consumer")


@pytest.fixture
def operator(make_user):
    return make_user("operator")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def consumer_client(app, consumer, login):
    c = app.test_client()
    login(consumer, c=c)
    return c


@pytest.fixture
def operator_client(app, operator, login):
    c = app.test_client()
    login(operator, c=c)
    return c


@pytest.fixture
def admin_client(app, admin, login):
    c = app.test_client()
    login(admin, c=c)
    return c


@pytest.fixture
def fixed_clock(app):
    """«Now» is THURSDAY (a feature's conftest may fix another moment)."""
    clock.set_now(THURSDAY)
    yield THURSDAY
    clock.set_now(None)


@pytest.fixture
def other_client(app, make_user, login):
    """A second consumer, logged in: someone else's application or appeal must be 404 to them."""
    other = make_user("consumer", email="other.consumer@example.ru", last_name="Сидорова")
    c = app.test_client()
    login(other, c=c)
    c.user = other
    return c
