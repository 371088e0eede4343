"""Issue 19 item 4 in the browser, at 360 and 1280 px, JavaScript on and off: the office card
offers annulment only on a ground of the Rules whose term has passed (and says from when
otherwise); the consumer's card then names the ground and its point."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.core import clock
from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.helpers import browser_login

GROUND = "Подписанный договор или мотивированный отказ от его подписания не направлены (п. 15 Правил)"


@pytest.mark.parametrize("width", [360, 1280])
def test_staff_annul_on_the_ground_after_its_term(
    live_server,
    new_page,
    make_user,
    make_application,  # noqa: F811 (the fixture imported above)
    javascript,
    width,
):
    consumer = make_user("consumer", email="annul@example.ru", last_name="Аннулова")
    operator = make_user("operator", email="op.annul@example.ru")
    fixed = clock._fixed
    clock.set_now(clock.now() - timedelta(days=70))  # the draft contract was posted 70 days ago
    try:
        old = make_application(consumer, power_kw=Decimal("200"), status="offer_sent")
    finally:
        clock.set_now(fixed)
    recent = make_application(consumer, power_kw=Decimal("200"), status="offer_sent", object_name="Склад")
    tag = f"{'js' if javascript else 'nojs'}-{width}"
    staff = new_page(javascript=javascript, width=width)
    browser_login(staff, live_server, operator)

    staff.goto(f"{live_server}/office/applications/{recent.id}")
    waiting = staff.inner_text(".annulment-waiting")
    assert "Аннулировать можно с " in waiting and "меньше 30 рабочих дней с получения проекта договора" in waiting
    assert staff.locator("form[action$='/annul']").count() == 0
    assert staff.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    staff.locator("section.panel:has(> #annul-h)").screenshot(path=str(ARTIFACTS / f"i19-annul-waiting-{tag}.png"))

    staff.goto(f"{live_server}/office/applications/{old.id}")
    assert staff.inner_text("#annul-ground option:checked") == GROUND
    assert staff.evaluate("document.documentElement.scrollWidth") <= width
    staff.locator("section.panel:has(> #annul-h)").screenshot(path=str(ARTIFACTS / f"i19-annul-form-{tag}.png"))
    screenshot(staff, f"i19-office-card-{tag}")
    staff.fill("#annul-reason", "Ответа от заявителя нет.")
    staff.click("form[action$='/annul'] button[type=submit]")
    staff.wait_for_load_state()
    assert "Заявка аннулирована; заявитель получил основание." in staff.inner_text(".flashes")
    assert GROUND in staff.inner_text("#object-h + .facts")

    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/applications/{old.id}")
    assert page.inner_text(".annulment-ground") == f"Заявка аннулирована: п{GROUND[1:]}."
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"i19-consumer-annulled-{tag}")
