"""Steps the browser journeys share."""

import pyotp

from app.core import clock
from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import totp_code


def browser_login(page, live_server: str, user, password: str = DEFAULT_PASSWORD) -> None:
    """Log `user` in through the login form and, when the account has a second factor,
    the code page (for staff without one: its setup, then the recovery codes page), as a
    person would."""
    page.goto(f"{live_server}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if "/login/second-factor/setup" in page.url:
        secret = page.locator(".secret").first.inner_text().replace(" ", "")
        page.fill("#code", pyotp.TOTP(secret).at(clock.now()))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.click("text=Я сохранил коды, продолжить")
        page.wait_for_load_state()
    elif "/login/second-factor" in page.url:
        page.fill("#code", totp_code(user))
        page.click("main button[type=submit]")
        page.wait_for_load_state()


def browser_logout(page) -> None:
    """«Выйти» in the header, or on a phone in the folded «Меню»."""
    if page.is_visible("nav.menu-fold summary"):
        page.click("nav.menu-fold summary")
    page.click("header button:visible:has-text('Выйти')")
    page.wait_for_url("**/login")


def wait_for_mail(folder, count: int, timeout: float = 15.0) -> list:
    """The mails in `folder` (oldest first) once there are at least `count`: a site that
    mails after its answer (MAIL_DISPATCH=thread, an SMTP server) may still be sending."""
    import time

    from tests.helpers import read_mailbox

    deadline = time.monotonic() + timeout
    while True:
        messages = read_mailbox(folder)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.1)
