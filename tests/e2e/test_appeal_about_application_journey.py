"""Issue 17 items 3 and 4 in the browser, at 360 and 1280 px, JavaScript on and off:
from the application card to an appeal about it and back; above 150 kW the signed contract
uploaded on the card, confirmed by staff, and the card showing the contract concluded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login
from tests.helpers import PDF

SCAN = {"name": "договор подписанный.pdf", "mimeType": "application/pdf", "buffer": PDF}


@pytest.mark.parametrize("width", [360, 1280])
def test_from_the_application_card_to_an_appeal_about_it(
    live_server,
    new_page,
    make_user,
    make_application,  # noqa: F811 (the fixture imported above)
    javascript,
    width,
):
    consumer = make_user("consumer", email="obrashchenie@example.ru", last_name="Обращенцева")
    operator = make_user("operator", email="op.appeals@example.ru")
    application = make_application(consumer)
    make_application(consumer, object_name="Баня")  # a second one, so the choice matters
    tag = f"{'js' if javascript else 'nojs'}-{width}"
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, consumer)

    page.goto(f"{live_server}/applications/{application.id}")
    page.click("text=Написать обращение по заявке")
    page.wait_for_url(f"**/appeals/new?application_id={application.id}")
    assert page.input_value("#application_id") == str(application.id), "opened with it chosen"
    screenshot(page, f"i17-appeal-form-{tag}")
    page.check("input[name=kind][value=request]")
    page.check("input[name=topic][value=connection]")
    page.fill("#text", "Когда будет направлен проект договора?")
    page.click("form.appeal-form button[type=submit]")
    page.wait_for_url("**/appeals/*")
    assert "зарегистрировано" in page.inner_text(".flashes")
    assert page.inner_text(".about-application") == f"По заявке {application.number}"
    number = page.inner_text("h1").removeprefix("Обращение ").strip()
    screenshot(page, f"i17-appeal-card-{tag}")

    page.click(f".about-application a:has-text('{application.number}')")
    page.wait_for_url(f"**/applications/{application.id}")
    assert number in page.inner_text(".about-appeals")
    screenshot(page, f"i17-application-card-appeals-{tag}")

    staff = new_page(javascript=javascript, width=width)
    browser_login(staff, live_server, operator)
    staff.goto(f"{live_server}/office/appeals/")
    assert f"по заявке {application.number}" in staff.inner_text(f"tr:has-text('{number}')")
    screenshot(staff, f"i17-office-appeals-queue-{tag}")
    staff.click(f"text={number}")
    staff.wait_for_load_state()
    assert staff.inner_text(".about-application") == f"По заявке {application.number}"


@pytest.mark.parametrize("width", [360, 1280])
def test_the_signed_contract_through_the_cabinet(
    live_server,
    new_page,
    make_user,
    make_application,  # noqa: F811 (the fixture imported above)
    javascript,
    width,
):
    consumer = make_user("consumer", email="dogovor@example.ru", last_name="Договорова")
    operator = make_user("operator", email="op.contracts@example.ru")
    application = make_application(consumer, power_kw=Decimal("200"), status="offer_sent")
    tag = f"{'js' if javascript else 'nojs'}-{width}"
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, consumer)
    card_url = f"{live_server}/applications/{application.id}"

    page.goto(card_url)
    screenshot(page, f"i17-signed-form-{tag}")
    page.click("form.signed-contract button[type=submit]")  # nothing chosen: refused, says why
    page.wait_for_load_state()
    assert "Приложите подписанный договор" in page.inner_text("form.signed-contract .error")
    page.set_input_files("form.signed-contract input[type=file]", files=[SCAN])
    page.click("form.signed-contract button[type=submit]")
    page.wait_for_load_state()
    assert "Подписанный договор направлен" in page.inner_text(".flashes")
    assert "Подписанный договор получен" in page.inner_text(".signed-received")
    screenshot(page, f"i17-signed-sent-{tag}")

    staff = new_page(javascript=javascript, width=width)
    browser_login(staff, live_server, operator)
    staff.goto(f"{live_server}/office/applications/?q={application.number}")
    assert "Договор подписан заявителем, ждёт подтверждения" in staff.inner_text("main")
    staff.click(f"text={application.number}")
    staff.wait_for_load_state()
    assert "договор подписанный.pdf" in staff.inner_text(".signed-upload")
    screenshot(staff, f"i17-office-signed-upload-{tag}")
    staff.click(".signed-upload button[type=submit]")
    staff.wait_for_load_state()
    assert "Договор заключён" in staff.inner_text(".flashes")

    page.goto(card_url)
    assert "Договор заключён" in page.inner_text("#application-status")
