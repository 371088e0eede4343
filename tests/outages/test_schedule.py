"""The public schedule: default window, filters, htmx fragments, bad input, printable view, queries."""

import gzip

import pytest

from tests.core.query_counter import count_queries
from tests.helpers import Page

pytestmark = pytest.mark.usefixtures("fixed_clock")

HX = {"HX-Request": "true"}


def ids(page: Page) -> list[int]:
    return [int(e["data-outage-id"]) for e in page.select("[data-outage-id]")]


@pytest.fixture
def demo_outages(make_outage):
    return dict(
        lenina=make_outage(street="ул. Ленина", houses="1-15", day=3),
        mira=make_outage(street="пр-т Мира", houses="", day=2),
        village=make_outage(settlement="с. Заречное", street="", houses="", day=5, district="Южный РЭС"),
        later=make_outage(street="ул. Ленина", houses="20-40", day=20),
        past=make_outage(street="ул. Садовая", houses="1", day=1, hour=3, hours=2),  # ended before «now»
    )


def test_anyone_sees_the_next_two_weeks_in_order_of_start(client, demo_outages):
    page = client.page("/outages")
    o = demo_outages
    # Today's outage that already ended stays on today's list; 21 December is past the 14 days.
    assert ids(page) == [o["past"].id, o["mira"].id, o["lenina"].id, o["village"].id]
    item = page.select_one(f'[data-outage-id="{o["lenina"].id}"]')
    text = item.get_text(" ", strip=True)
    for expected in (
        "09:00 – 17:00",
        "г. Примерск, ул. Ленина, д. 1-15",
        "Замена опор",
        "Северный РЭС",
        "запланировано",
    ):
        assert expected in text
    assert "3 декабря, четверг" in page.text("#outage-results")
    assert len(page.select("[data-outage-id]")) == len(set(ids(page))), "one element per outage"
    assert "Найдено отключений: 4" in page.text("#outage-count")


def test_the_filter_by_settlement_street_and_dates(client, demo_outages):
    o = demo_outages
    assert ids(client.page("/outages?settlement=Заречное")) == [o["village"].id]
    assert ids(client.page("/outages?settlement=с.+заречное")) == [o["village"].id]
    assert ids(client.page("/outages?street=лен")) == [o["lenina"].id]
    assert ids(client.page("/outages?settlement=г.+Примерск&street=Мира")) == [o["mira"].id]
    assert ids(client.page("/outages?street=ул.+Мира")) == [], "a street of another kind"
    assert ids(client.page("/outages?date_from=2026-12-20&date_to=2026-12-31")) == [o["later"].id]
    assert ids(client.page("/outages?date_from=03.12.2026&date_to=03.12.2026")) == [o["lenina"].id]


def test_every_word_typed_starts_a_word_of_the_street_and_wildcards_are_plain_text(client, demo_outages, make_outage):
    gorky = make_outage(street="ул. Максима Горького", houses="", day=4)
    assert ids(client.page("/outages?street=макс+горь")) == [gorky.id]
    assert ids(client.page("/outages?street=горь")) == [gorky.id], "a word inside the name"
    assert ids(client.page("/outages?street=горь+макс")) == [gorky.id], "in any order"
    assert ids(client.page("/outages?street=макс+мира")) == []
    for wildcard in ("%25", "_", "л_нина", "%25нина"):
        assert ids(client.page(f"/outages?street={wildcard}")) == [], wildcard


def test_a_settlement_being_typed_matches_by_its_beginning(client, demo_outages, make_outage):
    other = make_outage(settlement="г. Примерский Посад", street="ул. Ленина", day=4)
    page = client.page("/outages?settlement=Пример")
    assert set(ids(page)) >= {demo_outages["lenina"].id, other.id}
    exact = client.page("/outages?settlement=Примерск")
    assert other.id not in ids(exact), "a complete name means that settlement only"


@pytest.mark.parametrize(
    "query, message",
    [
        ("settlement=Атлантида", "Населённого пункта «Атлантида» нет в графике"),
        ("date_from=завтра", "Введите дату в виде ДД.ММ.ГГГГ"),
        ("date_from=2026-02-30", "Введите дату в виде ДД.ММ.ГГГГ"),
        ("date_from=2026-12-10&date_to=2026-12-01", "Дата окончания периода раньше даты начала"),
        ("date_from=2026-01-01&date_to=2028-01-01", "не может быть длиннее года"),
        ("date_to=1900-01-01", "Проверьте год"),
    ],
)
def test_bad_filter_input_is_a_russian_message(client, demo_outages, query, message):
    page = client.page(f"/outages?{query}")
    assert page.title.startswith("Ошибка: ")
    assert message in page.text(".error-summary")
    assert any(message in e for e in page.errors()), "next to the field too"
    fragment = client.get(f"/outages?{query}", headers=HX)
    assert fragment.status_code == 200 and message in fragment.get_data(as_text=True)


