"""A grid-connection application in the browser, from the form to the final acts: the
consumer submits with files → staff request data → the consumer's open card changes
without a reload and the consumer supplies the data → staff post the offer → the consumer
downloads the contract terms and the invoice → staff record the payment and start the work
→ the consumer notifies fulfilment → staff connect and complete. The consumer has
JavaScript on; staff work with it off, so the office's plain forms are exercised too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from tests.applications.conftest import decision  # noqa: F401 (a fixture)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login
from tests.helpers import PDF

SCAN = {"name": "скан.pdf", "mimeType": "application/pdf", "buffer": PDF}


def next_step(page) -> None:
    page.click("button[name=action][value=next]")
    page.wait_for_load_state()


def fill_the_application(page, live_server: str, shots: str | None = None) -> None:
    """The form in steps, from /applications/new to the summary (`shots`: keep a screenshot
    of each page under that prefix)."""

    def shot(name: str) -> None:
        if shots:
            screenshot(page, f"{shots}-{name}")

    page.goto(f"{live_server}/applications/new")
    page.check("input[name=kind][value=new]")
    page.fill("#passport_series", "4510")
    page.fill("#passport_number", "123456")
    page.fill("#passport_issued_by", "ОВД района Примерный")
    page.fill("#passport_issued_on", "2015-06-01")
    shot("step-1")
    next_step(page)
    page.fill("#object_name", "Жилой дом")
    page.fill("#object_settlement", "д. Берёзовка")
    page.fill("#object_street", "ул. Садовая")
    page.fill("#object_house", "7")
    page.fill("#cadastral_number", "50:20:0010203:456")
    shot("step-2")
    next_step(page)
    page.fill("#power_kw", "15")
    page.fill("#existing_power_kw", "0")
    page.select_option("#voltage_kv", "0.4")
    page.fill("#connection_points", "1")
    page.fill("#commissioning_date", (clock.today() + timedelta(days=150)).isoformat())
    page.fill("#supplier", "АО «Примерэнергосбыт»")
    shot("step-3")
    next_step(page)
    page.set_input_files("#site_plan", files=[{**SCAN, "name": "план.pdf"}])
    page.set_input_files("#title_document", files=[{**SCAN, "name": "выписка.pdf"}])
    shot("step-4")
    next_step(page)
    page.wait_for_url("**/summary")
    shot("summary")


def staff_card(staff, live_server: str, number: str):
    staff.goto(f"{live_server}/office/applications/?q={number}")
    staff.click(f"text={number}")
    staff.wait_for_load_state()


def staff_submit(staff, action: str) -> None:
    staff.click(f"form[action$='/{action}'] button[type=submit]:not([name])")
    staff.wait_for_load_state()


@pytest.mark.usefixtures("decision")
def test_an_application_from_the_form_to_the_final_acts(app, live_server, new_page, make_user):
    consumer = make_user("consumer", email="zayavitel@example.ru", last_name="Заявителева")
    operator = make_user("operator", email="tp.operator@example.ru")
    page = new_page(javascript=True)
    browser_login(page, live_server, consumer)

    # Submit with files: the number and the date are on the card.
    fill_the_application(page, live_server)
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/applications/*")
    number = page.inner_text("h1").removeprefix("Заявка ").strip()
    assert number.startswith("ТП-") and "зарегистрирована" in page.inner_text(".flashes")
    card_url = page.url
    assert page.inner_text(".applicant-group").startswith("п. 14 Правил: физическое лицо"), "the group with its point"
    screenshot(page, "application-submitted")

    # Staff request missing data; the consumer's open card changes without a reload.
    page.evaluate("window.stillTheSamePage = true")
    staff = new_page(javascript=False)
    browser_login(staff, live_server, operator)
    staff_card(staff, live_server, number)
    assert "план.pdf" in staff.content()
    assert "п. 14 Правил" in staff.inner_text(".applicant-group")
    staff.fill("#info-text", "Приложите, пожалуйста, план с привязкой к улице.")
    staff_submit(staff, "request-info")
    assert "Нужны сведения" in staff.inner_text("h1, .status")
    page.wait_for_selector("#application-status:has-text('Нужны сведения')", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True, "the status block changed in place"

    # The consumer supplies the data.
    page.goto(card_url)
    assert "план с привязкой к улице" in page.inner_text(".notice")
    page.fill("#text", "Прикладываю план с улицей.")
    page.set_input_files("#files", files=[{**SCAN, "name": "план-2.pdf"}])
    page.click("form[action$='/reply'] button[type=submit]")
    page.wait_for_load_state()
    assert "Сведения направлены" in page.inner_text(".flashes")

    # Staff post the offer with the ТУ: the invoice is the calculator's.
    staff_card(staff, live_server, number)
    staff.set_input_files("#offer-technical_conditions", files=[{**SCAN, "name": "ТУ.pdf"}])
    staff_submit(staff, "offer")
    assert "Документы направлены заявителю" in staff.content()

    # The consumer downloads the contract terms and the invoice.
    page.goto(card_url)
    assert "Оплатите счёт" in page.inner_text(".notice")
    for label in ("Условия типового договора", "Счёт на оплату"):
        with page.expect_download() as download:
            page.click(f"#documents a:has-text('{label}')")
        assert download.value.suggested_filename.endswith(".pdf")
        assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    screenshot(page, "application-offer")

    # Staff record the payment (the rest of the invoice is prefilled) and start the work.
    staff_card(staff, live_server, number)
    staff_submit(staff, "payments")
    assert "Договор заключён" in staff.content()
    staff_submit(staff, "start")
    assert "Выполнение технических условий" in staff.content()

    # The consumer notifies fulfilment with files.
    page.goto(card_url)
    page.fill("#text", "Щит смонтирован.")
    page.set_input_files("#files", files=[{**SCAN, "name": "фото щита.pdf"}])
    page.click("form[action$='/fulfilment'] button[type=submit]")
    page.wait_for_load_state()
    assert "Проверка выполнения ТУ" in page.inner_text("#application-status")

    # Staff connect and complete with the acts; the consumer's card shows them and invites a rating.
    page.evaluate("window.stillTheSamePage = true")
    staff_card(staff, live_server, number)
    staff_submit(staff, "connect")
    page.wait_for_selector("#application-status:has-text('Присоединение выполнено')", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True
    staff.set_input_files("#complete-connection_act", files=[{**SCAN, "name": "акт ТП.pdf"}])
    staff.set_input_files("#complete-meter_act", files=[{**SCAN, "name": "акт ПУ.pdf"}])
    staff_submit(staff, "complete")
    assert "Завершена" in staff.content()
    page.goto(card_url)
    assert "Завершена" in page.inner_text("#application-status")
    docs = page.inner_text("#documents")
    assert "Акт об осуществлении технологического присоединения" in docs and "Акт допуска прибора учёта" in docs
    assert page.is_visible(f"a[href='{card_url.removeprefix(live_server)}/rating']")
    screenshot(page, "application-completed")


@pytest.mark.usefixtures("decision")
@pytest.mark.parametrize("width", [360, 1280])
def test_the_form_works_without_javascript_and_says_what_is_missing(app, live_server, new_page, make_user, width):
    consumer = make_user("consumer", email=f"bezjs-{width}@example.ru")
    page = new_page(javascript=False, width=width)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/applications/new")
    page.fill("#passport_series", "4510")
    page.fill("#passport_number", "123456")
    page.fill("#passport_issued_by", "ОВД района Примерный")
    page.fill("#passport_issued_on", "2015-06-01")
    next_step(page)
    page.fill("#object_name", "Дом")
    next_step(page)
    # Straight to the summary from the bar: «Подать заявку» leads to the first step with a problem.
    page.click("nav.steps a:has-text('Проверка и подача')")
    assert "Укажите населённый пункт." in page.inner_text("#summary-2")
    screenshot(page, f"application-summary-missing-{width}")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(lambda url: url.endswith("/steps/2?check=1"))
    screenshot(page, f"application-step-errors-{width}")
    assert page.title().startswith("Ошибка: ")
    assert "Укажите населённый пункт." in page.inner_text(".error-summary")
    assert "есть ошибки" in page.inner_text("nav.steps [aria-current=step]")
    # The draft keeps what was typed.
    assert page.input_value("#object_name") == "Дом"
    page.fill("#object_settlement", "д. Берёзовка")
    page.fill("#cadastral_number", "50:20:0010203:456")
    next_step(page)
    page.wait_for_url(lambda url: url.endswith("/steps/3?check=1"))
    page.click("button[name=action][value=back]")
    page.wait_for_url(lambda url: url.endswith("/steps/2?check=1"))
    assert page.input_value("#object_settlement") == "д. Берёзовка"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"


@pytest.mark.usefixtures("decision")
@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_four_steps_and_the_summary_at_both_widths(app, live_server, new_page, make_user, width, javascript):
    """Each step a page of its own with the bar of steps, no sideways scrolling on a phone;
    the summary's «Изменить» goes back to a step and the change shows; «Подать заявку»
    registers the application."""
    consumer = make_user("consumer", email=f"shagi-{width}-{int(javascript)}@example.ru")
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, consumer)
    seen = []
    page.on("load", lambda p: seen.append((p.url, p.evaluate("document.documentElement.scrollWidth"))))
    fill_the_application(page, live_server, shots=f"application-steps-{width}-{'js' if javascript else 'nojs'}")
    steps = [u for u, _ in seen if "/steps/" in u or u.endswith("/summary") or u.endswith("/applications/new")]
    assert len(steps) == 5, steps
    if width == 360:
        assert all(w <= 360 for _, w in seen), seen
    assert page.inner_text("nav.steps [aria-current=step]").endswith("Проверка и подача")
    assert "д. Берёзовка, ул. Садовая, 7" in page.inner_text("#summary-2")
    assert "план.pdf" in page.inner_text("#summary-4")
    page.click("#summary-3 a:has-text('Изменить')")
    page.wait_for_url("**/steps/3")
    assert page.inner_text("nav.steps [aria-current=step]").endswith("Мощность и присоединение")
    page.fill("#power_kw", "12,5")
    next_step(page)
    page.wait_for_url("**/steps/4")
    page.click("nav.steps a:has-text('Проверка и подача')")
    assert "12,5 кВт" in page.inner_text("#summary-3")
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/applications/*")
    assert "зарегистрирована" in page.inner_text(".flashes")
    assert page.inner_text("h1").startswith("Заявка ТП-")
