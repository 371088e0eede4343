"""register → read the mail → log in → forced change → log out → forgot → reset → log in,
with JavaScript on and off."""

from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import wait_for_mail
from tests.helpers import find_line, mail_text


def test_account_journey(app, live_server, new_page, javascript):
    mail_dir = Path(app.config["MAIL_DIR"])
    page = new_page(javascript=javascript)
    tag = "js" if javascript else "nojs"

    page.goto(f"{live_server}/register")
    page.check("#applicant_type-0")
    page.fill("#email", "journey@example.ru")
    page.fill("#phone", "+7 900 000-11-22")
    page.fill("#last_name", "Путешественникова")
    page.fill("#first_name", "Ольга")
    page.fill("#snils", "112-233-445 95")
    page.click("main button[type=submit]")
    # The click does not wait for the answer: expect() does (page.content() read the old page).
    expect(page.locator("main")).to_contain_text("Без согласия")
    page.check("#consent")
    page.click("main button[type=submit]")
    page.wait_for_url("**/register/done")

    [message] = wait_for_mail(mail_dir, 1)
    body = mail_text(message)
    login, password = find_line(body, "Логин:"), find_line(body, "Пароль:")

    page.goto(f"{live_server}/login")
    page.fill("#email", login)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/password/change")
    page.fill("#new_password", "my own long password")
    page.fill("#new_password_confirm", "my own long password")
    page.click("main button[type=submit]")
    page.wait_for_url("**/cabinet")
    assert "Путешественникова Ольга" in page.content()
    screenshot(page, f"cabinet-{tag}-1280")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, f"cabinet-{tag}-360")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("text=Выйти")
    page.wait_for_url("**/login")

    page.click("text=Забыли пароль?")
    page.fill("#email", login)
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("Проверьте почту")
    reset = next(
        line.strip() for line in mail_text(wait_for_mail(mail_dir, 2)[-1]).splitlines() if "/password/reset/" in line
    )
    page.goto(live_server + reset[reset.index("/password/reset/") :])
    page.fill("#new_password", "a second long password")
    page.fill("#new_password_confirm", "a second long password")
    page.click("main button[type=submit]")
    page.wait_for_url("**/login")

    page.fill("#email", login)
    page.fill("#password", "a second long password")
    page.click("main button[type=submit]")
    page.wait_for_url("**/cabinet")


def test_register_page_at_360px(live_server, new_page):
    page = new_page(width=360)
    page.goto(f"{live_server}/register")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no horizontal scrolling on a small phone"
    screenshot(page, "register-360")
    page = new_page(width=1280)
    page.goto(f"{live_server}/register")
    screenshot(page, "register-1280")
