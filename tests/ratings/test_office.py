"""The office reports: the ratings report with its chart and CSV, the annual report of
appeals as HTML, CSV and PDF; bad parameters are Russian messages; consumers get 403;
the same number of queries with 2 and with 20 ratings."""

import csv
import io
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from app.appeals.models import Appeal
from app.appeals.operations import answer_appeal
from app.core import clock
from app.core.security import DOWNLOAD_CONTENT_SECURITY_POLICY
from app.extensions import db
from app.ratings.services import rate_appeal, rate_application
from tests.core.query_counter import count_queries
from tests.helpers import Page
from tests.ratings.conftest import add_rated_appeals, add_rated_applications, appeal_scores, scores

OFFICE_URLS = [
    "/office/ratings/",
    "/office/ratings/report.csv",
    "/office/ratings/appeals-annual",
    "/office/ratings/appeals-annual.csv",
    "/office/ratings/appeals-annual.pdf",
]


@pytest.fixture
def rated(consumer, make_application, answered_appeal, fixed_clock):
    """Two rated applications (one low, with a comment) and a rated appeal, in March 2026."""
    from decimal import Decimal

    good = make_application(consumer, status="completed")
    bad = make_application(consumer, power_kw=Decimal("100"))
    appeal = answered_appeal(consumer)
    rate_application(good, consumer, scores(5, cost=4))
    rate_application(bad, consumer, scores(1, ease=3), "Счёт пришёл с ошибкой, исправляли месяц.")
    rate_appeal(appeal, consumer, appeal_scores(3, clarity=2), "Ответ слишком общий.")
    db.session.commit()
    return {"good": good, "bad": bad, "appeal": appeal}


class ReportPage(Page):
    """Page's checks, except that the <title> of the inline SVG chart (its accessible name) is
    not taken for a second document title."""

    def check_basics(self) -> None:
        full = self.soup
        self.soup = BeautifulSoup(self.html, "html.parser")
        for title in self.soup.select("svg title"):
            title.decompose()
        try:
            super().check_basics()
        finally:
            self.soup = full


def report_page(client, url: str, expect: int = 200) -> ReportPage:
    response = client.get(url)
    assert response.status_code == expect, f"GET {url}: {response.status_code}"
    return ReportPage(response)


