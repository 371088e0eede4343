"""Mail through a real SMTP server (aiosmtpd on loopback), and what happens when it is down."""

import email
import email.policy
from datetime import timedelta

import sqlalchemy as sa

from app.core import clock
from app.extensions import db
from app.mail.models import OutboxMail
from tests.auth.test_registration import INDIVIDUAL
from tests.helpers import Page, find_line, mail_text


def parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def test_credentials_mail_reaches_the_smtp_server(client, smtp_server):
    smtp_server.start()
    client.submit("/register", INDIVIDUAL, expect=302)
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["new.person@example.ru"]
    message = parsed(envelope)
    assert "Доступ в личный кабинет" in message["Subject"]
    body = mail_text(message)
    assert find_line(body, "Логин:") == "new.person@example.ru"
    assert find_line(body, "Пароль:")
    row = db.session.scalar(sa.select(OutboxMail))
    assert row.status == "sent" and row.attempts == 1


def test_registration_succeeds_with_the_server_down_and_the_mail_goes_later(app, client, smtp_server):
    response = client.submit("/register", INDIVIDUAL)
    assert response.status_code == 302, "registration does not depend on the mail server"
    row = db.session.scalar(sa.select(OutboxMail))
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert smtp_server.messages == []

    smtp_server.start()
    runner = app.test_cli_runner()
    assert "sent 0" in runner.invoke(args=["mail", "send-pending"]).output, "not before its retry time"
    clock.set_now(clock.now() + timedelta(minutes=2))
    assert "sent 1" in runner.invoke(args=["mail", "send-pending"]).output
    assert "sent 0" in runner.invoke(args=["mail", "send-pending"]).output
    assert len(smtp_server.messages) == 1, "each mail is sent once"
    db.session.rollback()  # a fresh snapshot: the sender wrote in its own session
    assert db.session.get(OutboxMail, row.id).status == "sent"


def test_after_too_many_failures_staff_see_it_and_can_retry(app, client, smtp_server, operator_client):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    client.submit("/register", INDIVIDUAL)
    clock.set_now(clock.now() + timedelta(minutes=5))
    app.test_cli_runner().invoke(args=["mail", "send-pending"])
    row = db.session.scalar(sa.select(OutboxMail))
    db.session.refresh(row)
    assert row.status == "failed"
    page = operator_client.page("/office/mail/")
    assert "new.person@example.ru" in page
    smtp_server.start()
    operator_client.submit(f"/office/mail/{row.id}/retry", {}, expect=302)
    assert len(smtp_server.messages) == 1


def test_a_claimed_mail_is_not_sent_by_a_second_sender(app, client, smtp_server):
    from app.mail.services import send_pending

    app.config["MAIL_DISPATCH"] = "off"
    client.submit("/register", INDIVIDUAL)
    row = db.session.scalar(sa.select(OutboxMail))
    row.status = "sending"
    row.claimed_at = clock.now()
    db.session.commit()
    smtp_server.start()
    assert send_pending() == (0, 0)
    clock.set_now(clock.now() + timedelta(minutes=11))
    send_pending()
    db.session.refresh(row)
    assert row.status == "unconfirmed" and smtp_server.messages == [], "an unknown outcome is never resent blindly"


def test_without_mail_server_each_mail_is_an_eml_file(client, mailbox):
    client.submit("/register", INDIVIDUAL)
    [message] = mailbox()
    assert message["From"].endswith("<lk@example.ru>")


def _sqlite_database():
    import pytest

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL has no lock upgrade to fail")
    return db.engine.url.database


def _queue_one(client, app):
    app.config["MAIL_DISPATCH"] = "off"
    client.submit("/register", INDIVIDUAL, expect=302)
    return db.session.scalar(sa.select(OutboxMail.id))


def test_a_mail_delivered_while_another_writer_commits_is_recorded_as_sent(app, client, smtp_server):
    """The mail sender, the requests and the periodic commands all write to one database; a
    commit of theirs between the claim and the outcome must not leave a delivered mail "sending"
    (and then unconfirmed, and then resent by staff)."""
    import sqlite3

    from app.mail.services import send_pending

    database = _sqlite_database()
    mail_id = _queue_one(client, app)

    def another_writer_commits(envelope):
        conn = sqlite3.connect(database, timeout=5, isolation_level=None)
        conn.execute("UPDATE users SET inbox_version = inbox_version + 1")
        conn.close()

    smtp_server.collector.on_message = another_writer_commits
    smtp_server.start()
    assert send_pending() == (1, 0)
    db.session.rollback()
    assert db.session.get(OutboxMail, mail_id).status == "sent" and len(smtp_server.messages) == 1


def test_the_outcome_is_recorded_even_when_the_lock_stays_busy_past_the_timeout(app, busy_app, client, smtp_server):
    """The outcome waits past the database's busy timeout, as long as it takes, and lands."""
    from app.mail.services import send_pending
    from tests.helpers import WriteLockHolder

    database = _sqlite_database()
    mail_id = _queue_one(client, app)
    holders = []
    smtp_server.collector.on_message = lambda envelope: holders.append(WriteLockHolder(database, 0.4).__enter__())
    smtp_server.start()
    busy_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=3)
    with busy_app.app_context():
        assert send_pending() == (1, 0)
    for holder in holders:
        holder.__exit__(None, None, None)
    db.session.rollback()
    assert db.session.get(OutboxMail, mail_id).status == "sent" and len(smtp_server.messages) == 1


