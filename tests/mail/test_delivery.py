"""Mail through a real SMTP server (aiosmtpd on loopback), and what happens when it is down."""
import email
import email.policy
from datetime import timedelta

import sqlalchemy as sa

from app.core import clock
from app.extensions import db
from app.mail.models import OutboxMail
from tests.auth.test_registration import INDIVIDUAL
from tests.helpers import find_line, mail_text


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
    assert row.status == "failed" and smtp_server.messages == [], "an unknown outcome is never resent blindly"


def test_without_mail_server_each_mail_is_an_eml_file(client, mailbox):
    client.submit("/register", INDIVIDUAL)
    [message] = mailbox()
    assert message["From"].endswith("<lk@example.ru>")
