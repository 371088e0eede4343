"""The consumer's pages: rate a submitted application and an answered appeal, change the
rating, «мои оценки»; bad scores are a Russian message with nothing saved; another
consumer's object or a draft is 404; staff go to the office."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.ratings.models import AppealRating, ApplicationRating
from tests.core.query_counter import count_queries
from tests.helpers import Page
from tests.ratings.conftest import add_rated_appeals, add_rated_applications, appeal_scores, form, scores


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- an application ----------------------------------------------------------------------------


def test_the_form_has_a_fieldset_per_criterion(consumer_client, consumer, make_application):
    application = make_application(consumer, status="completed")
    page = consumer_client.page(f"/applications/{application.id}/rating")
    assert page.title.startswith(f"Оценка заявки {application.number}")
    form_tag = page.select_one("form.rating-form")
    assert form_tag["action"] == f"/applications/{application.id}/rating"
    legends = [f.select_one("legend").get_text(strip=True) for f in form_tag.select("fieldset")]
    assert legends == [
        "Простота подачи заявки",
        "Понятность информации",
        "Соблюдение сроков",
        "Вежливость и компетентность сотрудников",
        "Прозрачность стоимости",
        "Общая оценка",
    ]
    for name in ("ease", "clarity", "deadlines", "courtesy", "cost", "overall"):
        values = [i["value"] for i in form_tag.select(f"input[type=radio][name={name}]")]
        assert values == ["1", "2", "3", "4", "5"], name
    assert form_tag.select_one("textarea[name=comment]")["maxlength"] == "2000"
    assert page.response.headers["Cache-Control"] == "no-store"


def test_consumer_rates_an_application(consumer_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, status="completed")
    response = consumer_client.submit(
        f"/applications/{application.id}/rating", form(scores(4, cost=2), "  Счёт был непонятен.  ")
    )
    assert response.status_code == 302 and response.headers["Location"] == "/ratings"
    rating = db.session.scalar(sa.select(ApplicationRating))
    assert rating.application_id == application.id and rating.consumer_id == consumer.id
    assert rating.scores() == scores(4, cost=2) and rating.comment == "Счёт был непонятен."
    assert rating.created_at == rating.updated_at == fixed_clock
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rating.application"))
    assert event.actor_id == consumer.id and event.object_id == rating.id
    page = consumer_client.page("/ratings")
    assert f"Оценка заявки {application.number} сохранена" in page
    assert "Ваша оценка: 4 из 5" in page.text(f"[data-application-id='{application.id}']")


def test_any_submitted_application_may_be_rated(consumer_client, consumer, make_application):
    application = make_application(consumer, status="submitted")
    assert consumer_client.submit(f"/applications/{application.id}/rating", form(scores(3))).status_code == 302
    assert count(ApplicationRating) == 1


def test_the_consumer_changes_the_rating(consumer_client, consumer, make_application, fixed_clock):
    from datetime import timedelta

    from app.core import clock

    application = make_application(consumer, status="completed")
    url = f"/applications/{application.id}/rating"
    consumer_client.submit(url, form(scores(2), "Плохо."), expect=302)
    clock.set_now(fixed_clock + timedelta(days=3))
    page = consumer_client.page(url)
    assert page.select_one("input[name=overall][value='2']").has_attr("checked")
    assert page.select_one("textarea[name=comment]").get_text().strip() == "Плохо."
    assert "Вы уже оценили эту заявку 05.03.2026" in page
    consumer_client.submit(url, form(scores(5), ""), expect=302)
    [rating] = db.session.scalars(sa.select(ApplicationRating)).all()
    assert rating.overall == 5 and rating.comment == ""
    assert rating.created_at == fixed_clock and rating.updated_at == fixed_clock + timedelta(days=3)
    assert "изменена" in consumer_client.page("/ratings")
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("rating.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["rating.application", "rating.application_changed"]


@pytest.mark.parametrize("value", ["0", "6", "abc", "", None, "4.5", "-1"])
def test_a_bad_score_is_a_russian_message_and_nothing_is_saved(consumer_client, consumer, make_application, value):
    application = make_application(consumer, status="completed")
    data = form(scores(4))
    if value is None:
        del data["deadlines"]
    else:
        data["deadlines"] = value
    page = Page(consumer_client.submit(f"/applications/{application.id}/rating", data))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    assert page.errors() == ["Соблюдение сроков: выберите оценку от 1 до 5."]
    assert page.select_one(".error-summary a[href='#deadlines']")
    assert page.select_one("input[name=overall][value='4']").has_attr("checked"), "the other answers are kept"
    assert count(ApplicationRating) == 0


def test_every_missing_score_is_named(consumer_client, consumer, make_application):
    application = make_application(consumer, status="completed")
    page = Page(consumer_client.submit(f"/applications/{application.id}/rating", {"comment": "Без оценок"}))
    assert page.status == 200 and len(page.errors()) == 6
    assert page.select_one("textarea[name=comment]").get_text().strip() == "Без оценок"
    assert count(ApplicationRating) == 0


def test_a_long_comment_is_refused(consumer_client, consumer, make_application):
    application = make_application(consumer, status="completed")
    url = f"/applications/{application.id}/rating"
    page = Page(consumer_client.submit(url, form(scores(4), "я" * 2001)))
    assert page.status == 200 and page.errors() == ["Комментарий не должен быть длиннее 2000 символов."]
    assert count(ApplicationRating) == 0
    # Browsers send CRLF but count a line break as one character, like the limit does.
    consumer_client.submit(url, form(scores(4), "я\r\n" * 999 + "яя"), expect=302)
    assert len(db.session.scalar(sa.select(ApplicationRating.comment))) == 2000


def test_another_consumers_application_is_404(other_client, consumer, make_application):
    application = make_application(consumer, status="completed")
    url = f"/applications/{application.id}/rating"
    assert other_client.get(url).status_code == 404
    assert other_client.submit(url, form(scores(1), "Чужая")).status_code == 404
    assert count(ApplicationRating) == 0


def test_a_draft_is_404(consumer_client, consumer, make_application):
    draft = make_application(consumer, status="draft")
    assert consumer_client.get(f"/applications/{draft.id}/rating").status_code == 404
    assert consumer_client.submit(f"/applications/{draft.id}/rating", form(scores(5))).status_code == 404
    assert consumer_client.get("/applications/987654/rating").status_code == 404


def test_anonymous_goes_to_login_and_staff_to_the_office(
    client, operator_client, consumer, make_application, answered_appeal
):
    application = make_application(consumer, status="completed")
    appeal = answered_appeal(consumer)
    for url in (f"/applications/{application.id}/rating", f"/appeals/{appeal.id}/rating", "/ratings"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    for url in (f"/applications/{application.id}/rating", f"/appeals/{appeal.id}/rating"):
        response = operator_client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/office/", url
    assert operator_client.get("/ratings").headers["Location"] == "/office/ratings/"


# --- an appeal ---------------------------------------------------------------------------------


def test_consumer_rates_an_answered_appeal(consumer_client, consumer, answered_appeal):
    appeal = answered_appeal(consumer)
    url = f"/appeals/{appeal.id}/rating"
    page = consumer_client.page(url)
    legends = [f.get_text(strip=True) for f in page.select("form.rating-form fieldset legend")]
    assert legends == ["Общая оценка", "Своевременность ответа", "Понятность ответа"]
    response = consumer_client.submit(url, form(appeal_scores(5, timeliness=3), "Спасибо."))
    assert response.status_code == 302 and response.headers["Location"] == "/ratings"
    rating = db.session.scalar(sa.select(AppealRating))
    assert rating.scores() == appeal_scores(5, timeliness=3) and rating.comment == "Спасибо."
    assert rating.consumer_id == consumer.id and rating.appeal_id == appeal.id
    consumer_client.submit(url, form(appeal_scores(2), "Передумал."), expect=302)
    [rating] = db.session.scalars(sa.select(AppealRating)).all()
    assert rating.overall == 2 and rating.comment == "Передумал."
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("rating.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["rating.appeal", "rating.appeal_changed"]


def test_a_closed_appeal_may_be_rated_too(consumer_client, consumer, answered_appeal, staff_member):
    from app.appeals.services import close_appeal

    appeal = answered_appeal(consumer)
    close_appeal(appeal, staff_member)
    db.session.commit()
    consumer_client.submit(f"/appeals/{appeal.id}/rating", form(appeal_scores(4)), expect=302)
    assert count(AppealRating) == 1


def test_an_appeal_without_an_answer_waits(consumer_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    response = consumer_client.get(f"/appeals/{appeal.id}/rating")
    assert response.status_code == 302 and response.headers["Location"] == f"/appeals/{appeal.id}"
    consumer_client.submit(f"/appeals/{appeal.id}/rating", form(appeal_scores(1)), expect=302)
    assert count(AppealRating) == 0
    assert "после того, как на него будет дан ответ" in consumer_client.page(f"/appeals/{appeal.id}")


@pytest.mark.parametrize("value", ["0", "6", "abc", None])
def test_a_bad_appeal_score_is_a_message(consumer_client, consumer, answered_appeal, value):
    appeal = answered_appeal(consumer)
    data = form(appeal_scores(4))
    if value is None:
        del data["timeliness"]
    else:
        data["timeliness"] = value
    page = Page(consumer_client.submit(f"/appeals/{appeal.id}/rating", data))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    assert page.errors() == ["Своевременность ответа: выберите оценку от 1 до 5."]
    assert count(AppealRating) == 0


def test_another_consumers_appeal_is_404(other_client, consumer, answered_appeal):
    appeal = answered_appeal(consumer)
    assert other_client.get(f"/appeals/{appeal.id}/rating").status_code == 404
    assert other_client.submit(f"/appeals/{appeal.id}/rating", form(appeal_scores(1))).status_code == 404
    assert count(AppealRating) == 0


# --- «мои оценки» ------------------------------------------------------------------------------


def test_my_ratings_lists_rated_and_unrated(
    consumer_client, consumer, make_application, answered_appeal, make_appeal, make_user
):
    from app.ratings.services import rate_application

    rated = make_application(consumer, status="completed")
    waiting = make_application(consumer, status="submitted")
    draft = make_application(consumer, status="draft")
    appeal = answered_appeal(consumer)
    open_appeal = make_appeal(consumer)
    rate_application(rated, consumer, scores(3))
    someone = make_user("consumer", email="someone@example.ru")
    theirs = make_application(someone, status="completed")
    db.session.commit()
    page = consumer_client.page("/ratings")
    assert page.title.startswith("Оценка качества обслуживания")
    assert "Ваша оценка: 3 из 5" in page.text(f"[data-application-id='{rated.id}']")
    assert page.select_one(f"[data-application-id='{rated.id}'] a[href='/applications/{rated.id}/rating']")
    invite = page.select_one(f"[data-application-id='{waiting.id}'] a.button")
    assert invite["href"] == f"/applications/{waiting.id}/rating" and invite.get_text() == "Оценить заявку"
    assert not page.select(f"[data-application-id='{draft.id}']")
    assert not page.select(f"[data-application-id='{theirs.id}']")
    assert page.select_one(f"[data-appeal-id='{appeal.id}'] a.button")["href"] == f"/appeals/{appeal.id}/rating"
    assert not page.select(f"[data-appeal-id='{open_appeal.id}']")
    assert page.select_one("nav.menu a[aria-current=page]").get_text() == "Оценить качество"


def test_my_ratings_when_there_is_nothing(consumer_client):
    page = consumer_client.page("/ratings")
    assert "Поданных заявок пока нет" in page and "Обращений с ответом пока нет" in page


def queries_of(client, url: str) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_my_ratings_runs_the_same_queries_with_2_and_20_rows(consumer_client, consumer):
    add_rated_applications(consumer, 2)
    add_rated_appeals(consumer, 2)
    few = queries_of(consumer_client, "/ratings")
    add_rated_applications(consumer, 18, start=3)
    add_rated_appeals(consumer, 18, start=3)
    many = queries_of(consumer_client, "/ratings")
    assert many == few, f"/ratings: {few} queries with 2 rows, {many} with 20"
    page = consumer_client.page("/ratings")
    assert len(page.select("[data-application-id]")) == 20 and len(page.select("[data-appeal-id]")) == 20
    print(f"\n/ratings: {few} queries with 2 and with 20 rated applications and appeals")


def test_the_pages_fit_the_weight_budget_with_full_lists(consumer_client, consumer, make_application):
    """SPEC §3: a first visit within 30 KB (gzip), HTML, CSS and htmx included; a repeat
    visit (static files cached) within 10 KB. «Мои оценки» shows at most 30 + 30 rows."""
    import gzip

    from app.ratings.services import MY_LIST_LIMIT

    def gz(data: bytes) -> int:
        return len(gzip.compress(data, 6))

    application = make_application(consumer, status="completed")
    add_rated_applications(consumer, MY_LIST_LIMIT + 5, start=100)
    add_rated_appeals(consumer, MY_LIST_LIMIT + 5)
    page = consumer_client.page("/ratings")
    assert len(page.select("[data-application-id]")) == len(page.select("[data-appeal-id]")) == MY_LIST_LIMIT
    assert "Показаны последние 30 заявок и обращений." in page
    static = sum(
        gz(consumer_client.get(tag.get("href") or tag.get("src")).data)
        for tag in page.select("link[rel=stylesheet], script[src]")
    )
    sizes = {url: gz(consumer_client.get(url).data) for url in ("/ratings", f"/applications/{application.id}/rating")}
    assert all(size < 10 * 1024 for size in sizes.values()), sizes
    assert max(sizes.values()) + static < 30 * 1024, (sizes, static)
    print(f"\npages (HTML gzip): {sizes}; CSS and htmx: {static} B gzip")
