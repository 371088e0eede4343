"""The aggregations of the reports, without HTTP: averages, months in the company's time
zone, categories, the lowest ratings, the period and the year parameters, % change."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from app.core import clock
from app.extensions import db
from app.ratings import periods, reports
from app.ratings.chart import monthly_chart
from app.ratings.periods import Period
from app.ratings.reports import Tally
from app.ratings.services import RatingError, rate_appeal, rate_application
from tests.ratings.conftest import appeal_scores, scores


def at(moment: datetime) -> None:
    clock.set_now(moment)


def test_average_rounds_half_up_and_has_none_for_nothing():
    assert reports.average(13, 3) == Decimal("4.33")
    assert reports.average(5, 2) == Decimal("2.50")
    assert reports.average(1, 8) == Decimal("0.13")  # 0.125 rounds up
    assert reports.average(0, 0) is None


def test_tallies_add_up_exactly():
    t = Tally()
    t.add(2, {"overall": 9})
    t.add(1, {"overall": 1})
    assert t.count == 3 and t.average("overall") == Decimal("3.33")


@pytest.mark.parametrize(
    "last, this, expected",
    [
        (10, 15, Decimal("50.0")),
        (10, 5, Decimal("-50.0")),
        (3, 4, Decimal("33.3")),
        (3, 3, Decimal("0.0")),
        (0, 5, None),
        (0, 0, None),
        (7, 0, Decimal("-100.0")),
    ],
)
def test_percent_change(last, this, expected):
    assert reports.percent_change(last, this) == expected


def test_format_change():
    assert reports.format_change(Decimal("12.5")) == "+12,5"
    assert reports.format_change(Decimal("-3.0")) == "−3,0"
    assert reports.format_change(Decimal("-3.0"), minus="-") == "-3,0"
    assert reports.format_change(Decimal("0.0")) == "0,0"
    assert reports.format_change(None) == "—"


def test_the_default_period_is_the_last_12_months():
    period = periods.default_period(date(2026, 3, 5))
    assert (period.date_from, period.date_to) == (date(2025, 4, 1), date(2026, 3, 5))
    assert len(period.months()) == 12 and period.months()[0] == date(2025, 4, 1)
    assert period.months()[-1] == date(2026, 3, 1)


def test_period_bounds_are_local_midnights_in_utc(app):
    period = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert period.start == datetime(2025, 12, 31, 21, 0, tzinfo=UTC)  # Moscow is UTC+3
    assert period.end == datetime(2026, 1, 31, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "args, errors",
    [
        ({"date_from": "2026-01-01", "date_to": "2026-02-28"}, {}),
        ({"date_from": "01.01.2026", "date_to": "28.02.2026"}, {}),
        ({"date_from": "2026-13-01"}, {"date_from": "Укажите дату в виде ДД.ММ.ГГГГ, например 01.03.2026."}),
        ({"date_to": "вчера"}, {"date_to": "Укажите дату в виде ДД.ММ.ГГГГ, например 01.03.2026."}),
        ({"date_from": "1812-09-07"}, {"date_from": "Укажите дату с 2000 по 2027 год."}),
        (
            {"date_from": "2026-03-01", "date_to": "2026-02-01"},
            {"date_to": "Конец периода не может быть раньше его начала."},
        ),
        ({"date_from": "2010-01-01", "date_to": "2026-01-01"}, {"date_to": "Период не может быть длиннее 5 лет."}),
    ],
)
def test_parse_period(args, errors):
    choice = periods.parse_period(MultiDict(args), date(2026, 3, 5))
    assert choice.errors == errors
    if errors:
        assert choice.period == periods.default_period(date(2026, 3, 5)), "a bad period falls back to the default"
    else:
        assert choice.period == Period(date(2026, 1, 1), date(2026, 2, 28))


def test_parse_year():
    assert reports.parse_year("", date(2026, 3, 5)) == (2026, None)
    assert reports.parse_year("2025", date(2026, 3, 5)) == (2025, None)
    for bad in ("abc", "2027", "1999", "-1", "20 25"):
        year, error = reports.parse_year(bad, date(2026, 3, 5))
        assert year == 2026 and error == "Укажите год числом от 2000 до 2026."


def test_ratings_per_month_and_per_category(consumer, make_user, make_application, fixed_clock):
    small = make_application(consumer)  # up to 15 kW
    medium = make_application(consumer, power_kw=Decimal("100"))  # up to 150 kW
    another = make_application(consumer)  # up to 15 kW
    at(datetime(2026, 1, 31, 20, 59, tzinfo=UTC))  # 23:59 in Moscow: still January
    rate_application(small, consumer, scores(5, cost=3))
    at(datetime(2026, 1, 31, 21, 0, tzinfo=UTC))  # 00:00 on 1 February in Moscow
    rate_application(medium, consumer, scores(2), "Долго.")
    rate_application(another, consumer, scores(4, ease=5))
    db.session.commit()
    report = reports.ratings_report(Period(date(2026, 1, 1), date(2026, 3, 5)))
    apps = report.applications
    months = dict(apps.months)
    assert list(months) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert months[date(2026, 1, 1)].count == 1 and months[date(2026, 1, 1)].average("cost") == Decimal("3.00")
    assert months[date(2026, 2, 1)].count == 2 and months[date(2026, 2, 1)].average("overall") == Decimal("3.00")
    assert months[date(2026, 2, 1)].average("ease") == Decimal("3.50")
    assert months[date(2026, 3, 1)].count == 0 and months[date(2026, 3, 1)].average("overall") is None
    groups = dict(apps.groups)
    assert list(groups) == ["до 15 кВт", "до 150 кВт"], "in the order of the categories"
    assert groups["до 15 кВт"].count == 2 and groups["до 15 кВт"].average("overall") == Decimal("4.50")
    assert groups["до 150 кВт"].average("overall") == Decimal("2.00")
    assert dict(apps.cells_of(date(2026, 2, 1)))["до 150 кВт"].count == 1
    assert apps.total.count == 3 and apps.total.average("overall") == Decimal("3.67")
    assert [r.number for r in apps.lowest] == [medium.number, another.number, small.number]
    assert apps.lowest[0].comment == "Долго." and apps.lowest[0].group == "до 150 кВт"
    assert apps.lowest[0].object_id == medium.id
    only_february = reports.ratings_report(Period(date(2026, 2, 1), date(2026, 2, 28))).applications
    assert only_february.total.count == 2, "the period's bounds are the company's midnights"


def test_a_changed_rating_counts_once_in_the_month_it_was_changed(consumer, make_application, fixed_clock):
    application = make_application(consumer)
    at(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    rate_application(application, consumer, scores(1))
    at(datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    rate_application(application, consumer, scores(5))
    db.session.commit()
    months = dict(reports.ratings_report(Period(date(2026, 1, 1), date(2026, 2, 28))).applications.months)
    assert months[date(2026, 1, 1)].count == 0 and months[date(2026, 2, 1)].average("overall") == Decimal("5.00")


def test_lowest_ratings_order_and_limit(consumer, make_application, fixed_clock):
    apps = [make_application(consumer) for _ in range(12)]
    for i, application in enumerate(apps):
        rate_application(application, consumer, scores(5 - i % 5, ease=1 if i == 5 else 5 - i % 5))
    db.session.commit()
    lowest = reports.ratings_report(periods.default_period(clock.today())).applications.lowest
    assert len(lowest) == reports.LOWEST_LIMIT
    assert [r.scores["overall"] for r in lowest] == [1, 1, 2, 2, 3, 3, 4, 4, 4, 5]
    # Between equal overall scores, the lower other scores come first: of three fives, the
    # one with ease 1 makes the list.
    assert lowest[-1].scores["ease"] == 1


def test_appeal_ratings_per_topic(consumer, answered_appeal, fixed_clock):
    a = answered_appeal(consumer, topic="metering")
    b = answered_appeal(consumer, topic="metering")
    c = answered_appeal(consumer, kind="request", topic="outages")
    rate_appeal(a, consumer, appeal_scores(5))
    rate_appeal(b, consumer, appeal_scores(2, clarity=3), "Ответ не по существу.")
    rate_appeal(c, consumer, appeal_scores(4))
    db.session.commit()
    appeals = reports.ratings_report(periods.default_period(clock.today())).appeals
    groups = dict(appeals.groups)
    assert groups["Учёт электроэнергии"].count == 2 and groups["Учёт электроэнергии"].average("overall") == Decimal(
        "3.50"
    )
    assert groups["Плановые отключения"].average("timeliness") == Decimal("4.00")
    assert appeals.lowest[0].number == b.number and appeals.lowest[0].comment == "Ответ не по существу."


def test_the_services_refuse_what_the_forms_would(consumer, make_user, make_application, make_appeal):
    application = make_application(consumer)
    with pytest.raises(RatingError, match="от 1 до 5"):
        rate_application(application, consumer, scores(4, cost=6))
    with pytest.raises(RatingError, match="от 1 до 5"):
        rate_application(application, consumer, {"overall": 5})
    with pytest.raises(RatingError, match="только свою"):
        rate_application(application, make_user("consumer"), scores(4))
    with pytest.raises(RatingError, match="Черновик"):
        rate_application(make_application(consumer, status="draft"), consumer, scores(4))
    with pytest.raises(RatingError, match="после ответа"):
        rate_appeal(make_appeal(consumer), consumer, appeal_scores(4))


def test_the_database_refuses_a_score_out_of_range(consumer, make_application):
    import sqlalchemy as sa

    from app.ratings.models import ApplicationRating

    application = make_application(consumer)
    db.session.add(
        ApplicationRating(
            application_id=application.id,
            consumer_id=consumer.id,
            comment="",
            created_at=clock.now(),
            updated_at=clock.now(),
            **scores(4, courtesy=0),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_rating_per_application_in_the_database(consumer, make_application):
    import sqlalchemy as sa

    from app.ratings.models import ApplicationRating

    application = make_application(consumer)
    for _ in range(2):
        db.session.add(
            ApplicationRating(
                application_id=application.id,
                consumer_id=consumer.id,
                comment="",
                created_at=clock.now(),
                updated_at=clock.now(),
                **scores(4),
            )
        )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- the annual report of appeals ---------------------------------------------------------------


def test_annual_counts_by_channel_kind_and_topic_in_the_company_year(consumer, make_appeal, operator):
    def appeal_at(moment, **fields):
        at(moment)
        return make_appeal(consumer, **fields)

    # 2025, Moscow time: two by phone (one a complaint), one on the site.
    appeal_at(
        datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        received_via="phone",
        registered_by=operator,
        kind="complaint",
        topic="outages",
    )
    appeal_at(datetime(2025, 12, 31, 20, 59, tzinfo=UTC), received_via="phone", registered_by=operator)  # 23:59 MSK
    appeal_at(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    # 2026: 00:00 on 1 January in Moscow is still 2025 in UTC.
    appeal_at(datetime(2025, 12, 31, 21, 0, tzinfo=UTC))
    appeal_at(datetime(2026, 2, 1, 9, 0, tzinfo=UTC), kind="request", topic="metering")
    appeal_at(datetime(2026, 2, 2, 9, 0, tzinfo=UTC), received_via="post", registered_by=operator)
    # Neither year.
    appeal_at(datetime(2024, 12, 31, 20, 0, tzinfo=UTC))
    appeal_at(datetime(2026, 12, 31, 21, 0, tzinfo=UTC))
    report = reports.appeals_annual(2026)
    assert report.year == 2026 and report.last_year == 2025
    via, kind, topic = report.sections
    rows = {r.label: (r.last, r.this, r.change) for r in via.rows}
    assert rows["Через личный кабинет"] == (1, 2, Decimal("100.0"))
    assert rows["По телефону"] == (2, 0, Decimal("-100.0"))
    assert rows["Почтой"] == (0, 1, None)
    assert rows["Лично в офисе"] == (0, 0, None)
    assert (via.total.last, via.total.this, via.total.change) == (3, 3, Decimal("0.0"))
    kinds = {r.label: (r.last, r.this) for r in kind.rows}
    assert kinds == {"Жалоба": (1, 0), "Заявление": (2, 2), "Запрос": (0, 1)}
    topics = {r.label: (r.last, r.this) for r in topic.rows}
    assert topics["Технологическое присоединение"] == (2, 2) and topics["Учёт электроэнергии"] == (0, 1)
    assert topics["Плановые отключения"] == (1, 0)
    assert kind.total.this == topic.total.this == via.total.this == 3


def test_annual_with_no_appeals_at_all(app):
    report = reports.appeals_annual(2026)
    assert all(r.last == r.this == 0 and r.change is None for s in report.sections for r in [*s.rows, s.total])


# --- the chart ---------------------------------------------------------------------------------


def test_the_chart_has_a_bar_per_month_scaled_to_5():
    t1, t2 = Tally(), Tally()
    t1.add(2, {"overall": 5})
    t2.add(1, {"overall": 5})
    chart = monthly_chart([(date(2026, 1, 1), t1), (date(2026, 2, 1), Tally()), (date(2026, 3, 1), t2)])
    assert [b.value for b in chart.bars] == [Decimal("2.50"), None, Decimal("5.00")]
    assert chart.bars[2].width == chart.plot_width and chart.bars[0].width == chart.plot_width / 2
    assert chart.bars[0].low and not chart.bars[2].low
    assert "январь 2026: 2,50 (2)" in chart.description and "февраль 2026: нет оценок" in chart.description


def test_annual_timeliness_counts_in_the_company_time_zone_with_extensions(consumer, make_appeal, operator):
    """In time: the answer's local date is on or before the due date, an extended one included
    (order 186; docs/appeals.md «Timeliness in the annual report»); the average is in calendar
    days; a declined appeal counts as answered the day it was declined."""
    from app.appeals.models import Appeal
    from app.appeals.operations import answer_appeal, decline_appeal, extend_term

    def appeal_at(moment):
        at(moment)
        return make_appeal(consumer)

    def then(moment, action, appeal, *args):
        at(moment)
        action(db.session.get(Appeal, appeal.id), operator, *args)
        db.session.commit()

    # 2025: due 02.04.2025, answered after 10 days; due 02.07.2025, answered after 31.
    then(
        datetime(2025, 3, 13, 9, 0, tzinfo=UTC),
        answer_appeal,
        appeal_at(datetime(2025, 3, 3, 9, 0, tzinfo=UTC)),
        "Ответ.",
    )
    then(
        datetime(2025, 7, 3, 9, 0, tzinfo=UTC),
        answer_appeal,
        appeal_at(datetime(2025, 6, 2, 9, 0, tzinfo=UTC)),
        "Ответ.",
    )
    # 2026, all registered on 02.02.2026 and due 04.03.2026.
    registered = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    c, d, e, f, g = (appeal_at(registered) for _ in range(5))
    assert c.due_date == date(2026, 3, 4)
    then(datetime(2026, 3, 4, 20, 59, tzinfo=UTC), answer_appeal, c, "Ответ.")  # 23:59 on 04.03 in Moscow: in time
    then(datetime(2026, 3, 4, 21, 0, tzinfo=UTC), answer_appeal, d, "Ответ.")  # 00:00 on 05.03 in Moscow: late
    then(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), extend_term, e, 5, "inquiry", "Запрос.")  # due 12.03.2026
    then(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), answer_appeal, e, "Ответ.")  # in time by the extension
    then(datetime(2026, 2, 5, 9, 0, tzinfo=UTC), decline_appeal, f, "Повтор.")  # in time, 3 days
    appeal_at(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))  # open, not yet due
    assert db.session.get(Appeal, e.id).due_date == date(2026, 3, 12)
    at(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))

    t = reports.appeals_annual(2026).timeliness
    rows = {r.label: (r.last, r.this) for r in t.rows}
    assert rows == {
        "Ответ дан в срок": (1, 3),
        "Ответ дан с нарушением срока": (1, 1),
        "Ответ не дан, срок истёк": (0, 1),  # g
    }
    assert (t.average_last, t.average_this) == (Decimal("20.5"), Decimal("25.0"))  # (10+31)/2, (30+31+36+3)/4
    assert t.average_change == Decimal("22.0") and t.average_labels == ("20,5", "25,0")
    assert reports.appeals_timeliness(2026, today=date(2026, 3, 4)).rows[2].this == 0, "g was not late yet"


def test_annual_timeliness_with_no_answers(app):
    t = reports.appeals_annual(2026).timeliness
    assert all(r.last == r.this == 0 for r in t.rows)
    assert t.average_last is t.average_this is t.average_change is None and t.average_labels == ("—", "—")
