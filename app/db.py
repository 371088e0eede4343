"""Database plumbing shared by every feature: the declarative base, column types,
SQLite pragmas and transaction mode, and gap-free yearly counters."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import random
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import g, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry

log = logging.getLogger(__name__)

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


# --- the write discipline (docs/architecture.md, "Transactions") -------------------------------
#
# A *unit of work* is a transaction that may write. It takes the write lock at its start: on
# SQLite it begins with BEGIN IMMEDIATE, which waits its turn (busy_timeout) instead of failing
# when a deferred reader tries to upgrade after another writer committed (SQLite does not wait
# on an upgrade); on PostgreSQL it is an ordinary transaction, and counters lock their row.
# Every other transaction is a read: a write inside it is refused at once, on both databases, so a
# forgotten unit of work fails in the tests and never by chance under load.
#
# A POST request is one unit of work from its first statement to its commit, unless its view is
# marked @reads_first: such a view reads, then does its slow work (password hashing, storing
# files, parsing an import) outside any lock, then writes inside `with unit_of_work():`. A GET
# that must record something (a card marks its notifications read) does so in a unit of work too.
# Commands and background senders declare their units the same way.

#: How the transactions of this context begin: True, units of work; False, reads (writes refused);
#: None, undeclared (a Python shell, migrations, test bodies): as the driver likes, unchecked.
write_intent: contextvars.ContextVar[bool | None] = contextvars.ContextVar("write_intent", default=False)


class WriteOutsideUnitOfWork(RuntimeError):
    """A statement that writes ran in a read transaction: wrap the write in unit_of_work()."""


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # We emit BEGIN ourselves (below): the driver's own implicit BEGIN cannot be
        # IMMEDIATE and does not cover every statement.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    intent = write_intent.get()
    conn.info["reads_only"] = intent is False
    if conn.dialect.name == "sqlite":
        if intent:
            # Through SQLAlchemy, so a lock that stayed busy is its OperationalError (a conflict).
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # Straight to the driver: a deferred BEGIN takes no lock and cannot fail.
            conn.connection.driver_connection.execute("BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_in_reads(conn, cursor, statement, parameters, context, executemany):
    if (
        conn.info.get("reads_only")
        and context is not None
        and (context.isinsert or context.isupdate or context.isdelete)
    ):
        where = f"{request.method} {request.endpoint}" if request else "outside a request"
        raise WriteOutsideUnitOfWork(f"{' '.join(statement.split(None, 3)[:3])} in a read transaction ({where})")


@contextlib.contextmanager
def transactions_as(intent: bool | None):
    """Begin this context's transactions as units of work (True), reads (False) or undeclared
    (None: a shell, migrations, test bodies, seeding)."""
    token = write_intent.set(intent)
    try:
        yield
    finally:
        write_intent.reset(token)


@contextlib.contextmanager
def unit_of_work(session=None):
    """A transaction that writes, committed at the end of the block (rolled back on an error).

    The transaction in progress ends first: a read's objects are read again inside, under the
    lock, so decisions are taken on current data (in a POST, what it wrote so far commits). A
    unit of work inside another one joins it: the outer one commits."""
    from app.extensions import db

    session = session or db.session()
    if session.info.get("in_unit_of_work"):
        yield session
        return
    if session.in_transaction():
        session.commit()
    session.info["in_unit_of_work"] = True
    try:
        with transactions_as(True):
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("in_unit_of_work", None)


def reads_first(view):
    """Mark a view whose POST reads and does slow work before its unit_of_work() (see above)."""
    view.reads_first = True
    return view


def declare_request_intent(app) -> None:
    """A POST is a unit of work unless its view reads first; every other request only reads.

    Registered first, before anything in the request touches the database."""

    def set_intent():
        view = app.view_functions.get(request.endpoint)
        writes = request.method == "POST" and not getattr(view, "reads_first", False)
        g._write_intent_token = write_intent.set(writes)

    def reset_intent(exc):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            write_intent.reset(token)

    app.before_request_funcs.setdefault(None, []).insert(0, set_intent)
    app.teardown_request(reset_intent)


def declare_command_intent(group) -> None:
    """Our `flask …` commands read unless they open a unit of work, like requests. (Flask's
    own commands and migrations are left as they are.) Wraps each command once per process:
    the groups are module-level, shared by every app created."""
    for command in group.commands.values():
        if hasattr(command, "commands"):
            declare_command_intent(command)
        elif command.callback is not None and not getattr(command.callback, "declares_intent", False):
            command.callback = _reading(command.callback)


def _reading(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        with transactions_as(False):
            return callback(*args, **kwargs)

    run.declares_intent = True
    return run


# --- conflicts: a unit of work that met another is run again as a whole -------------------------

#: PostgreSQL's codes for "two transactions met": serialization failure, deadlock, a unique key
#: taken by a concurrent insert. Run again, the request sees the other's committed result.
_PG_CONFLICTS = {"40001", "40P01", "23505"}
#: How often a request is run again after a conflict, and the pause before each run.
CONFLICT_RETRIES = (0.05, 0.2, 0.5)
#: After a connection lost under a statement (the server restarting); opening the next one
#: waits for the server by itself (CONNECT_RETRIES).
LOST_CONNECTION_RETRIES = (0.1, 0.5)

#: Set while a request runs: whether it has sent the COMMIT of a transaction that may have written.
_commit_sent: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("commit_sent", default=None)


@event.listens_for(Engine, "commit")
def _note_commit(conn):
    sent = _commit_sent.get()
    if sent is not None and not conn.info.get("reads_only"):
        sent[0] = True


class Conflict(Exception):
    """A unit of work found that what the view read before it changed meanwhile (another staff
    member moved the application on): the request runs again, on current data."""


def is_conflict(exc: BaseException) -> bool:
    """True for an error that says only that another transaction was in the way."""
    if isinstance(exc, Conflict):
        return True
    if not isinstance(exc, sa.exc.DBAPIError) or exc.connection_invalidated:
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_CONFLICTS:
        return True
    # SQLite: SQLITE_BUSY (5) or SQLITE_LOCKED (6), with their extended codes.
    return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) in (5, 6)


def is_lost_connection(exc: BaseException) -> bool:
    """True when the connection broke under a statement (the database server restarting)."""
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


#: Pauses between attempts to open a connection to a database server that refuses it (one
#: restarting): a request arriving meanwhile waits for it instead of failing.
CONNECT_RETRIES = (0.25, 0.5, 1.0, 2.0, 4.0)


@event.listens_for(Engine, "do_connect")
def _connect_patiently(dialect, connection_record, cargs, cparams):
    """Open a server connection, trying again while the server refuses. Safe whatever the
    caller was doing: nothing was sent yet. (SQLite opens a file: nothing to wait for.)"""
    if dialect.name == "sqlite":
        return None
    for pause in CONNECT_RETRIES:
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError as exc:
            log.warning("the database refuses connections (%s); trying again in %.2f s", type(exc).__name__, pause)
            time.sleep(pause)
    return None  # the last attempt is the engine's own: its error stands


def retry_conflicts(view):
    """Run the view again, from the start, when its transaction met another one's, or when the
    database connection was lost before the view sent the COMMIT of what it wrote. (Lost at or
    after that COMMIT, nobody knows whether it committed: the error stands.)

    Nothing of the failed run survives: its transaction rolled back (with its mail and its
    stored files, app/core/storage.py), its flashed messages are taken back and its uploads
    rewound. After the last retry the error stands (a 500 page, logged)."""
    from app.extensions import db

    @functools.wraps(view)
    def run(*args, **kwargs):
        flashes = list(session.get("_flashes", ()))
        conflicts, losses = iter(CONFLICT_RETRIES), iter(LOST_CONNECTION_RETRIES)
        while True:
            sent = [False]
            token = _commit_sent.set(sent)
            try:
                return view(*args, **kwargs)
            except (sa.exc.DBAPIError, Conflict) as exc:
                if is_conflict(exc):
                    pause, what = next(conflicts, None), "met another transaction"
                elif is_lost_connection(exc):
                    pause, what = (None if sent[0] else next(losses, None)), "lost its database connection"
                    if sent[0]:
                        log.warning(
                            "%s %s lost its database connection after sending its COMMIT; not run again",
                            request.method,
                            request.endpoint,
                        )
                else:
                    pause = None
                if pause is None:
                    raise
                db.session.rollback()
                log.warning(
                    "%s %s %s (%s); running it again",
                    request.method,
                    request.endpoint,
                    what,
                    type(getattr(exc, "orig", exc)).__name__,
                )
            finally:
                _commit_sent.reset(token)
            if flashes:
                session["_flashes"] = list(flashes)
            else:
                session.pop("_flashes", None)
            for _name, upload in request.files.items(multi=True):
                upload.stream.seek(0)
            time.sleep(pause * (1 + random.random()))  # noqa: S311  # nosec B311 (jitter, not a secret)

    return run


def survive_database_restarts(app) -> None:
    """What a request does around its view, made to outlive a database server that ends its
    connections (a restart); the view itself runs again by retry_conflicts.

    Before the view, the request's checks read (the login's record): lost there, they run
    again, as nothing was written yet. At the end, the session rolls back what is left of its
    transaction: lost there, the server has rolled back already, and the finished page would
    be a 500; it is logged instead. (Registered after Flask-SQLAlchemy, this teardown runs
    before its own removal of the session, which then finds nothing to do.)"""
    from app.extensions import db

    checks = app.preprocess_request

    def preprocess_request():
        for pause in (*LOST_CONNECTION_RETRIES, None):
            sent = [False]
            token = _commit_sent.set(sent)
            try:
                return checks()
            except sa.exc.DBAPIError as exc:
                if pause is None or sent[0] or not is_lost_connection(exc):
                    raise
                db.session.rollback()
                intent = g.pop("_write_intent_token", None)
                if intent is not None:
                    write_intent.reset(intent)  # declare_request_intent sets it again
                log.warning(
                    "%s %s lost its database connection before its view (%s); checking it again",
                    request.method,
                    request.endpoint,
                    type(exc.orig).__name__,
                )
            finally:
                _commit_sent.reset(token)
            time.sleep(pause * (1 + random.random()))  # noqa: S311  # nosec B311 (jitter, not a secret)
        raise AssertionError("unreachable")

    app.preprocess_request = preprocess_request

    @app.teardown_appcontext
    def _remove_session(exc):
        try:
            db.session.remove()
        except sa.exc.DBAPIError as error:
            if not is_lost_connection(error):
                raise
            log.warning("the database connection was lost before the closing ROLLBACK (%s)", type(error.orig).__name__)
            db.session.remove()


def in_unit_of_work(work, *args, **kwargs):
    """Run `work(*args, **kwargs)` in a unit of work of its own, committed at its end, and again
    from the start after a conflict: a command (the daily reminders, the import) that runs on
    several app servers at once meets itself, and the later run then sees the earlier one's rows."""
    for pause in (*CONFLICT_RETRIES, None):
        try:
            with unit_of_work():
                return work(*args, **kwargs)
        except sa.exc.DBAPIError as exc:
            if pause is None or not is_conflict(exc):
                raise
            log.warning(
                "%s met another transaction (%s); running it again",
                getattr(work, "__name__", "a command"),
                type(exc.orig).__name__,
            )
        time.sleep(pause * (1 + random.random()))  # noqa: S311  # nosec B311 (jitter, not a secret)
    raise AssertionError("unreachable")


# --- reads of plain columns --------------------------------------------------------------------


# --- search indexes the models do not describe ----------------------------------------------

#: Trigram indexes for `LIKE '%…%'` searches, made by migrations for one dialect each (an FTS5
#: table with triggers on SQLite, a pg_trgm GIN index on PostgreSQL). Comparing models with
#: the database leaves them alone.
SEARCH_INDEX_NAMES = ("applications_search", "ix_applications_search_trgm")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything but the search indexes above (and FTS5's shadow tables)."""
    return not (reflected and compare_to is None and name and name.startswith(SEARCH_INDEX_NAMES))
