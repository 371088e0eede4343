"""Appeals in the browser: a consumer files a complaint with a file → staff answer it →
the consumer's unread count changes without a reload → the consumer reads the answer and
the count clears. With JavaScript off the same works by reloading."""

from datetime import timedelta

from playwright.sync_api import expect

from app.core import clock
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login
from tests.helpers import PDF


def file_a_quality_complaint(page, live_server: str) -> str:
    page.goto(f"{live_server}/appeals/new")
    page.check("input[name=kind][value=complaint]")
    page.check("input[name=topic][value=quality]")
    assert page.is_visible("#supply_address"), "the Decree 442 fields appear for a quality complaint"
    page.fill("#text", "Вечерами напряжение падает до 180 В, не работает холодильник.")
    page.fill("#supply_address", "д. Берёзовка, ул. Садовая, д. 7")
    page.fill("#problem_date", (clock.today() - timedelta(days=2)).isoformat())
    page.fill("#problem_time", "с 18:00 до 22:00")
    page.fill("#demands", "Восстановить напряжение 230 В.")
    page.set_input_files("#files", files=[{"name": "замеры.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("form.appeal-form button[type=submit]")
    page.wait_for_url("**/appeals/*")
    assert "зарегистрировано" in page.inner_text(".flashes")
    return page.url


def staff_answer(new_page, live_server: str, operator, number: str, text: str) -> None:
    staff = new_page()
    browser_login(staff, live_server, operator)
    staff.goto(f"{live_server}/office/appeals/")
    staff.click(f"text={number}")
    expect(staff.locator("main")).to_contain_text("замеры.pdf")
    staff.fill("#answer-text", text)
    staff.click("form[action$='/answer'] button[type=submit]")
    staff.wait_for_load_state()
    assert "Ответ отправлен заявителю." in staff.inner_text(".flashes")


def unread(page) -> str:
    return page.get_attribute("#inbox-badge .count", "data-unread")


def test_complaint_answer_and_the_live_unread_count(app, live_server, new_page, make_user):
    consumer = make_user("consumer", email="zhaloba@example.ru", last_name="Жалобина")
    operator = make_user("operator", email="op@example.ru")
    page = new_page(javascript=True)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/appeals/new")
    assert not page.is_visible("#supply_address"), "hidden until a quality complaint is chosen"
    appeal_url = file_a_quality_complaint(page, live_server)
    number = page.inner_text("h1").removeprefix("Обращение ").strip()
    assert number.startswith("ОБ-")
    assert unread(page) == "0", "opening the appeal read its registration notice"

    page.goto(f"{live_server}/appeals")
    page.evaluate("window.stillTheSamePage = true")
    with page.expect_request("**/notifications/badge*", timeout=10_000) as poll:
        pass
    # Marked as a poll (with the page's CSRF header still merged in), so a logged-out tab's
    # poll is answered 401 and takes nobody's messages.
    assert poll.value.headers.get("x-poll") == "1" and poll.value.headers.get("x-csrftoken")
    staff_answer(new_page, live_server, operator, number, "Заменим трансформатор до 20-го числа.")

    page.wait_for_selector("#inbox-badge .count[data-unread='1']", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True, "the count changed without a reload"

    page.click("#inbox-badge")
    page.wait_for_url("**/notifications")
    page.click(".notifications li.unread button[name=open]")
    page.wait_for_url(appeal_url)
    assert "Заменим трансформатор до 20-го числа." in page.inner_text(".answer")
    assert "Дан ответ" in page.inner_text("#appeal-status")
    assert unread(page) == "0"
    screenshot(page, "appeal-answered-js-1280")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "appeal-answered-js-360")


def test_without_javascript(app, live_server, new_page, make_user):
    consumer = make_user("consumer", email="nojs@example.ru")
    operator = make_user("operator", email="op2@example.ru")
    page = new_page(javascript=False, width=360)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/appeals/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "appeal-new-nojs-360")
    appeal_url = file_a_quality_complaint(page, live_server)
    number = page.inner_text("h1").removeprefix("Обращение ").strip()
    page.fill("#text", "Сегодня было 175 В.")
    page.click("form[action$='/clarifications'] button[type=submit]")
    expect(page.locator("#thread")).to_contain_text("Сегодня было 175 В.")
    staff_answer(new_page, live_server, operator, number, "Ответ без JavaScript.")
    page.goto(f"{live_server}/appeals")
    assert unread(page) == "1"
    page.click(f"text={number}")
    page.wait_for_url(appeal_url)
    assert "Ответ без JavaScript." in page.inner_text(".answer") and unread(page) == "0"
