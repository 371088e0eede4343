"""Writes under concurrency: the mixed load of `python -m bench mixed`, smaller (8 simulated
people, 2 of them staff, for 20 s, an import of 2,000 outages in the middle), against a real
gunicorn on this test run's database (SQLite, or PostgreSQL when DATABASE_URL says so) with
both mail senders delivering to a real SMTP server on loopback.

It checks correctness only, never speed (CI machines are slow): no answer 5xx, no answer a
person should not get, and the reconciliation of bench/mixed_check.py (every write that
answered success is in the database, registration numbers without gaps, every mail
delivered exactly once and recorded as sent, every stored file with its row)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.mixed import report_outcome, run_mixed
from bench.report import Report
from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]

#: Cheaper password hashing for the server, as the suite's own TestingConfig has it: the
#: load is about the transactions around the hash, not its cost.
CHEAP_HASHES = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_COST": "1024"}


def test_the_password_hash_cost_comes_from_the_environment():
    """So the suite's gunicorn (development settings) hashes as cheaply as TestingConfig."""
    code = "import config; print(config.Config.PASSWORD_HASH_TIME_COST, config.Config.PASSWORD_HASH_MEMORY_COST)"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", **CHEAP_HASHES},
    )
    assert run.stdout.split() == ["1", "1024"]
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={})
    assert run.stdout.split() == ["3", "65536"]


def test_a_mixed_load_answers_no_5xx_and_loses_no_write(app, database_url, tmp_path):
    # `app` empties the tables afterwards; the run loads the demo data into them first.
    outcome = run_mixed(
        database_url,
        tmp_path,
        users=8,
        staff=2,
        seconds=20,
        import_rows=2000,
        drain_seconds=30,
        extra_env=CHEAP_HASHES,
        migrate=False,
    )
    report_outcome(Report(), outcome, "suite", budgets=False)  # printed when the test fails
    ledger = outcome.ledger
    assert ledger.users and ledger.applications and sum(ledger.staff_steps.values()), "the load wrote nothing"
    failures = outcome.failures
    assert not failures, "\n".join(f"{n} × {what}" for what, n in Counter(failures).most_common(20))


def test_the_reconciliation_finds_each_kind_of_lost_write(app, make_user):
    """The checks of the mixed load are not vacuous: a ledger claiming what the database,
    the sink and UPLOAD_DIR do not hold is reported, line by line."""
    from datetime import UTC, datetime

    from app.core.models import YearlyCounter
    from app.core.storage import save_bytes
    from app.extensions import db
    from app.mail.models import OutboxMail
    from bench.mixed_check import reconcile
    from bench.mixed_users import PDF, Ledger

    user = make_user("consumer", email="kept@example.ru")
    moment = datetime.now(UTC)
    sent = OutboxMail(
        recipient=user.email,
        subject="s",
        text_body="t",
        kind="notification",
        status="sent",
        created_at=moment,
        next_attempt_at=moment,
    )
    left = OutboxMail(
        recipient=user.email,
        subject="s",
        text_body="t",
        kind="notification",
        status="sending",
        created_at=moment,
        next_attempt_at=moment,
        last_error="database is locked",
    )
    db.session.add_all([sent, left, YearlyCounter(series="appeal", year=2026, last_value=2)])
    gone = save_bytes(PDF, "application/pdf", "a.pdf", user.id)
    db.session.commit()
    gone.path.unlink()
    stray = app.config["UPLOAD_DIR"] / "ab" / "stray.pdf"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(PDF)

    ledger = Ledger(
        users=[user.email, "lost@example.ru"],
        applications=[(user.email, 999_999, "")],
        appeals=[(user.email, 999_998, "", 0)],
        consumer_steps=[(999_999, "submitted", "mixed-x")],
        clarifications=[(999_998, "mixed-y")],
        read_marks=[(user.email, [999_997])],
        appeal_steps=[(999_998, "status:in_progress")],
    )
    ledger.logins[user.email] += 1
    ledger.staff_steps[(999_999, "status:offer_sent")] += 1
    twice = f"Message-ID: <1.2.3.outbox{left.id}@lk.local>\r\nSubject: s\r\n\r\nt\r\n".encode()
    checks = {
        c.label: c.problems
        for c in reconcile(
            app.config["SQLALCHEMY_DATABASE_URI"], ledger, [twice, twice], app.config["UPLOAD_DIR"], ("Нигде", 5)
        )
    }

    def found(label_start: str) -> str:
        return " | ".join(p for label, problems in checks.items() if label.startswith(label_start) for p in problems)

    assert "registration #2" in found("registrations") and "#1" not in found("registrations")
    assert "1 logins answered success, 0 recorded" in found("logins")
    assert "application 999999" in found("submitted applications")
    assert "appeal 999998" in found("filed appeals")
    assert "no history row" in found("consumers' replies")
    assert "no message" in found("clarifications")
    assert "notification 999997" in found("notifications marked read")
    assert "offer_sent" in found("staff steps on applications")
    assert "taken into work" in found("staff steps on appeals")
    assert "ОБ-2026: missing 000001, 000002" in found("registration numbers ОБ")
    mail = found("mail")
    assert "delivered more than once" in mail and "recorded as sent, never delivered" in mail
    assert "delivered, recorded as sending" in mail and "database is locked" in mail
    files = found("stored files")
    assert "1 files in UPLOAD_DIR without a row: ab/stray.pdf" in files and gone.storage_key in files
    assert "5 rows, 0 stored" in found("imported outages")


