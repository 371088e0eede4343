"""The consumer's card at «Выполнение технических условий» in a browser, at 360 and 1280 px,
with JavaScript on and off: the field is labelled for what it is, and the notice is sent."""

import pytest

from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login
from tests.helpers import PDF


@pytest.mark.parametrize(("javascript", "width"), [(True, 1280), (False, 1280), (True, 360), (False, 360)])
def test_the_fulfilment_notice_is_labelled_and_sent(
    live_server,
    new_page,
    make_user,
    make_application,  # noqa: F811 (the fixture imported above)
    tmp_path,
    javascript,
    width,
):
    consumer = make_user("consumer", last_name="Петров", first_name="Иван")
    application = make_application(consumer, status="in_progress")
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/applications/{application.id}")
    assert page.inner_text("#tu-h ~ form label[for=text]") == "Уведомление о выполнении ТУ"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"tu-fulfilment-{'js' if javascript else 'nojs'}-{width}")
    scheme = tmp_path / "схема.pdf"
    scheme.write_bytes(PDF)
    page.get_by_label("Уведомление о выполнении ТУ").fill("Щит установлен, схема приложена.")
    page.set_input_files("#tu-h ~ form input[type=file]", str(scheme))
    page.click("#tu-h ~ form button[type=submit]")
    page.wait_for_load_state()
    assert "Уведомление о выполнении технических условий направлено" in page.inner_text(".flashes")
