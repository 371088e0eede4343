"""The cabinet on a phone and on a desktop, with JavaScript on and off (issue 17, item 10): what
waits for the consumer is on the first screen, the menu folds into «Меню» on a phone and fits
one line at 1280 px, and the anonymous header leads to the calculator and the outage schedule."""

from __future__ import annotations

import pytest

from tests.applications.conftest import decision, make_application  # noqa: F401,F811 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login, browser_logout


def rows_of(page, selector: str) -> set[float]:
    return {round(box["y"]) for box in (li.bounding_box() for li in page.locator(selector).all()) if box}


@pytest.mark.usefixtures("decision")
def test_the_cabinet_on_a_phone_and_a_desktop(
    app,
    live_server,
    new_page,
    javascript,
    make_user,
    make_application,  # noqa: F811
):
    consumer = make_user("consumer", email="telefon@example.ru", last_name="Телефонова")
    asked = make_application(consumer, status="needs_info")
    tag = "js" if javascript else "nojs"
    page = new_page(javascript=javascript, width=360)
    page.set_viewport_size({"width": 360, "height": 640})
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/cabinet")

    button = page.locator(".waiting a.button", has_text="Представить сведения")
    box = button.bounding_box()
    assert box and box["y"] + box["height"] <= 640, "the action due is on the first screen of a phone"
    assert page.locator("header").bounding_box()["height"] < 120, "the header no longer takes a third of it"
    assert not page.is_visible("header nav.menu"), "the menu is folded"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"cabinet-home-{tag}-360")

    page.click("nav.menu-fold summary")  # <details>: opens without JavaScript
    screenshot(page, f"cabinet-menu-open-{tag}-360")
    page.click("nav.menu-fold >> text=Обращения")
    page.wait_for_url("**/appeals")
    page.go_back()
    button.click()
    page.wait_for_url(f"**/applications/{asked.id}")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/cabinet")
    assert not page.is_visible("nav.menu-fold"), "no «Меню» control on a desktop"
    assert len(rows_of(page, "header nav.menu li")) == 1, "the menu fits one line at 1280 px"
    screenshot(page, f"cabinet-home-{tag}-1280")

    page.set_viewport_size({"width": 360, "height": 640})
    browser_logout(page)  # on a phone «Выйти» is in «Меню»


def test_the_anonymous_header_leads_to_the_calculator_and_the_schedule(live_server, new_page, javascript):
    page = new_page(javascript=javascript, width=360)
    page.goto(f"{live_server}/login")
    page.click("header >> text=Плановые отключения")
    page.wait_for_url("**/outages")
    page.click("header >> text=Расчёт стоимости")
    page.wait_for_url("**/calculator")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
