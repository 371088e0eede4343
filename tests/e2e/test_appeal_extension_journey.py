"""The extension of an answer term in the browser, at 360 px: staff extend it on the office card
with a ground and a comment → the consumer's open appeal page shows the new date and the
ground without a reload (the status block's poll), and the mail has come."""

from playwright.sync_api import expect

from app.appeals.operations import register_appeal
from app.appeals.rules import AppealData
from app.core.templating import format_date
from app.extensions import db
from app.workdays.services import get_calendar
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.helpers import browser_login, wait_for_mail


def test_staff_extend_the_term_and_the_consumer_sees_the_new_date(app, live_server, new_page, make_user):
    consumer = make_user("consumer", email="prodlenie@example.ru", last_name="Сроков")
    operator = make_user("operator", email="op.ext@example.ru")
    appeal = register_appeal(consumer, AppealData(kind="request", topic="metering", text="Прошу проверить счётчик."))
    db.session.commit()
    new_due = format_date(get_calendar().add_working_days(appeal.due_date, 7))

    page = new_page(javascript=True, width=360)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/appeals/{appeal.id}")
    expect(page.locator("#appeal-status")).to_contain_text(f"не позднее {format_date(appeal.due_date)}")
    page.evaluate("window.stillTheSamePage = true")

    staff = new_page(javascript=True, width=360)
    browser_login(staff, live_server, operator)
    staff.goto(f"{live_server}/office/appeals/{appeal.id}")
    staff.fill("#extend-days", "25")  # over the maximum of 20: the card says so and keeps the rest
    staff.select_option("#extend-ground", "inspection")
    staff.click("form[action$='/extend'] button[type=submit]")
    expect(staff.locator("#extend-days-error")).to_have_text(
        "Укажите, на сколько рабочих дней продлить срок: целым числом от 1 до 20."
    )
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    staff.locator("#extend").screenshot(path=str(ARTIFACTS / "appeal-extend-form-office-360.png"))
    staff.fill("#extend-days", "7")
    staff.select_option("#extend-ground", "inspection")
    staff.fill("#extend-comment", "Нужен выезд для проверки счётчика.")
    staff.click("form[action$='/extend'] button[type=submit]")
    staff.wait_for_load_state()
    assert f"Срок ответа продлён до {new_due}" in staff.inner_text(".flashes")
    expect(staff.locator("#history-h + ol")).to_contain_text(f"Срок ответа продлён до {new_due}")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    staff.locator("#facts-h").scroll_into_view_if_needed()
    screenshot(staff, "appeal-extended-office-360")

    expect(page.locator("#appeal-status")).to_contain_text(
        f"Срок ответа продлён до {new_due} (основание: необходимость дополнительной проверки", timeout=10_000
    )
    assert page.evaluate("window.stillTheSamePage") is True, "the poll brought it without a reload"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "appeal-extended-consumer-360")
    [mail] = [m for m in wait_for_mail(app.config["MAIL_DIR"], 2) if "продлён" in m["Subject"]]
    assert mail["To"] == consumer.email and new_due in mail["Subject"]
