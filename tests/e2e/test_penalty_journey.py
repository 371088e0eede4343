"""A late connection in a browser, at 360 and 1280 px, with JavaScript on and off: the card says
the term has passed and the penalty accrued (Decree 861 p.16(в)), and the claim downloads."""

from datetime import timedelta

import pytest

from app.applications.penalties import implementation_end
from app.core import clock
from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login


@pytest.fixture
def late(make_user, make_application):  # noqa: F811 (the fixture imported above)
    """An application at work, the clock 12 days after its term: fixed in a fixture, so a site
    served elsewhere (on the real clock) skips the journey (tests/e2e/conftest.py)."""
    consumer = make_user("consumer", last_name="Петров", first_name="Иван")
    application = make_application(consumer, status="in_progress")
    clock.set_now(clock.now() + (implementation_end(application) - clock.today()) + timedelta(days=12))
    yield consumer, application
    clock.set_now(None)


@pytest.mark.parametrize(("javascript", "width"), [(True, 1280), (False, 360)])
def test_the_card_of_a_late_connection_offers_the_claim(live_server, new_page, late, javascript, width):
    consumer, application = late
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/applications/{application.id}")
    panel = page.inner_text(".penalty")
    assert "Срок присоединения нарушен" in panel and "12 дней" in panel and "п. 16 Правил" in panel
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"penalty-{'js' if javascript else 'nojs'}-{width}")
    with page.expect_download() as download:
        page.click(".penalty a:has-text('Скачать претензию')")
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    page.click(".penalty a:has-text('Подать жалобу')")
    page.wait_for_url("**/appeals/new?application_id=*")