def parse_csv(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_the_report_shows_months_categories_the_lowest_and_a_chart(operator_client, rated):
    page = report_page(operator_client, "/office/ratings/")
    assert page.title.startswith("Офис: оценки качества")
    assert "с 01.04.2025 по 05.03.2026" in page
    march = [r for r in page.select("#apps-h ~ .table-scroll table tbody tr") if "март 2026" in r.get_text()][0]
    assert [td.get_text() for td in march.select("td")] == ["2", "4,00", "3,00", "3,00", "3,00", "2,50", "3,00"]
    assert "до 15 кВт" in page and "до 150 кВт" in page
    low = page.select_one("ul.low-rated li")
    assert low["data-application-id"] == str(rated["bad"].id)
    assert low.select_one("a")["href"] == f"/office/applications/{rated['bad'].id}"
    assert "Счёт пришёл с ошибкой, исправляли месяц." in low.get_text()
    appeal_low = page.select_one(f"li[data-appeal-id='{rated['appeal'].id}']")
    assert appeal_low.select_one("a")["href"] == f"/office/appeals/{rated['appeal'].id}"
    assert "Ответ слишком общий." in appeal_low.get_text()
    assert page.select_one("nav.menu a[aria-current=page]").get_text() == "Оценки и отчёты"


def test_the_chart_is_inline_svg_without_styles(operator_client, rated):
    page = report_page(operator_client, "/office/ratings/")
    svg = page.select_one("svg.chart")
    assert svg["role"] == "img" and "март 2026: 3,00 (2)" in svg["aria-label"]
    assert svg.find("title").get_text().startswith("Средняя общая оценка заявок по месяцам")
    assert len(svg.select("rect")) == 1, "one month with ratings, one bar"
    assert "style=" not in str(svg) and "<script" not in str(svg)
    assert not page.soup.find_all("style")


def test_a_bad_period_is_a_russian_message(operator_client, rated):
    page = report_page(operator_client, "/office/ratings/?date_from=2026-02-30&date_to=abc")
    assert page.title.startswith("Ошибка: ")
    assert page.errors() == ["Укажите дату в виде ДД.ММ.ГГГГ, например 01.03.2026."] * 2
    assert page.select_one("#date_from")["value"] == "2026-02-30"
    assert page.select_one(".error-summary a[href='#date_to']")
    assert "с 01.04.2025 по 05.03.2026" in page, "the default period is shown"
    page = report_page(operator_client, "/office/ratings/?date_from=2026-03-01&date_to=2026-01-01")
    assert page.errors() == ["Конец периода не может быть раньше его начала."]
    response = operator_client.get("/office/ratings/report.csv?date_from=x")
    assert response.status_code == 302 and response.headers["Location"] == "/office/ratings/?date_from=x"


def test_a_chosen_period(operator_client, rated):
    page = report_page(operator_client, "/office/ratings/?date_from=2026-01-01&date_to=2026-02-28")
    assert "с 01.01.2026 по 28.02.2026" in page and not page.select("ul.low-rated li")
    assert len(page.select("svg.chart rect")) == 0


def test_the_csv(operator_client, rated):
    response = operator_client.get("/office/ratings/report.csv?date_from=2026-03-01&date_to=2026-03-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=ratings-2026-03-01-2026-03-31.csv"
    assert response.headers["Content-Security-Policy"] == DOWNLOAD_CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"
    rows = parse_csv(response)
    assert rows[0] == ["Оценка качества и доступности услуг", "с 01.03.2026 по 31.03.2026"]
    head = rows.index(
        [
            "Месяц",
            "Категория",
            "Оценок",
            "Простота подачи заявки",
            "Понятность информации",
            "Соблюдение сроков",
            "Вежливость и компетентность сотрудников",
            "Прозрачность стоимости",
            "Общая оценка",
        ]
    )
    body = {(r[0], r[1]): r[2:] for r in rows[head + 1 : rows.index([], head)]}
    assert body[("март 2026", "до 15 кВт")] == ["1", "5,00", "5,00", "5,00", "5,00", "4,00", "5,00"]
    assert body[("март 2026", "до 150 кВт")] == ["1", "3,00", "1,00", "1,00", "1,00", "1,00", "1,00"]
    assert body[("март 2026", "Все")] == ["2", "4,00", "3,00", "3,00", "3,00", "2,50", "3,00"]
    assert body[("Весь период", "Все")][0] == "2"
    appeals_head = rows.index(
        ["Месяц", "Тема", "Оценок", "Общая оценка", "Своевременность ответа", "Понятность ответа"]
    )
    appeal_rows = {(r[0], r[1]): r[2:] for r in rows[appeals_head + 1 :] if len(r) > 2}
    assert appeal_rows[("март 2026", "Технологическое присоединение")] == ["1", "3,00", "3,00", "2,00"]


def test_an_empty_report(operator_client, fixed_clock):
    page = report_page(operator_client, "/office/ratings/")
    assert "За период оценок нет." in page and len(page.select("svg.chart text")) > 12
    rows = parse_csv(operator_client.get("/office/ratings/report.csv"))
    assert ["Весь период", "Все", "0", "", "", "", "", "", ""] in rows


# --- the annual report of appeals ---------------------------------------------------------------


@pytest.fixture
def appeals_of_two_years(consumer, make_appeal, operator):
    appeals = []
    for moment, via in (
        (datetime(2025, 5, 1, 9, 0, tzinfo=UTC), "website"),
        (datetime(2025, 6, 1, 9, 0, tzinfo=UTC), "phone"),
        (datetime(2026, 2, 1, 9, 0, tzinfo=UTC), "website"),
        (datetime(2026, 2, 2, 9, 0, tzinfo=UTC), "website"),
        (datetime(2026, 2, 3, 9, 0, tzinfo=UTC), "post"),
    ):
        clock.set_now(moment)
        appeals.append(make_appeal(consumer, received_via=via, registered_by=None if via == "website" else operator))
    # Timeliness: the one of 01.06.2025 (due 01.07.2025) answered late after 39 days, the one of
    # 01.02.2026 (due 03.03.2026) in time after 10; those of 01.05.2025 and 02.02.2026 (due
    # 04.03.2026) are open past their due date on 05.03.2026; the one of 03.02.2026 is due that day.
    for appeal, moment in (
        (appeals[1], datetime(2025, 7, 10, 9, 0, tzinfo=UTC)),
        (appeals[2], datetime(2026, 2, 11, 9, 0, tzinfo=UTC)),
    ):
        clock.set_now(moment)
        answer_appeal(db.session.get(Appeal, appeal.id), operator, "Ответ.")
        db.session.commit()
    clock.set_now(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    yield
    clock.set_now(None)


def test_the_annual_report_page(operator_client, appeals_of_two_years):
    page = report_page(operator_client, "/office/ratings/appeals-annual?year=2026")
    assert page.title.startswith("Офис: обращения за 2026 год")
    first = page.select("table.annual")[0]
    assert [th.get_text() for th in first.select("thead th")] == ["Показатель", "2025", "2026", "Изм., %"]
    rows = {tr.th.get_text(): [td.get_text() for td in tr.select("td")] for tr in first.select("tbody tr")}
    assert rows["Через личный кабинет"] == ["1", "2", "+100,0"]
    assert rows["По телефону"] == ["1", "0", "−100,0"]
    assert rows["Почтой"] == ["0", "1", "—"]
    assert [td.get_text() for td in first.select("tfoot td")] == ["2", "3", "+50,0"]
    assert [h.get_text() for h in page.select("h2")] == [
        "По способу поступления",
        "По виду обращения",
        "По теме обращения",
        "Соблюдение сроков ответа",
    ]
    timeliness = page.select_one("table.timeliness")
    rows = {tr.th.get_text(): [td.get_text() for td in tr.select("td")] for tr in timeliness.select("tbody tr")}
    assert rows == {
        "Ответ дан в срок": ["0", "1", "—"],
        "Ответ дан с нарушением срока": ["1", "0", "−100,0"],
        "Ответ не дан, срок истёк": ["1", "1", "0,0"],
        "Среднее время ответа, календарных дней": ["39,0", "10,0", "−74,4"],
    }
    assert page.select_one("a[href='/office/ratings/appeals-annual.pdf?year=2026']")
    assert report_page(operator_client, "/office/ratings/appeals-annual").select_one("#year")["value"] == "2026"


@pytest.mark.parametrize("year", ["abc", "1999", "2027", "-5"])
def test_a_bad_year_is_a_russian_message(operator_client, appeals_of_two_years, year):
    page = operator_client.page(f"/office/ratings/appeals-annual?year={year}")
    assert page.title.startswith("Ошибка: ")
    assert page.errors() == ["Укажите год числом от 2000 до 2026."]
    assert "Обращения потребителей за 2026 год" in page
    for suffix in (".csv", ".pdf"):
        response = operator_client.get(f"/office/ratings/appeals-annual{suffix}?year={year}")
        assert response.status_code == 302 and response.headers["Location"].startswith(
            "/office/ratings/appeals-annual?year="
        )


def test_the_annual_csv(operator_client, appeals_of_two_years):
    response = operator_client.get("/office/ratings/appeals-annual.csv?year=2026")
    assert response.headers["Content-Disposition"] == "attachment; filename=appeals-2026.csv"
    assert response.headers["Content-Security-Policy"] == DOWNLOAD_CONTENT_SECURITY_POLICY
    rows = parse_csv(response)
    assert rows[1] == ["Раздел", "Показатель", "2025 год", "2026 год", "Изменение, %"]
    assert ["По способу поступления", "Через личный кабинет", "1", "2", "+100,0"] in rows
    assert ["По способу поступления", "По телефону", "1", "0", "-100,0"] in rows
    assert ["По способу поступления", "Почтой", "0", "1", "—"] in rows
    assert ["По способу поступления", "Всего", "2", "3", "+50,0"] in rows
    assert ["По виду обращения", "Заявление", "2", "3", "+50,0"] in rows
    assert ["Соблюдение сроков ответа", "Ответ дан в срок", "0", "1", "—"] in rows
    assert ["Соблюдение сроков ответа", "Ответ дан с нарушением срока", "1", "0", "-100,0"] in rows
    assert ["Соблюдение сроков ответа", "Ответ не дан, срок истёк", "1", "1", "0,0"] in rows
    assert ["Соблюдение сроков ответа", "Среднее время ответа, календарных дней", "39,0", "10,0", "-74,4"] in rows


def test_the_annual_pdf(operator_client, appeals_of_two_years):
    response = operator_client.get("/office/ratings/appeals-annual.pdf?year=2026")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=appeals-2026.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Сведения об обращениях потребителей за 2026 год" in text
    assert "По способу поступления" in text and "Через личный кабинет" in text and "+100,0" in text
    assert "−100,0" in text and "По теме обращения" in text
    assert "Соблюдение сроков ответа" in text and "Ответ дан с нарушением срока" in text
    assert "Среднее время ответа," in text and "39,0" in text and "−74,4" in text


# --- access and scale --------------------------------------------------------------------------


@pytest.mark.parametrize("url", OFFICE_URLS)
def test_consumers_get_403_and_anonymous_login(client, consumer_client, url):
    assert consumer_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", OFFICE_URLS)
def test_admins_too(admin_client, url):
    assert admin_client.get(url).status_code == 200


def queries_of(client, url: str) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_reports_run_the_same_queries_with_2_and_20_ratings(operator_client, consumer, fixed_clock):
    urls = [
        "/office/ratings/",
        "/office/ratings/report.csv",
        "/office/ratings/appeals-annual",
        "/office/ratings/appeals-annual.csv",
    ]
    add_rated_applications(consumer, 2)
    add_rated_appeals(consumer, 2)
    few = {url: queries_of(operator_client, url) for url in urls}
    add_rated_applications(consumer, 18, start=3)
    add_rated_appeals(consumer, 18, start=3)
    many = {url: queries_of(operator_client, url) for url in urls}
    assert many == few
    page = report_page(operator_client, "/office/ratings/")
    assert "Оценок: <strong>20</strong>" in page.html
    print(f"\nqueries with 2 and with 20 ratings: {few}")
