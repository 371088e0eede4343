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


def test_an_admin_gives_a_staff_member_a_position(admin_client, make_user):
    from app.auth.models import User
    from app.extensions import db

    member = make_user("operator", last_name="Кузнецова", first_name="Ольга")
    listing = admin_client.page("/office/staff/")
    assert listing.select_one(f'a[href="/office/staff/{member.id}/edit"]')
    form = admin_client.page(f"/office/staff/{member.id}/edit")
    assert form.select_one("label[for=position]").get_text() == "Должность"
    admin_client.submit(
        f"/office/staff/{member.id}/edit",
        {
            "last_name": "Кузнецова",
            "first_name": "Ольга",
            "middle_name": "Игоревна",
            "position": "  Начальник   отдела обслуживания ",
        },
        expect=302,
    )
    db.session.expire_all()
    saved = db.session.get(User, member.id)
    assert (saved.middle_name, saved.position) == ("Игоревна", "Начальник отдела обслуживания")
    assert "Начальник отдела обслуживания" in admin_client.page("/office/staff/").text("tbody")


def test_a_bad_position_is_refused_in_russian_and_nothing_changes(admin_client, make_user):
    from tests.helpers import Page

    member = make_user("operator", last_name="Кузнецова")
    page = Page(
        admin_client.submit(f"/office/staff/{member.id}/edit", {"last_name": "Кузнецова", "position": "х" * 201})
    )
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    assert "Должность — не длиннее 200 символов." in page.errors()
    page = Page(admin_client.submit(f"/office/staff/{member.id}/edit", {"last_name": "", "position": "Инженер"}))
    assert "Укажите фамилию." in page.errors()


def test_only_admins_edit_staff_and_only_staff_accounts(operator_client, admin_client, operator, consumer):
    assert operator_client.get(f"/office/staff/{operator.id}/edit").status_code == 403
    assert admin_client.get(f"/office/staff/{consumer.id}/edit").status_code == 404
    assert admin_client.get("/office/staff/99999/edit").status_code == 404
    assert admin_client.submit(f"/office/staff/{operator.id}/edit", {"last_name": "Х"}, csrf=False).status_code == 400
