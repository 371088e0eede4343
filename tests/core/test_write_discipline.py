"""The write discipline of app/db.py: a unit of work takes the write lock at its start, a read
refuses to write, slow work stays outside the lock, and a request that met another transaction
runs again as a whole (docs/architecture.md, "Transactions")."""

import threading
import time

import pytest
import sqlalchemy as sa
from flask import flash

from app.core.models import YearlyCounter
from app.db import WriteOutsideUnitOfWork, reads_first, transactions_as, unit_of_work
from app.extensions import db
from tests.helpers import WriteLockHolder, sqlite_lock_is_free


def _sqlite_path():
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")
    return url.database


def _add_route(app, rule, view, methods=("GET",)):
    """A view registered after create_app gets what create_app gives every view."""
    from app.db import retry_conflicts

    app.add_url_rule(rule, view.__name__, retry_conflicts(view), methods=list(methods))
    app.view_functions[view.__name__].reads_first = getattr(view, "reads_first", False)


def _counter(series="T"):
    return db.session.scalar(sa.select(YearlyCounter.last_value).where(YearlyCounter.series == series))


def _counter_row():
    return db.session.scalar(sa.select(YearlyCounter).where(YearlyCounter.series == "T", YearlyCounter.year == 2026))


def test_a_get_that_writes_outside_a_unit_of_work_is_refused(app, client, caplog):
    def write_in_get():
        db.session.add(YearlyCounter(series="T", year=2026, last_value=1))
        db.session.flush()
        return "written"

    _add_route(app, "/t/write-in-get", write_in_get)
    assert client.get("/t/write-in-get").status_code == 500
    assert any(isinstance(r.exc_info[1], WriteOutsideUnitOfWork) for r in caplog.records if r.exc_info)
    assert _counter() is None


def test_a_get_writes_inside_a_unit_of_work(app, client):
    def mark_in_get():
        db.session.scalar(sa.select(sa.func.count()).select_from(YearlyCounter))  # a read first
        with unit_of_work():
            db.session.add(YearlyCounter(series="T", year=2026, last_value=1))
        return "written"

    _add_route(app, "/t/unit-in-get", mark_in_get)
    assert client.get("/t/unit-in-get").get_data(as_text=True) == "written"
    assert _counter() == 1


def test_a_post_takes_the_write_lock_at_its_first_statement(app, client):
    database = _sqlite_path()
    seen = {}

    def post_view():
        db.session.scalar(sa.select(sa.func.count()).select_from(YearlyCounter))
        seen["free"] = sqlite_lock_is_free(database)
        return "ok"

    _add_route(app, "/t/post", post_view, methods=("POST",))
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/t/post")
    assert seen["free"] is False, "a POST's first statement took the write lock (BEGIN IMMEDIATE)"


def test_a_view_that_reads_first_takes_the_lock_only_for_its_unit_of_work(app, client):
    database = _sqlite_path()
    seen = {}

    @reads_first
    def slow_post():
        db.session.scalar(sa.select(sa.func.count()).select_from(YearlyCounter))
        seen["reading"] = sqlite_lock_is_free(database)
        with unit_of_work():
            db.session.add(YearlyCounter(series="T", year=2026, last_value=1))
            db.session.flush()
            seen["writing"] = sqlite_lock_is_free(database)
        seen["after"] = sqlite_lock_is_free(database)
        return "ok"

    _add_route(app, "/t/slow", slow_post, methods=("POST",))
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/t/slow")
    assert seen == {"reading": True, "writing": False, "after": True}
    assert _counter() == 1


def test_a_busy_database_makes_the_request_run_again_not_fail(app, busy_app):
    """Another writer keeps the lock longer than the busy timeout: the first run of the request
    gives up at its first statement, the next one succeeds; nothing is done twice."""
    database = _sqlite_path()
    runs = []

    def counting_post():
        runs.append(1)
        flash("Сохранено.", "success")
        counter = _counter_row() or YearlyCounter(series="T", year=2026, last_value=0)
        counter.last_value += 1
        db.session.add(counter)
        db.session.commit()
        return "ok"

    busy_app.config["WTF_CSRF_ENABLED"] = False
    _add_route(busy_app, "/t/count", counting_post, methods=("POST",))
    busy_client = busy_app.test_client()
    with busy_app.app_context(), WriteLockHolder(database, 0.3):
        response = busy_client.post("/t/count")
    assert response.status_code == 200 and len(runs) >= 2, "the first run met the lock and ran again"
    with busy_client.session_transaction() as session:
        assert session["_flashes"] == [("success", "Сохранено.")], "the failed run's message is taken back"
    db.session.rollback()
    assert _counter() == 1


