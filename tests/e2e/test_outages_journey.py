"""The outage schedule in a browser: typing a street narrows the list without a reload (htmx);
without JavaScript the same filter works as a plain GET form. A consumer adds «мой адрес»."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.core import clock
from app.extensions import db
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login


@pytest.fixture
def schedule(app):
    from app.outages.services import OutageData, create_outage

    clock.set_now(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    start = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    rows = [
        ("г. Примерск", "ул. Ленина", "1-15, 17"),
        ("г. Примерск", "ул. Садовая", "2-20 (чётные)"),
        ("г. Примерск", "пр-т Мира", ""),
        ("с. Заречное", "", ""),
        ("г. Примерск", "ул. Лесная", "3"),
    ]
    made = [
        create_outage(
            OutageData(
                "Северный РЭС",
                s,
                st,
                h,
                start + timedelta(days=n),
                start + timedelta(days=n, hours=6),
                "Плановый ремонт",
            )
        )
        for n, (s, st, h) in enumerate(rows)
    ]
    db.session.commit()
    yield made
    clock.set_now(None)


def test_typing_a_street_narrows_the_list_without_a_reload(live_server, new_page, schedule):
    page = new_page(javascript=True)
    page.goto(f"{live_server}/outages")
    items = page.locator("[data-outage-id]")
    assert items.count() == 5
    page.evaluate("window.__notReloaded = true")
    page.locator("#street").press_sequentially("Лен", delay=50)
    expect(items).to_have_count(1)
    assert items.first.get_attribute("data-outage-id") == str(schedule[0].id)
    assert page.evaluate("window.__notReloaded === true"), "the page was not reloaded"
    page.wait_for_url("**/outages?*street=*")  # hx-push-url: the filter is bookmarkable
    assert "Найдено отключений: 1" in page.locator("#outage-count").inner_text()
    screenshot(page, "outages-narrowed-1280")

    page.locator("#settlement").fill("")
    page.locator("#settlement").press_sequentially("Примерск", delay=30)
    expect(page.locator("#street-options option")).not_to_have_count(0)
    options = page.locator("#street-options option").evaluate_all("els => els.map(e => e.value)")
    assert "ул. Ленина" in options

    page.reload()
    assert page.locator("[data-outage-id]").count() == 1, "the pushed URL renders the same list"


def test_without_javascript_the_filter_is_a_plain_form(live_server, new_page, schedule):
    page = new_page(javascript=False, width=360)
    page.goto(f"{live_server}/outages")
    assert page.locator("[data-outage-id]").count() == 5
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no horizontal scrolling on a small phone"
    screenshot(page, "outages-nojs-360")
    page.fill("#settlement", "Заречное")
    page.click("#outage-filter button[type=submit]")
    page.wait_for_url("**/outages?*settlement=*")
    assert page.locator("[data-outage-id]").count() == 1
    page.fill("#settlement", "Атлантида")
    page.click("#outage-filter button[type=submit]")
    assert "нет в графике" in page.locator(".error-summary").inner_text()


def test_a_consumer_adds_an_address_in_the_profile(live_server, new_page, consumer, javascript):
    page = new_page(javascript=javascript)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/profile")
    page.fill("#address-settlement", "г. Примерск")
    page.fill("#address-street", "ул. Ленина")
    page.fill("#address-house", "7")
    page.click("#my-addresses button[type=submit]:has-text('Добавить адрес')")
    page.wait_for_url("**/profile#my-addresses")
    assert "г. Примерск, ул. Ленина, д. 7" in page.locator("#my-addresses").inner_text()
    screenshot(page, f"profile-addresses-{'js' if javascript else 'nojs'}")
