import re

from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import Page, mail_text


def reset_link(message) -> str:
    for line in mail_text(message).splitlines():
        if "/password/reset/" in line:
            return line[line.index("/password/reset/") :].strip()
    raise AssertionError("no reset link in the mail")


def test_known_and_unknown_emails_get_the_same_answer(client, consumer, mailbox):
    known = client.submit("/password/forgot", {"email": consumer.email}, expect=200).get_data(as_text=True)
    unknown = client.submit("/password/forgot", {"email": "ghost@example.ru"}, expect=200).get_data(as_text=True)
    # The CSRF token in the page carries a timestamp: two requests may straddle a second.
    csrf = re.compile(r'"X-CSRFToken": "[^"]+"')
    assert csrf.sub("", known.replace(consumer.email, "X")) == csrf.sub("", unknown.replace("ghost@example.ru", "X"))
    assert [m["To"] for m in mailbox()] == [consumer.email]


def test_reset_link_works_once(client, consumer, mailbox):
    client.submit("/password/forgot", {"email": consumer.email})
    link = reset_link(mailbox()[0])
    assert "new_password" in {i.get("name") for i in client.page(link).select("input")}
    client.submit(link, {"new_password": "fresh pass phrase", "new_password_confirm": "fresh pass phrase"}, expect=302)
    assert client.submit("/login", {"email": consumer.email, "password": "fresh pass phrase"}).status_code == 302
    again = client.get(link)
    assert again.status_code == 400 and "Ссылка недействительна" in again.get_data(as_text=True)


def test_reset_link_expires_after_an_hour(client, consumer, mailbox):
    client.submit("/password/forgot", {"email": consumer.email})
    link = reset_link(mailbox()[0])
    import time

    real_time = time.time
    try:
        time.time = lambda: real_time() + 3601  # itsdangerous reads time.time()
        assert client.get(link).status_code == 400
    finally:
        time.time = real_time
    assert client.get(link).status_code == 200


def test_forged_link_is_refused(client):
    page = client.page("/password/reset/not-a-token", expect=400)
    assert "Ссылка недействительна" in page


def test_mismatched_passwords(client, consumer, mailbox):
    client.submit("/password/forgot", {"email": consumer.email})
    link = reset_link(mailbox()[0])
    page = Page(client.submit(link, {"new_password": "fresh pass phrase", "new_password_confirm": "other"}, expect=200))
    assert "Пароли не совпадают." in page.errors()
    assert client.submit("/login", {"email": consumer.email, "password": DEFAULT_PASSWORD}).status_code == 302


def test_recovery_is_throttled(app, client):
    app.config["RECOVERY_LIMIT"] = "1 per hour"
    client.submit("/password/forgot", {"email": "a@example.ru"}, expect=200)
    assert client.submit("/password/forgot", {"email": "a@example.ru"}).status_code == 429
