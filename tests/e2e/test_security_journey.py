"""In a browser, with JavaScript on and off: a new staff member sets up the second factor at
the first login; a consumer turns it on in the profile, logs in with a code, downloads
their data, withdraws consent; logout everywhere. Screenshots at 360 and 1280 px."""

import json

from playwright.sync_api import expect

from app.auth import twofactor
from app.core import clock
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login, browser_logout


def shots(page, name: str) -> None:
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (
            f"{name}: no sideways scrolling at {width}"
        )
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_set_up_the_second_factor_at_the_first_login(live_server, new_page, make_user, javascript):
    tag = "js" if javascript else "nojs"
    operator = make_user("operator", totp_secret=None, totp_enabled_at=None)
    page = new_page(javascript=javascript)
    page.goto(f"{live_server}/login")
    page.fill("#email", operator.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/second-factor/setup")
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0, "the QR code shows"
    shots(page, f"second-factor-setup-{tag}")
    page.fill("#code", "000000")
    page.click("main button[type=submit]")
    # The refused code comes back on the same URL: wait for the answer, not for a new address.
    expect(page.locator(".error-summary")).to_be_visible()
    secret = page.locator(".secret").first.inner_text().replace(" ", "")
    page.fill("#code", twofactor.totp(secret).at(clock.now()))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".codes li").count() == 10
    shots(page, f"recovery-codes-{tag}")
    page.click("text=Я сохранил коды, продолжить")
    page.wait_for_url("**/office/")
    browser_logout(page)

    # The next login asks for the code.
    browser_login(page, live_server, operator)
    page.wait_for_url("**/office/")
    page.goto(f"{live_server}/office/audit/?action=auth.")
    assert "Подключено подтверждение входа" in page.content()
    shots(page, f"audit-log-{tag}")


def test_code_page(live_server, new_page, make_user):
    operator = make_user("operator")
    page = new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", operator.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/second-factor")
    assert page.get_attribute("#code", "autocomplete") == "one-time-code"
    shots(page, "second-factor-code")


def test_consumer_security_and_personal_data(live_server, new_page, make_user, javascript, app):
    tag = "js" if javascript else "nojs"
    consumer = make_user("consumer", email="secure@example.ru")
    from app.extensions import db
    from app.privacy.services import record_consent

    record_consent(consumer, method="online")
    db.session.commit()
    page = new_page(javascript=javascript)
    browser_login(page, live_server, consumer)
    page.wait_for_url("**/cabinet")
    page.goto(f"{live_server}/profile")
    shots(page, f"profile-{tag}")

    page.click("text=Подтверждение входа кодом")
    page.wait_for_url("**/profile/second-factor")
    secret = page.locator(".secret").first.inner_text().replace(" ", "")
    page.fill("#code", twofactor.totp(secret).at(clock.now()))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".codes li").count() == 10
    page.click("text=Я сохранил коды, продолжить")
    page.wait_for_url("**/profile")
    browser_logout(page)
    browser_login(page, live_server, consumer)
    page.wait_for_url("**/cabinet")

    page.goto(f"{live_server}/profile/second-factor")
    shots(page, f"second-factor-settings-{tag}")
    page.goto(f"{live_server}/profile/email")
    shots(page, f"email-change-{tag}")

    page.goto(f"{live_server}/profile")
    with page.expect_download() as download_info:
        page.click("a[href='/profile/data.json']")
    data = json.loads(open(download_info.value.path(), encoding="utf-8").read())
    assert data["sections"]["account"]["email"] == "secure@example.ru"

    page.goto(f"{live_server}/profile/consent")
    shots(page, f"consent-{tag}")
    page.click("text=Отозвать согласие")
    page.wait_for_url("**/profile/consent/withdraw")
    shots(page, f"consent-withdraw-{tag}")
    page.click("main button.danger")
    page.wait_for_url("**/profile/consent")
    assert "Вы отозвали согласие" in page.content()
    shots(page, f"consent-withdrawn-{tag}")

    page.goto(f"{live_server}/profile")
    page.click("text=Выйти на всех устройствах")
    page.wait_for_url("**/login")
    page.goto(f"{live_server}/cabinet")
    page.wait_for_url("**/login**")
