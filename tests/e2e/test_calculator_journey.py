"""The calculator in a browser: live results with htmx (no reload, the URL follows), errors
next to the fields, the PDF; and the same with JavaScript off."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.calculator.conftest import decision, example_bytes, fixed_today  # noqa: F401 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login


def total(page) -> str:
    return page.locator("[data-total-with-vat]").get_attribute("data-total-with-vat")


def test_live_result_with_htmx(live_server, new_page, decision):  # noqa: F811
    page = new_page(javascript=True)
    page.goto(f"{live_server}/calculator")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    page.fill("#power_kw", "15")
    page.wait_for_selector("[data-total-with-vat]")
    assert total(page) == "24088.90"  # C1 19 745 × 1.22
    assert "power_kw=15" in page.url  # bookmarkable

    page.fill("#overhead_km", "0,5")
    expect(page.locator("[data-total-with-vat]")).to_have_attribute("data-total-with-vat", "75000.00")
    assert "Применена льготная плата" in page.inner_text("#calc-result")
    assert "75 000,00" in page.inner_text("#calc-status").replace("\u202f", " ")
    page.fill("#power_kw", "20")  # no longer preferential: above 15 kW
    expect(page.locator("[data-total-with-vat]")).to_have_attribute("data-total-with-vat", "1446880.96")
    assert page.evaluate("window.sameDocument") is True
    assert "overhead_km=0%2C5" in page.url or "overhead_km=0,5" in page.url
    screenshot(page, "calculator-js-1280")

    page.fill("#power_kw", "двадцать")
    page.wait_for_selector("#err-power_kw .error")
    assert "Введите число" in page.inner_text("#err-power_kw")
    assert "Максимальная мощность" in page.inner_text("#calc-errors")
    assert page.locator("[data-total-with-vat]").count() == 0
    page.fill("#power_kw", "20")
    page.wait_for_selector("[data-total-with-vat]")
    assert page.locator("#err-power_kw .error").count() == 0 and page.inner_text("#calc-errors") == ""

    with page.expect_download() as download:
        page.click("text=Скачать PDF")
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"

    page.reload()  # the bookmarked URL shows the same result
    assert total(page) == "1446880.96"
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "calculator-js-360")


def test_without_javascript_the_form_submits(live_server, new_page, decision):  # noqa: F811
    page = new_page(javascript=False, width=360)
    page.goto(f"{live_server}/calculator")
    page.fill("#power_kw", "150")
    page.check("#applicant_type-2")
    page.select_option("#voltage_kv", "10")
    page.fill("#cable_km", "0.2")
    page.click("main button[type=submit]")
    page.wait_for_url("**/calculator?*power_kw=150*")
    # C1 19 745 + C3 5 200 000 × 0.2 = 1 059 745; × 1.22
    assert total(page) == "1292888.90"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "calculator-nojs-360")
    page.fill("#existing_power_kw", "200")
    page.click("main button[type=submit]")
    assert "не может быть больше максимальной" in page.inner_text("#err-existing_power_kw")
    assert page.title().startswith("Ошибка: ")


def test_consumer_finds_it_in_the_menu(live_server, new_page, consumer, decision):  # noqa: F811
    page = new_page(javascript=True)
    browser_login(page, live_server, consumer)
    page.click("nav.menu >> text=Расчёт стоимости")
    page.wait_for_url("**/calculator")
    page.fill("#power_kw", "5")
    page.check("#preferential")
    expect(page.locator("[data-total-with-vat]")).to_have_attribute(
        "data-total-with-vat", "5000.00"
    )  # the preferential group: 1 000 × 5 kW, lower than 24 088.90
