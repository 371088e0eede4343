"""Steps the browser journeys share."""
from tests.conftest import DEFAULT_PASSWORD


def browser_login(page, live_server: str, user, password: str = DEFAULT_PASSWORD) -> None:
    """Log `user` in through the login form (and any later login step), as a person would."""
    page.goto(f"{live_server}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def browser_logout(page) -> None:
    page.click("header button:has-text('Выйти')")
    page.wait_for_url("**/login")
