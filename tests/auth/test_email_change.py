"""Change of the login email from /profile (SPEC §2.1): the password first, a signed expiring
link to the new address, a notice to the old one."""

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import Page, mail_text


def confirm_link(message) -> str:
    for line in mail_text(message).splitlines():
        if "/profile/email/confirm/" in line:
            return line[line.index("/profile/email/confirm/") :].strip()
    raise AssertionError("no link in the mail")


def request_change(c, new="new.address@example.ru", password=DEFAULT_PASSWORD):
    return c.submit("/profile/email", {"new_email": new, "current_password": password})


def test_the_form_asks_for_the_password(consumer_client, mailbox):
    page = consumer_client.page("/profile/email")
    assert {i.get("name") for i in page.select("form input:not([type=hidden])")} == {"new_email", "current_password"}
    wrong = Page(request_change(consumer_client, password="not mine"))
    assert "Текущий пароль введён неверно." in wrong.errors()
    same = Page(consumer_client.submit("/profile/email", {"new_email": "", "current_password": DEFAULT_PASSWORD}))
    assert same.errors()
    assert mailbox() == []


def test_the_change_is_confirmed_by_a_link_to_the_new_address(app, consumer, consumer_client, mailbox, login):
    old_email = consumer.email
    other_session = app.test_client()
    login(consumer, c=other_session)
    response = request_change(consumer_client, "New.Address@Example.ru")
    assert response.status_code == 200 and "Подтвердите новый адрес" in response.get_data(as_text=True)
    db.session.refresh(db.session.get(User, consumer.id))
    assert db.session.get(User, consumer.id).email == old_email, "nothing changes before the link"
    to_new = next(m for m in mailbox() if m["To"] == "new.address@example.ru")
    to_old = next(m for m in mailbox() if m["To"] == old_email)
    assert "n***@example.ru" in mail_text(to_old), "the old address is told, with the new one masked"
    link = confirm_link(to_new)

    anonymous = app.test_client()
    page = anonymous.page(link)
    assert "new.address@example.ru" in page, "a page with a button: mail scanners opening links change nothing"
    db.session.refresh(db.session.get(User, consumer.id))
    assert db.session.get(User, consumer.id).email == old_email
    anonymous.submit(link, {}, expect=302)
    user = db.session.get(User, consumer.id)
    db.session.refresh(user)
    assert user.email == "new.address@example.ru"
    assert other_session.get("/cabinet").status_code == 302, "the change ended every session"
    assert any(m["Subject"] == "Адрес для входа изменён" and m["To"] == old_email for m in mailbox())
    assert anonymous.get(link).status_code == 400, "the link works once"
    assert login(user, c=app.test_client()).status_code == 302
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"auth.email_change_requested", "auth.email_changed"} <= actions


def test_the_link_expires(consumer_client, mailbox, app):
    import itsdangerous.timed

    request_change(consumer_client)
    link = confirm_link(next(m for m in mailbox() if m["To"] == "new.address@example.ru"))
    # itsdangerous reads the real time: move the token's own clock.
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: (
        real(self) + app.config["EMAIL_CHANGE_TOKEN_SECONDS"] + 60
    )
    try:
        assert app.test_client().get(link).status_code == 400
    finally:
        itsdangerous.timed.TimestampSigner.get_timestamp = real


def test_a_forged_link_is_refused(client):
    response = client.get("/profile/email/confirm/not-a-token")
    assert response.status_code == 400 and "Ссылка недействительна" in response.get_data(as_text=True)


def test_a_taken_address_gets_the_same_answer_and_a_warning_to_its_owner(consumer_client, consumer, make_user, mailbox):
    other = make_user(email="taken@example.ru")
    response = request_change(consumer_client, "taken@example.ru")
    assert response.status_code == 200 and "Подтвердите новый адрес" in response.get_data(as_text=True)
    [warning] = mailbox()
    assert warning["To"] == other.email and "/profile/email/confirm/" not in mail_text(warning)
    user = db.session.get(User, consumer.id)
    db.session.refresh(user)
    assert user.email == consumer.email


def test_an_address_taken_meanwhile_is_not_stolen(consumer_client, make_user, mailbox, app):
    request_change(consumer_client, "late@example.ru")
    link = confirm_link(next(m for m in mailbox() if m["To"] == "late@example.ru"))
    make_user(email="late@example.ru")
    c = app.test_client()
    c.get(link)
    assert c.submit(link, {}).status_code == 409
