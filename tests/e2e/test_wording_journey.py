"""Issue 17, items 8 and 9 in a browser, at 360 and 1280 px, with JavaScript on and off: a
tariff decision typed by hand (an error next to its field, then saved), the audit log in
Russian, a staff member's position, one error for a negative power in the calculator."""

from __future__ import annotations

import pytest

from tests.calculator.conftest import decision, example_bytes, fixed_today  # noqa: F401 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login

MODES = [(True, 1280), (False, 1280), (True, 360), (False, 360)]


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scroll of the page"


@pytest.mark.parametrize(("javascript", "width"), MODES)
def test_an_admin_enters_a_decision_and_reads_the_log_in_russian(live_server, new_page, admin, javascript, width):
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, admin)
    page.goto(f"{live_server}/office/tariffs/")
    assert "спецификации" not in page.inner_text("main")
    assert page.locator('a[href="/office/tariffs/sample.json"]').count() == 1
    page.click("text=Ввести решение вручную")
    page.wait_for_url("**/office/tariffs/new")
    page.fill("#region", "Примерская область")
    page.fill("#decision", "Постановление РЭК № 45/3 от 20.12.2025")
    page.fill("#valid_from", "2026-01-01")
    page.fill("#c1_up_to_150", "19745,00")
    page.fill("#c1_over_150", "21452")
    page.fill("#bands-0-c5", "-9000")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.title().startswith("Ошибка: ")
    assert "Должно быть неотрицательным числом." in page.inner_text("#bands-0-c5-error")
    assert page.locator(".error-summary a[href='#bands-0-c5']").count() == 1
    fits(page, width)
    screenshot(page, f"tariff-entry-error-{'js' if javascript else 'nojs'}-{width}")
    page.fill("#bands-0-c5", "9000")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "Тарифное решение «Постановление РЭК № 45/3 от 20.12.2025» сохранено." in page.inner_text(".flashes")
    assert "9 000" in page.inner_text("main").replace("\u202f", " ").replace("\u00a0", " ")

    page.goto(f"{live_server}/office/audit/")
    row = page.locator("tbody tr").first
    assert "Тарифное решение введено вручную" in row.inner_text()
    assert "office.tariff_entered" not in row.inner_text() and "{" not in row.inner_text()
    assert "название: Постановление РЭК № 45/3 от 20.12.2025" in row.inner_text()
    screenshot(page, f"audit-{'js' if javascript else 'nojs'}-{width}")


@pytest.mark.parametrize(("javascript", "width"), MODES)
def test_an_admin_gives_a_position_that_the_staff_list_shows(
    live_server, new_page, admin, make_user, javascript, width
):
    member = make_user("operator", last_name="Кузнецова", first_name="Ольга")
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, admin)
    page.goto(f"{live_server}/office/staff/")
    page.click(f'a[href="/office/staff/{member.id}/edit"]')
    page.fill("#middle_name", "Игоревна")
    page.fill("#position", "Начальник отдела обслуживания потребителей")
    fits(page, width)
    screenshot(page, f"staff-edit-{'js' if javascript else 'nojs'}-{width}")
    page.click("main button[type=submit]")
    page.wait_for_url("**/office/staff/")
    assert "Начальник отдела обслуживания потребителей" in page.inner_text("tbody")
    screenshot(page, f"staff-list-{'js' if javascript else 'nojs'}-{width}")


@pytest.mark.parametrize(("javascript", "width"), MODES)
def test_a_negative_power_gets_one_error(live_server, new_page, decision, javascript, width):  # noqa: F811
    page = new_page(javascript=javascript, width=width)
    page.goto(f"{live_server}/calculator?power_kw=-5&existing_power_kw=2")
    assert page.inner_text("#err-power_kw").strip()
    assert page.inner_text("#err-existing_power_kw").strip() == ""
    assert page.locator("#calc-errors li").count() == 1
    fits(page, width)
