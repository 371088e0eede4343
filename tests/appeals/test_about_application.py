"""An appeal about one of my applications (SPEC §2.3, issue 17 item 3): the field of
/appeals/new offers my submitted applications only; another's, a draft's or an unknown id is
refused alike; both cards link to each other; staff see the link in the card and the queue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.appeals.models import Appeal
from app.appeals.operations import register_appeal
from app.appeals.rules import NOT_ONE_OF_YOURS, AppealData, AppealError
from app.applications.models import Application
from app.extensions import db
from tests.helpers import Page

STATEMENT = {"kind": "statement", "topic": "connection", "text": "Когда направят договор?", "channel": "cabinet"}


def post_appeal(client, **changes):
    return client.submit("/appeals/new", {**STATEMENT, **changes}, content_type="multipart/form-data")


def text_of(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def appeals() -> list[Appeal]:
    return db.session.scalars(sa.select(Appeal)).all()


@pytest.fixture
def other(make_user):
    return make_user("consumer", email="sosed@example.ru", last_name="Соседов")


def test_the_field_offers_my_submitted_applications_only(consumer_client, consumer, other, make_application):
    mine = make_application(consumer)
    draft = make_application(consumer, status="draft")
    theirs = make_application(other)
    page = consumer_client.page("/appeals/new")
    options = {o["value"]: o.get_text(strip=True) for o in page.select("select#application_id option")}
    assert options[""] == "Не относится к заявке"
    assert set(options) == {"", str(mine.id)}, "no draft, nobody else's"
    assert options[str(mine.id)].startswith(mine.number)
    assert str(draft.id) not in options and theirs.number not in page


def test_an_appeal_about_my_submitted_application_is_linked(consumer_client, consumer, make_application):
    mine = make_application(consumer)
    response = post_appeal(consumer_client, application_id=str(mine.id))
    assert response.status_code == 302
    (appeal,) = appeals()
    assert appeal.application_id == mine.id
    card = consumer_client.page(response.headers["Location"])
    link = card.select_one(".about-application a")
    assert card.text(".about-application") == f"По заявке {mine.number}"
    assert link["href"] == f"/applications/{mine.id}"


def test_without_a_choice_the_appeal_is_about_no_application(consumer_client, consumer, make_application):
    make_application(consumer)
    assert post_appeal(consumer_client, application_id="").status_code == 302
    (appeal,) = appeals()
    assert appeal.application_id is None
    assert consumer_client.page(f"/appeals/{appeal.id}").select_one(".about-application") is None


@pytest.mark.parametrize("whose", ["another consumer's", "a draft", "unknown"])
def test_any_other_id_is_refused_alike_and_never_named(consumer_client, consumer, other, make_application, whose):
    make_application(consumer)
    target = {
        "another consumer's": lambda: make_application(other).id,
        "a draft": lambda: make_application(consumer, status="draft").id,
        "unknown": lambda: 987654,
    }[whose]()
    found = db.session.get(Application, target)
    number = found.number if found else None
    response = post_appeal(consumer_client, application_id=str(target))
    assert response.status_code == 200
    page = Page(response)
    assert page.title.startswith("Ошибка: ")
    assert page.text("#application_id-error") == NOT_ONE_OF_YOURS
    assert appeals() == []
    if number:
        assert number not in page


def test_the_operation_refuses_another_consumers_application(app, consumer, other, make_application):
    theirs = make_application(other)
    with pytest.raises(AppealError, match="своих поданных заявок"):
        register_appeal(consumer, AppealData(**STATEMENT, application_id=theirs.id))
    db.session.rollback()
    assert appeals() == []


def test_get_with_application_id_preselects_mine_and_ignores_others(consumer_client, consumer, other, make_application):
    mine = make_application(consumer)
    theirs = make_application(other)
    page = consumer_client.page(f"/appeals/new?application_id={mine.id}")
    assert page.select_one("select#application_id option[selected]")["value"] == str(mine.id)
    page = consumer_client.page(f"/appeals/new?application_id={theirs.id}")
    assert page.select_one("select#application_id option[selected]") is None
    assert theirs.number not in page
    page = consumer_client.page("/appeals/new?application_id=abc")
    assert page.select_one("select#application_id option[selected]") is None


def test_the_application_card_links_to_a_new_appeal_and_lists_the_appeals_about_it(
    consumer_client, consumer, make_application
):
    mine = make_application(consumer)
    card = consumer_client.page(f"/applications/{mine.id}")
    assert card.select_one(".about-appeals a")["href"] == f"/appeals/new?application_id={mine.id}"
    assert "Обращений по этой заявке нет." in card.text(".about-appeals")
    post_appeal(consumer_client, application_id=str(mine.id))
    (appeal,) = appeals()
    card = consumer_client.page(f"/applications/{mine.id}")
    assert card.select_one(f".about-appeals a[href='/appeals/{appeal.id}']").get_text() == appeal.number


def test_another_consumer_sees_neither_the_link_nor_the_number(
    consumer_client, consumer, other, make_application, make_appeal, login, app
):
    mine = make_application(consumer)
    appeal = make_appeal(consumer, application_id=mine.id)
    c = app.test_client()
    login(other, c=c)
    assert c.get(f"/appeals/{appeal.id}").status_code == 404
    assert c.get(f"/applications/{mine.id}").status_code == 404
    page = c.page(f"/appeals/new?application_id={mine.id}")
    assert mine.number not in page and page.select_one("select#application_id") is None


def test_staff_see_the_application_in_the_card_and_the_queue(operator_client, consumer, make_application, make_appeal):
    mine = make_application(consumer)
    appeal = make_appeal(consumer, application_id=mine.id)
    plain = make_appeal(consumer)
    card = operator_client.page(f"/office/appeals/{appeal.id}")
    assert card.text(".about-application") == f"По заявке {mine.number}"
    assert card.select_one(".about-application a")["href"] == f"/office/applications/{mine.id}"
    queue = operator_client.page("/office/appeals/")
    row = queue.select_one(f"tr[data-appeal-id='{appeal.id}']")
    assert f"по заявке {mine.number}" in text_of(row)
    assert row.select_one(f"a[href='/office/applications/{mine.id}']")
    assert "по заявке" not in text_of(queue.select_one(f"tr[data-appeal-id='{plain.id}']"))
    office_card = operator_client.page(f"/office/applications/{mine.id}")
    assert office_card.select_one(f".about-appeals a[href='/office/appeals/{appeal.id}']").get_text() == appeal.number


def test_an_operator_registers_an_appeal_about_the_consumers_application(operator_client, consumer, make_application):
    mine = make_application(consumer)
    page = operator_client.page(f"/office/appeals/new?consumer_id={consumer.id}&application_id={mine.id}")
    assert page.select_one("select#application_id option[selected]")["value"] == str(mine.id)
    response = operator_client.submit(
        f"/office/appeals/new?consumer_id={consumer.id}",
        {**STATEMENT, "received_via": "phone", "application_id": str(mine.id)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (appeal,) = appeals()
    assert appeal.application_id == mine.id and appeal.received_via == "phone"
