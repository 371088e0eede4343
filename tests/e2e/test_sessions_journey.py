"""In a browser: a logout ends the login on the server, so copies of its cookies, the
remember-me one included, open nothing any more."""

from tests.conftest import DEFAULT_PASSWORD


def test_copied_cookies_stop_working_after_logout(live_server, new_page, consumer, app):
    page = new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", consumer.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.check("#remember")
    page.click("main button[type=submit]")
    page.wait_for_url("**/cabinet")
    cookies = page.context.cookies()
    remember_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    assert {c["name"] for c in cookies} >= {app.config["SESSION_COOKIE_NAME"], remember_name}

    thief = new_page()
    thief.context.add_cookies(cookies)
    thief.goto(f"{live_server}/cabinet")
    assert thief.url.endswith("/cabinet"), "the copies work while the owner is logged in"
    remembered_only = new_page()
    remembered_only.context.add_cookies([c for c in cookies if c["name"] == remember_name])

    page.click("header button:has-text('Выйти')")
    page.wait_for_load_state()
    # Before the fix the remember-me cookie survived the logout, and /login sent it back to /cabinet.
    assert page.url.endswith("/login"), "the owner's browser is logged out, remember-me and all"
    page.goto(f"{live_server}/cabinet")
    assert "/login" in page.url
    thief.goto(f"{live_server}/cabinet")
    assert "/login" in thief.url
    assert "Войдите, чтобы открыть эту страницу." in thief.content()
    remembered_only.goto(f"{live_server}/cabinet")
    assert "/login" in remembered_only.url, "the remember-me cookie alone does not bring the login back"
