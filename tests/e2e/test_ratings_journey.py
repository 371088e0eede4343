"""Ratings in the browser: a consumer rates a completed application (a missing score first,
then a full rating with a comment), and an operator finds the comment in the report, with
its chart. With JavaScript on and off, at 360 and 1280 px."""

from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login

COMMENT = "Акт подписали на две недели позже обещанного."


def test_a_consumer_rates_and_an_operator_reads_the_report(
    app,
    live_server,
    new_page,
    make_user,
    make_application,  # noqa: F811 (the fixture imported above)
    javascript,
):
    suffix = "js" if javascript else "nojs"
    consumer = make_user("consumer", email=f"rater.{suffix}@example.ru", last_name="Оценкина")
    operator = make_user("operator", email=f"report.{suffix}@example.ru")
    application = make_application(consumer, status="completed")

    page = new_page(javascript=javascript, width=360)
    browser_login(page, live_server, consumer)
    page.goto(f"{live_server}/ratings")
    page.click(f"[data-application-id='{application.id}'] a:has-text('Оценить заявку')")
    page.wait_for_url(f"**/applications/{application.id}/rating")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for name, value in (("ease", 5), ("clarity", 4), ("deadlines", 2), ("courtesy", 5), ("cost", 4)):
        page.check(f"input[name={name}][value='{value}']")
    page.click("form.rating-form button[type=submit]")
    page.wait_for_load_state()
    assert page.title().startswith("Ошибка: ")
    assert "Общая оценка: выберите оценку от 1 до 5." in page.inner_text(".error-summary")
    assert page.is_checked("input[name=deadlines][value='2']"), "the answers given are kept"
    screenshot(page, f"rating-errors-{suffix}-360")
    page.check("input[name=overall][value='3']")
    page.fill("#comment", COMMENT)
    page.click("form.rating-form button[type=submit]")
    page.wait_for_url("**/ratings")
    assert f"Оценка заявки {application.number} сохранена" in page.inner_text(".flashes")
    assert "Ваша оценка: 3 из 5" in page.inner_text(f"[data-application-id='{application.id}']")
    screenshot(page, f"my-ratings-{suffix}-360")

    staff = new_page(javascript=javascript, width=1280)
    browser_login(staff, live_server, operator)
    staff.goto(f"{live_server}/office/ratings/")
    low = staff.locator(f"ul.low-rated li[data-application-id='{application.id}']")
    assert COMMENT in low.inner_text() and "общая оценка 3 из 5" in low.inner_text()
    assert low.locator("a").get_attribute("href") == f"/office/applications/{application.id}"
    assert staff.locator("svg.chart rect").count() == 1
    screenshot(staff, f"ratings-report-{suffix}-1280")
    staff.set_viewport_size({"width": 360, "height": 800})
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(staff, f"ratings-report-{suffix}-360")
