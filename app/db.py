"""Database plumbing shared by every feature: the declarative base, column types,
SQLite pragmas and transaction mode, and gap-free yearly counters."""
from __future__ import annotations

import contextvars
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """A moment in time, stored as UTC and always read back timezone-aware.

    SQLite keeps no zone, so naive values coming back are UTC by construction."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


# --- SQLite: pragmas and transaction mode -----------------------------------------------

#: When true, the next SQLite transaction on this context starts as BEGIN IMMEDIATE: it
#: takes the write lock at once, so it can neither deadlock on an upgrade from reader to
#: writer nor interleave with another writer (SPEC §5). Requests that write set it.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # We emit BEGIN ourselves (below): the driver's own implicit BEGIN cannot be
        # IMMEDIATE and does not cover every statement.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name == "sqlite":
        if write_intent.get():
            # Only the next transaction: a second connection opened later in the same
            # context (the mail sender after the commit) must not wait for this one's lock.
            write_intent.set(False)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # Straight to the driver: a deferred BEGIN takes no lock and cannot fail, and every
            # request that reads runs one (the full execution path cost a tenth of a page).
            conn.connection.driver_connection.execute("BEGIN")


def begin_immediate_for_writes(app) -> None:
    """POST requests set write_intent, so their transaction starts as BEGIN IMMEDIATE.

    Registered first, before anything in the request touches the database."""
    from flask import g, request

    def set_intent():
        if request.method == "POST":
            g._write_intent_token = write_intent.set(True)

    def reset_intent(exc):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            write_intent.reset(token)

    app.before_request_funcs.setdefault(None, []).insert(0, set_intent)
    app.teardown_request(reset_intent)


# --- reads of plain columns --------------------------------------------------------------------

def read(statement, params: dict | None = None) -> sa.CursorResult:
    """Run a select of plain columns on the session's connection, in its transaction, without
    the ORM. For columns the ORM's work per statement buys nothing and costs about 100 µs
    (bench/: 133 µs against 37 µs), and every page runs such reads: the unread count, the
    deadlines, the calendar. Pending changes are flushed first, as the session would.
    Selects of mapped objects still go through db.session."""
    from app.extensions import db

    session = db.session()
    session.flush()
    return session.connection().execute(statement, params or {})


# --- search indexes the models do not describe ----------------------------------------------

#: Trigram indexes for `LIKE '%…%'` searches, made by migrations for one dialect each (an FTS5
#: table with triggers on SQLite, a pg_trgm GIN index on PostgreSQL). Comparing models with
#: the database leaves them alone.
SEARCH_INDEX_NAMES = ("applications_search", "ix_applications_search_trgm")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything but the search indexes above (and FTS5's shadow tables)."""
    return not (reflected and compare_to is None and name and name.startswith(SEARCH_INDEX_NAMES))