def test_the_reconciliation_tells_writes_in_doubt_wholly_there_or_absent(app, make_user, make_application):  # noqa: F811
    """A write answered 5xx or not at all (a server killed under it) may be stored or not, but
    wholly: a registration with its credentials mail, an application with its number and files;
    and nothing is stored that neither an answered write nor one in doubt accounts for."""
    from bench.mixed_check import reconcile
    from bench.mixed_users import Ledger

    half = make_user("consumer", email="half@example.ru")  # stored without its credentials mail
    application = make_application(half, status="submitted")  # whole, but no write accounts for it
    ledger = Ledger(users=[half.email])
    ledger.in_doubt += [
        ("register", (half.email,)),
        ("register", ("absent@example.ru",)),
        ("reply to request", (application.id, "submitted", "mixed-z")),
        ("staff: take appeal", (999_001, "status:in_progress")),
    ]
    [check] = [
        c
        for c in reconcile(app.config["SQLALCHEMY_DATABASE_URI"], ledger, [], app.config["UPLOAD_DIR"], None)
        if c.label.startswith("writes without an answer")
    ]
    problems = " | ".join(check.problems)
    assert f"user {half.id}: a registration without an answer is stored without its credentials mail" in problems
    assert f"user {half.id}: 1 applications stored that no write answered, 0 submissions without an answer" in problems
    assert f"application {application.id}: stored without an answer" not in problems, "it is whole: number, two files"
    assert check.found == {
        "register there": 1,
        "register absent": 1,
        "reply to request absent": 1,
        "submit application there": 1,
        "staff: take appeal absent": 1,
    }


def test_the_reconciliation_leaves_what_a_killed_server_may_leave_to_its_owners(app, make_user):
    """A host killed under the load may leave mail it had claimed ("sending": staff confirm
    it later) and files its requests wrote before their commit (the storage sweep's): named as
    such, not as lost writes. Mail queued before the load (`mail_from`) is not the load's."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.mail.models import OutboxMail
    from bench.mixed_check import reconcile
    from bench.mixed_users import PDF, Ledger

    user = make_user("consumer")
    moment = datetime.now(UTC)
    rows = [
        OutboxMail(
            recipient=user.email,
            subject="s",
            text_body="t",
            kind="notification",
            status=status,
            created_at=moment,
            next_attempt_at=moment,
        )
        for status in ("pending", "sending", "sending")
    ]
    db.session.add_all(rows)
    db.session.commit()
    _before, claimed, other = rows
    left = app.config["UPLOAD_DIR"] / "cd" / "left.pdf"
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_bytes(PDF)
    checks = {
        c.label: c
        for c in reconcile(
            app.config["SQLALCHEMY_DATABASE_URI"],
            Ledger(),
            [],
            app.config["UPLOAD_DIR"],
            None,
            in_doubt_mail=[claimed.id],
            in_doubt_files=["cd/left.pdf"],
            mail_from=claimed.id,
        )
    }
    mail = next(c for label, c in checks.items() if label.startswith("mail"))
    assert mail.problems == [f"1 mail not delivered, left sending: outbox ids {other.id}"], (
        "not the one before the load"
    )
    assert mail.found == {"left sending by a killed sender, not delivered": 1}
    files = next(c for label, c in checks.items() if label.startswith("stored files"))
    assert not files.problems and files.found == {"written by requests killed before their commit": 1}
