"""Who reaches /office: anonymous → /login, consumer → 403 (logged), staff → in; admin pages for admins."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db

OFFICE_PAGES = ["/office/", "/office/consumers/", "/office/consumers/new", "/office/mail/", "/office/audit/"]
ADMIN_PAGES = ["/office/settings/", "/office/calendar/", "/office/staff/", "/office/staff/new"]


@pytest.mark.parametrize("url", OFFICE_PAGES + ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", OFFICE_PAGES + ADMIN_PAGES)
def test_consumer_gets_403(consumer_client, url):
    response = consumer_client.get(url)
    assert response.status_code == 403
    assert "Доступ запрещён" in response.get_data(as_text=True)


def test_refused_access_is_audited(consumer_client, consumer):
    consumer_client.get("/office/")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access.forbidden"))
    assert event.actor_id == consumer.id and "/office/" in event.details


@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_operator_gets_in(operator_client, url):
    operator_client.page(url)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_operator_is_refused_admin_pages(operator_client, url):
    assert operator_client.get(url).status_code == 403


@pytest.mark.parametrize("url", OFFICE_PAGES + ADMIN_PAGES)
def test_admin_gets_everywhere(admin_client, url):
    admin_client.page(url)


@pytest.mark.parametrize("url", ["/cabinet", "/profile", "/notifications", "/password/change"])
def test_consumer_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_are_sent_from_the_cabinet_to_the_office(operator_client):
    assert operator_client.get("/cabinet").headers["Location"] == "/office/"


def test_admin_creates_staff_and_they_get_credentials(admin_client, mailbox, client):
    from tests.helpers import find_line, mail_text

    admin_client.submit(
        "/office/staff/new", {"email": "new.op@example.ru", "role": "operator", "last_name": "Новиков"}, expect=302
    )
    [message] = mailbox()
    password = find_line(mail_text(message), "Пароль:")
    # A new staff member sets up the second factor right after the password, then replaces
    # the one-time password.
    assert (
        client.submit("/login", {"email": "new.op@example.ru", "password": password}).headers["Location"]
        == "/login/second-factor/setup"
    )
    secret = client.page("/login/second-factor/setup").select_one(".secret").get_text().replace(" ", "")
    import pyotp

    client.submit("/login/second-factor/setup", {"code": pyotp.TOTP(secret).now()}, expect=200)
    assert client.get("/office/").headers["Location"] == "/password/change"


def test_admin_disables_staff(admin_client, operator, operator_client):
    admin_client.submit(f"/office/staff/{operator.id}/toggle", {}, expect=302)
    assert operator_client.get("/office/").status_code == 302


def test_create_staff_command(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-staff", "--email", "Boss@Example.ru", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "Логин: boss@example.ru" in result.output and "Пароль: " in result.output
    again = app.test_cli_runner().invoke(
        args=["users", "create-staff", "--email", "boss@example.ru", "--role", "admin"]
    )
    assert again.exit_code != 0
