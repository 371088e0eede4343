"""The consumer's ratings in «мои данные» (app.core.personal_data), and their comments gone
with an anonymised account (the scores stay: the report counts them, and they name nobody)."""

from __future__ import annotations

import sqlalchemy as sa

from app.appeals.models import Appeal
from app.applications.models import Application
from app.core.personal_data import on_anonymise, personal_data_exporter
from app.extensions import db
from app.ratings.models import AppealRating, ApplicationRating


@personal_data_exporter("ratings", order=70)
def export_ratings(user) -> dict:
    applications = db.session.execute(
        sa.select(ApplicationRating, Application.number.label("number"))
        .join(Application, Application.id == ApplicationRating.application_id)
        .where(ApplicationRating.consumer_id == user.id)
        .order_by(ApplicationRating.id)
    ).all()
    appeals = db.session.execute(
        sa.select(AppealRating, Appeal.number.label("number"))
        .join(Appeal, Appeal.id == AppealRating.appeal_id)
        .where(AppealRating.consumer_id == user.id)
        .order_by(AppealRating.id)
    ).all()
    return {
        "applications": [_entry("application", r.number, r.ApplicationRating) for r in applications],
        "appeals": [_entry("appeal", r.number, r.AppealRating) for r in appeals],
    }


def _entry(key: str, number: str, rating: ApplicationRating | AppealRating) -> dict:
    return {
        key: number,
        **rating.scores(),
        "comment": rating.comment or None,
        "rated_at": rating.created_at,
        "changed_at": rating.updated_at,
    }


@on_anonymise
def forget_rating_comments(user) -> None:
    for model in (ApplicationRating, AppealRating):
        db.session.execute(sa.update(model).where(model.consumer_id == user.id).values(comment=""))