def test_a_concurrent_insert_of_the_same_key_makes_the_request_run_again(app, client):
    """Two transactions insert the same unique key at once. On PostgreSQL the later one fails
    with a unique violation when the first commits, and the request runs again and sees the row;
    on SQLite the second waits for the lock and sees it at once. Either way: one row, no error."""
    app.config["WTF_CSRF_ENABLED"] = False
    runs = []

    def insert_once():
        runs.append(1)
        if _counter_row() is None:
            db.session.add(YearlyCounter(series="T", year=2026, last_value=7))
        db.session.commit()
        return "ok"

    _add_route(app, "/t/insert", insert_once, methods=("POST",))
    other_done = threading.Event()

    def other_transaction():
        with app.app_context(), transactions_as(True), db.engine.connect() as conn:
            conn.execute(sa.insert(YearlyCounter).values(series="T", year=2026, last_value=7))
            other_done.set()
            time.sleep(0.3)
            conn.commit()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    assert other_done.wait(5), "the other transaction inserted the key first"
    response = client.post("/t/insert")
    thread.join(5)
    assert response.status_code == 200 and runs
    if db.engine.dialect.name == "postgresql":
        assert len(runs) == 2, "the unique violation ran the request again"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(YearlyCounter)) == 1


def test_the_commands_the_servers_run_write_in_units_of_work_of_their_own(app, tmp_path):
    """A `flask` process has no request, so its transactions are reads unless a command declares a
    unit of work. (Test bodies are undeclared: the commands run here as the process runs them.)"""
    from app.auth.models import User
    from app.outages.models import Outage
    from bench.mixed import outage_csv

    path = tmp_path / "outages.csv"
    path.write_text(outage_csv(5, district="Тест-РЭС"), encoding="utf-8")
    runner = app.test_cli_runner()
    with transactions_as(False):
        for args in (
            ["demo", "load"],
            ["outages", "import", str(path)],
            ["notifications", "remind"],
            ["applications", "expire"],
            ["privacy", "purge"],
            ["privacy", "purge", "--dry-run"],
        ):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, f"flask {' '.join(args)}: {result.output} {result.exception!r}"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0, "the demo data is stored"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outage).where(Outage.district == "Тест-РЭС")) == 5


def test_a_command_that_meets_another_runs_again(app):
    """Two servers run the same command at once: the later insert of a unique key waits for the
    earlier one (PostgreSQL) and fails when it commits; the command runs again and sees the row."""
    from app.db import in_unit_of_work

    runs = []

    def insert_once():
        runs.append(1)
        if _counter_row() is None:
            db.session.add(YearlyCounter(series="T", year=2026, last_value=7))
        return "done"

    other_done = threading.Event()

    def other_transaction():
        with app.app_context(), transactions_as(True), db.engine.connect() as conn:
            conn.execute(sa.insert(YearlyCounter).values(series="T", year=2026, last_value=7))
            other_done.set()
            time.sleep(0.3)
            conn.commit()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    assert other_done.wait(5)
    with transactions_as(False):
        assert in_unit_of_work(insert_once) == "done"
    thread.join(5)
    if db.engine.dialect.name == "postgresql":
        assert len(runs) == 2, "the unique violation ran the command again"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(YearlyCounter)) == 1


def test_a_command_reads_unless_it_opens_a_unit_of_work(app):
    import click

    from app.db import declare_command_intent

    @click.group("t-intent")
    def group():
        pass

    @group.command("forgetful")
    def forgetful():
        db.session.add(YearlyCounter(series="T", year=2026, last_value=1))
        db.session.commit()

    @group.command("careful")
    def careful():
        with unit_of_work():
            db.session.add(YearlyCounter(series="T", year=2026, last_value=1))

    app.cli.add_command(group)
    declare_command_intent(app.cli)
    runner = app.test_cli_runner()
    assert isinstance(runner.invoke(args=["t-intent", "forgetful"]).exception, WriteOutsideUnitOfWork)
    db.session.rollback()
    assert runner.invoke(args=["t-intent", "careful"]).exit_code == 0
    assert _counter() == 1
