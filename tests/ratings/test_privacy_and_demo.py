"""Ratings in «мои данные» and on anonymisation; the demo's ratings."""

import json
import time

import sqlalchemy as sa

from app.extensions import db
from app.ratings.models import AppealRating, ApplicationRating
from app.ratings.services import rate_appeal, rate_application
from tests.ratings.conftest import appeal_scores, scores


def test_my_ratings_are_in_my_data(consumer_client, consumer, make_user, make_application, answered_appeal):
    application = make_application(consumer, status="completed")
    appeal = answered_appeal(consumer)
    rate_application(application, consumer, scores(4, cost=2), "Дорого и непонятно.")
    rate_appeal(appeal, consumer, appeal_scores(5))
    other = make_user("consumer", email="other.person@example.ru")
    rate_application(make_application(other), other, scores(1), "Чужой комментарий")
    db.session.commit()
    response = consumer_client.get("/profile/data.json")
    assert response.status_code == 200
    section = json.loads(response.data)["sections"]["ratings"]
    [mine] = section["applications"]
    assert mine["application"] == application.number and mine["cost"] == 2 and mine["overall"] == 4
    assert mine["comment"] == "Дорого и непонятно." and mine["rated_at"]
    [appeal_rating] = section["appeals"]
    assert appeal_rating["appeal"] == appeal.number and appeal_rating["timeliness"] == 5
    assert appeal_rating["comment"] is None
    assert "Чужой комментарий" not in response.get_data(as_text=True)


def test_anonymisation_removes_comments_and_keeps_scores(consumer, make_application, answered_appeal):
    from app.privacy.services import anonymise

    rate_application(make_application(consumer), consumer, scores(2), "Звонил Петров, телефон 8-900-000-00-00")
    rate_appeal(answered_appeal(consumer), consumer, appeal_scores(3), "Подпись: Петров")
    db.session.commit()
    anonymise(consumer)
    db.session.commit()
    assert db.session.scalars(sa.select(ApplicationRating.comment)).all() == [""]
    assert db.session.scalars(sa.select(AppealRating.comment)).all() == [""]
    assert db.session.scalar(sa.select(ApplicationRating.overall)) == 2


def test_the_demo_rates_what_it_should_and_fast(app):
    from app import demo
    from app.ratings import demo as ratings_demo
    from app.ratings import periods, reports

    timings = {}
    real_seed = ratings_demo.seed

    def timed(ctx):
        started = time.perf_counter()
        real_seed(ctx)
        timings["ratings"] = time.perf_counter() - started

    ratings_demo.seed = timed
    try:
        ctx = demo.load()
    finally:
        ratings_demo.seed = real_seed
    assert timings["ratings"] < 3, f"the ratings demo took {timings['ratings']:.1f} s"
    from app.appeals.models import Appeal
    from app.applications.models import Application

    completed = db.session.scalars(
        sa.select(Application.id).where(Application.consumer_id == ctx.consumer.id, Application.status == "completed")
    ).all()
    rated = db.session.scalars(
        sa.select(ApplicationRating.application_id).where(ApplicationRating.consumer_id == ctx.consumer.id)
    ).all()
    assert sorted(rated) == sorted(completed)
    answered = db.session.scalars(
        sa.select(Appeal.id).where(Appeal.consumer_id == ctx.consumer.id, Appeal.status.in_(["answered", "closed"]))
    ).all()
    assert answered and sorted(
        db.session.scalars(sa.select(AppealRating.appeal_id).where(AppealRating.consumer_id == ctx.consumer.id)).all()
    ) == sorted(answered)
    from app.core.clock import today

    report = reports.ratings_report(periods.default_period(today()))
    assert report.applications.total.count >= 9
    assert sum(1 for _, t in report.applications.months if t.count) >= 6, "the chart has months to show"
    assert any(r.comment for r in report.applications.lowest)
    annual = reports.appeals_annual(today().year)
    assert annual.sections[0].total.last > 0 and annual.sections[0].total.this > 0
