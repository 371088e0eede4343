"""The cabinet opens on what waits for the consumer (issue 17, item 10): each application whose
running obligation is theirs, with its deadline and the button to do it, and each draft."""

from datetime import timedelta
from decimal import Decimal

from app.core import clock
from app.extensions import db
from app.notifications.services import notify


def waiting(client) -> list[tuple[str, str, str]]:
    page = client.page("/cabinet")
    return [
        (li.select_one("strong").get_text(), li.select_one("a.button").get_text(), li.select_one("a.button")["href"])
        for li in page.select(".waiting .actions-due li")
    ]


def test_the_cabinet_opens_on_the_applications_that_wait_for_the_consumer(
    consumer_client, consumer, make_application, make_user
):
    asked = make_application(consumer, status="needs_info")
    offered = make_application(consumer, status="offer_sent", power_kw=Decimal("12"))
    draft = make_application(consumer, status="draft", object_name="Баня")
    make_application(consumer, status="submitted")  # the company's turn: not the consumer's
    make_application(make_user("consumer", email="sosed@example.ru"), status="needs_info")
    rows = waiting(consumer_client)
    assert rows[:2] == sorted(
        [
            (f"Заявка {asked.number}", "Представить сведения", f"/applications/{asked.id}"),
            (f"Заявка {offered.number}", "Оплатить счёт", f"/applications/{offered.id}"),
        ],
        key=lambda r: {asked.number: asked.due_date, offered.number: offered.due_date}[r[0].split()[-1]],
    ), "soonest deadline first"
    assert rows[2] == ("Черновик заявки: Баня", "Продолжить", f"/applications/{draft.id}/summary"), "drafts last"
    assert len(rows) == 3, "neither the company's turn nor a neighbour's application"
    text = consumer_client.page("/cabinet").select_one(".waiting").get_text(" ", strip=True)
    assert f"до {asked.due_date.strftime('%d.%m.%Y')}" in text


def test_above_150_kw_the_offer_asks_to_sign(consumer_client, consumer, make_application):
    offered = make_application(consumer, status="offer_sent", power_kw=Decimal("400"))
    assert waiting(consumer_client) == [
        (f"Заявка {offered.number}", "Подписать договор", f"/applications/{offered.id}")
    ]


def test_the_general_procedure_asks_to_sign_whatever_the_power(consumer_client, consumer, make_application):
    """An individual's 15 kW at category II is the general procedure (p.14 needs one source);
    the cabinet reads the stored procedure (a list loads only its columns)."""
    offered = make_application(consumer, status="offer_sent", reliability=2)
    number, application_id = offered.number, offered.id
    db.session.expunge_all()  # the cabinet loads the row afresh, as in another request
    assert waiting(consumer_client) == [(f"Заявка {number}", "Подписать договор", f"/applications/{application_id}")]


def test_an_overdue_action_says_so(consumer_client, consumer, make_application, fixed_clock):
    asked = make_application(consumer, status="needs_info")
    clock.set_now(fixed_clock + (asked.due_date - fixed_clock.date()) + timedelta(days=2))
    assert "срок прошёл" in consumer_client.page("/cabinet").select_one(".waiting").get_text()


def test_with_nothing_to_do_the_cabinet_says_so_and_shows_no_tiles(consumer_client, consumer, make_application):
    make_application(consumer, status="submitted")
    page = consumer_client.page("/cabinet")
    assert "Сейчас от вас ничего не требуется." in page.select_one(".waiting").get_text()
    assert not page.select("ul.cards")


def test_what_waits_comes_first_then_the_news_then_the_rest(consumer_client, consumer, make_application):
    make_application(consumer, status="needs_info")
    notify(consumer, "application_status", "Новость про заявку", link="/applications")
    db.session.commit()
    headings = [h.get_text() for h in consumer_client.page("/cabinet").select("main h2")]
    assert headings[:3] == ["Ждёт ваших действий", "Новое", "Мои заявки"]


def test_the_cabinet_runs_as_many_statements_for_many_applications_as_for_one(
    consumer_client, consumer, make_application
):
    from tests.core.query_counter import count_queries

    def statements() -> list[str]:
        with count_queries() as ran:
            assert consumer_client.get("/cabinet").status_code == 200
        return ran

    make_application(consumer, status="needs_info")
    notify(consumer, "application_status", "Новость", link="/applications")
    db.session.commit()
    few = statements()
    for _ in range(4):
        make_application(consumer, status="needs_info")
        make_application(consumer, status="draft")
    assert len(statements()) == len(few) <= 8, few
