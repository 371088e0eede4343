"""Staff accounts in /office/staff: the credentials mail in a staff member's words, and the
position the letters they sign print."""

from app.auth.services import send_credentials
from app.db import unit_of_work
from tests.helpers import find_line, mail_text


def test_a_new_staff_member_is_told_an_admin_made_the_account_and_the_second_factor_follows(admin_client, mailbox):
    admin_client.submit(
        "/office/staff/new",
        {"email": "new.op@example.ru", "role": "operator", "last_name": "Новиков", "first_name": "Пётр"},
        expect=302,
    )
    [message] = mailbox()
    text = mail_text(message)
    assert message["Subject"] == "Учётная запись сотрудника в личном кабинете"
    assert "Администратор " in text and "создал для вас учётную запись сотрудника" in text
    assert "(роль — оператор)" in text and find_line(text, "Логин:") == "new.op@example.ru"
    assert find_line(text, "Войти:").endswith("/login")
    assert "подтверждение входа" in text and "приложением-аутентификатором" in text
    assert "Если вы не регистрировались" not in text and "не регистрировались" not in text


def test_a_consumer_keeps_the_consumer_wording(app, make_user, mailbox):
    consumer = make_user("consumer")
    with app.test_request_context(), unit_of_work():
        send_credentials(consumer, "Temp-Pass-123")
    [message] = mailbox()
    text = mail_text(message)
    assert message["Subject"] == "Доступ в личный кабинет" and "Если вы не регистрировались" in text
    assert "сотрудника" not in text