def test_staff_are_asked_before_an_unconfirmed_mail_goes_again(app, client, smtp_server, operator_client):
    mail_id = _queue_one(client, app)
    row = db.session.get(OutboxMail, mail_id)
    row.status, row.last_error = "unconfirmed", "Отправка прервалась; доставка не подтверждена."
    db.session.commit()
    page = operator_client.page("/office/mail/?status=unconfirmed")
    assert "доставка не подтверждена" in page and page.select(f"form[action$='/{mail_id}/retry']")
    response = operator_client.submit(f"/office/mail/{mail_id}/retry", {})
    assert response.status_code == 200, "an answer page, not a resend"
    page = Page(response)
    assert "может получить его дважды" in page.text() and "одноразовым паролем" in page.text()
    assert db.session.get(OutboxMail, mail_id).status == "unconfirmed"
    smtp_server.start()
    app.config["MAIL_DISPATCH"] = "inline"
    operator_client.submit(f"/office/mail/{mail_id}/retry", {"confirmed": "y"}, expect=302)
    assert len(smtp_server.messages) == 1
    db.session.rollback()
    assert db.session.get(OutboxMail, mail_id).status == "sent"


def test_a_failed_mail_goes_again_without_a_question(app, client, smtp_server, operator_client):
    mail_id = _queue_one(client, app)
    row = db.session.get(OutboxMail, mail_id)
    row.status, row.last_error = "failed", "SMTPRecipientsRefused"
    db.session.commit()
    smtp_server.start()
    app.config["MAIL_DISPATCH"] = "inline"
    operator_client.submit(f"/office/mail/{mail_id}/retry", {}, expect=302)
    assert len(smtp_server.messages) == 1


def test_the_sender_loop_survives_a_database_error_and_goes_on(app, client, smtp_server, caplog):
    """A round that fails (here: the outbox table is away, as in a restore) is logged and waited
    out; the loop does not exit, and once the table is back the mail goes."""
    import threading
    import time

    from app.mail.services import sender_loop

    mail_id = _queue_one(client, app)
    smtp_server.start()
    db.session.rollback()  # PostgreSQL: our own read of the table would block its renaming
    engine = db.engine
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE outbox_mail RENAME TO outbox_mail_away")

    def put_it_back():
        time.sleep(0.3)
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE outbox_mail_away RENAME TO outbox_mail")

    thread = threading.Thread(target=put_it_back)
    thread.start()
    sender_loop(0.05, rounds=12)
    thread.join()
    assert any("a round failed" in r.getMessage() for r in caplog.records)
    assert len(smtp_server.messages) == 1
    db.session.rollback()
    assert db.session.get(OutboxMail, mail_id).status == "sent"


def test_the_sender_loop_holds_no_transaction_between_rounds(app, client, smtp_server):
    """`send-pending --loop` runs for ever in one process: what a round read (the company's name
    for the From header) must not stay in an open transaction while it waits for the next one.
    On PostgreSQL such a transaction holds its locks: a migration, a TRUNCATE or a VACUUM behind it
    waited for ever, and every request behind them (the loopback cluster's journeys hung)."""
    from flask import g

    from app.company.services import _CACHE
    from app.mail.services import sender_loop

    mail_id = _queue_one(client, app)
    smtp_server.start()
    db.session.commit()
    app.extensions.pop(_CACHE, None)  # the round reads the company's row, as a fresh process does
    g.pop("company", None)
    assert not db.session().in_transaction()
    sender_loop(0.01, rounds=1)
    assert len(smtp_server.messages) == 1
    assert not db.session().in_transaction(), "the round's read is over"
    assert db.session.get(OutboxMail, mail_id).status == "sent"


def test_mail_a_person_waits_for_goes_before_the_notifications_queued_ahead_of_it(app, client, smtp_server):
    """An import may queue hundreds of outage notifications; the password of someone who just
    registered must not wait behind them (bench mixed: 8 of 48 waited over 30 s)."""
    from app.mail.services import send_pending

    smtp_server.start()
    moment = clock.now()

    def queued(kind: str) -> int:
        row = OutboxMail(
            recipient=f"{kind}@example.ru",
            subject=kind,
            text_body="Текст",
            kind=kind,
            status="pending",
            created_at=moment,
            next_attempt_at=moment,
        )
        db.session.add(row)
        db.session.commit()
        return row.id

    notifications = [queued("notification") for _ in range(3)]
    credentials = queued("credentials")
    assert send_pending(limit=1) == (1, 0)
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["credentials@example.ru"]
    db.session.rollback()  # a fresh read, after the sender's commits
    statuses = dict(db.session.execute(sa.select(OutboxMail.id, OutboxMail.status)).tuples().all())
    assert statuses[credentials] == "sent" and {statuses[i] for i in notifications} == {"pending"}