def test_htmx_gets_the_results_block_and_out_of_band_suggestions(client, demo_outages):
    response = client.get("/outages?settlement=Примерск&street=лен", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "<form" not in html
    page = Page(response)
    assert ids(page) == [demo_outages["lenina"].id]
    assert page.select_one("#street-options")["hx-swap-oob"] == "innerHTML"
    assert [o["value"] for o in page.select("#street-options option")] == ["ул. Ленина"]
    assert page.select_one("#outage-count")["hx-swap-oob"] == "innerHTML"
    assert [o["value"] for o in page.select("#settlement-options option")] == ["г. Примерск"]
    assert not Page(client.get("/outages?street=лен", headers=HX)).select("#street-options option"), (
        "streets are suggested once a settlement is chosen"
    )
    assert "HX-Request" in response.headers["Vary"]
    compressed = len(gzip.compress(response.data))
    assert compressed < 2048, f"an htmx fragment must stay under 2 KB, it is {compressed}"


def test_without_htmx_the_same_url_is_the_whole_page(client, demo_outages):
    page = client.page("/outages?street=лен")
    assert page.select_one("form#outage-filter")["action"] == "/outages"
    assert page.select_one("#street")["value"] == "лен"
    assert ids(page) == [demo_outages["lenina"].id]
    assert not page.select("[hx-swap-oob]")


def test_the_filter_form_is_enhanced_without_script_or_trigger_filters(client):
    page = client.page("/outages")
    form = page.select_one("form#outage-filter")
    assert form["method"] == "get" and form["hx-push-url"] == "true" and form["hx-target"] == "#outage-results"
    street = page.select_one("#street")
    assert street["hx-trigger"].startswith("keyup changed delay:300ms") and "[" not in street["hx-trigger"]
    assert street["list"] == "street-options" and page.select_one("datalist#street-options") is not None
    for name in ("settlement", "street", "date_from", "date_to"):
        assert page.select_one(f"#outage-filter [name={name}]") is not None


def test_the_full_fragment_of_a_busy_fortnight_stays_small(client, make_outage):
    for n in range(30):
        make_outage(street=f"ул. Улица-{n}", houses=f"{n}-{n + 20}, {n + 30}а", day=2 + n % 12, commit=False)
    from app.extensions import db

    db.session.commit()
    response = client.get("/outages", headers=HX)
    assert len(ids(Page(response))) == 20, "a page of 20"
    assert len(gzip.compress(response.data)) < 2048


def test_pagination_keeps_the_filter(client, make_outage):
    for n in range(25):
        make_outage(street="ул. Ленина", houses=str(n + 1), day=2 + n % 10, commit=False)
    from app.extensions import db

    db.session.commit()
    first = client.page("/outages?street=Ленина")
    next_link = first.select_one("a[rel=next]")["href"]
    assert "street=" in next_link and "page=2" in next_link
    second = client.page(next_link)
    assert len(ids(first)) == 20 and len(ids(second)) == 5
    assert not set(ids(first)) & set(ids(second))


def test_printable_view(client, demo_outages):
    page = client.page("/outages/print?settlement=Примерск")
    assert ids(page) == [demo_outages["past"].id, demo_outages["mira"].id, demo_outages["lenina"].id]
    assert "Ctrl+P" in page.text()
    assert page.select_one("table")


def test_links_to_print_and_calendar_carry_the_filter(client, demo_outages):
    page = client.page("/outages?street=Мира")
    links = {a.get_text(strip=True): a["href"] for a in page.select("#outage-results .actions a")}
    assert links["Версия для печати"].startswith("/outages/print?") and "street=" in links["Версия для печати"]
    assert links["Календарь (iCalendar)"].startswith("/outages.ics?")


def test_a_cancelled_outage_shows_as_cancelled(client, make_outage):
    from app.extensions import db
    from app.outages.services import cancel_outage

    outage = make_outage()
    cancel_outage(outage)
    db.session.commit()
    item = client.page("/outages").select_one(f'[data-outage-id="{outage.id}"]')
    assert "cancelled" in item["class"] and "отменено" in item.get_text()


def test_the_schedule_runs_a_fixed_number_of_queries(client, make_outage, app):
    make_outage(day=3)

    def queries(url):
        with count_queries() as statements:
            client.page(url)
        return len(statements)

    few = queries("/outages?settlement=Примерск&street=Лен"), queries("/outages")
    for n in range(40):
        make_outage(street="ул. Ленина", houses=str(n + 1), day=2 + n % 12, commit=False)
    from app.extensions import db

    db.session.commit()
    many = queries("/outages?settlement=Примерск&street=Лен"), queries("/outages")
    assert few == many, f"{few} != {many}"
    assert many[0] <= 8


def test_the_feed_and_print_refuse_bad_input_politely(client):
    response = client.get("/outages.ics?date_from=never")
    assert response.status_code == 400 and "ДД.ММ.ГГГГ" in response.get_data(as_text=True)
    assert client.get("/outages/print?date_from=never").status_code == 200


def test_consumers_and_staff_see_the_schedule_too(consumer_client, operator_client, demo_outages):
    assert ids(consumer_client.page("/outages"))
    assert ids(operator_client.page("/outages"))
    menu = consumer_client.page("/outages").select_one("nav.menu a[aria-current]")
    assert menu.get_text(strip=True) == "Плановые отключения"


def test_an_end_date_alone_means_the_days_up_to_it(client, demo_outages):
    page = client.page("/outages?date_to=2026-12-01")
    assert ids(page) == [demo_outages["past"].id] and not page.errors()
    page = client.page("/outages?date_to=2026-11-20")
    assert ids(page) == [] and not page.errors() and "2026-11-20" in page.select_one("#date_from")["value"]
