"""The rules of ratings: who may rate what, and saving a rating (new or changed) with its
audit record. Services flush; the route commits. Nobody is notified."""

from __future__ import annotations

import sqlalchemy as sa

from app.appeals.models import Appeal, AppealStatus
from app.applications.models import Application, ApplicationStatus
from app.audit.services import describe_actions, record
from app.auth.models import User
from app.core.clock import now
from app.extensions import db
from app.ratings.models import (
    APPEAL_CRITERIA,
    APPLICATION_CRITERIA,
    MAX_COMMENT,
    MAX_SCORE,
    MIN_SCORE,
    AppealRating,
    ApplicationRating,
    Criterion,
)

#: Appeals that may be rated: the consumer has an answer on the merits.
RATEABLE_APPEAL_STATUSES = (AppealStatus.answered.value, AppealStatus.closed.value)
#: How many applications and appeals «мои оценки» lists (the newest; the page stays within 30 KB).
MY_LIST_LIMIT = 30

describe_actions(
    {
        "rating.application": "Оценка заявки",
        "rating.application_changed": "Оценка заявки изменена",
        "rating.appeal": "Оценка ответа на обращение",
        "rating.appeal_changed": "Оценка ответа на обращение изменена",
    }
)


class RatingError(ValueError):
    """A refused rating; the message is Russian and safe to show."""


def can_rate_application(application: Application) -> bool:
    """Any submitted application: the consumer may judge the service at every stage."""
    return application.status != ApplicationStatus.draft.value


def can_rate_appeal(appeal: Appeal) -> bool:
    return appeal.status in RATEABLE_APPEAL_STATUSES


def get_own_application(application_id: int, consumer: User) -> Application | None:
    """Ownership first: another consumer's application, or a draft, is simply not found."""
    return db.session.scalar(
        sa.select(Application).where(
            Application.id == application_id,
            Application.consumer_id == consumer.id,
            Application.status != ApplicationStatus.draft.value,
        )
    )


def get_own_appeal(appeal_id: int, consumer: User) -> Appeal | None:
    return db.session.scalar(sa.select(Appeal).where(Appeal.id == appeal_id, Appeal.consumer_id == consumer.id))


def application_rating(application: Application) -> ApplicationRating | None:
    return db.session.scalar(sa.select(ApplicationRating).where(ApplicationRating.application_id == application.id))


def appeal_rating(appeal: Appeal) -> AppealRating | None:
    return db.session.scalar(sa.select(AppealRating).where(AppealRating.appeal_id == appeal.id))


def _checked(criteria: tuple[Criterion, ...], scores: dict[str, int], comment: str) -> tuple[dict[str, int], str]:
    """The scores and the comment as they will be stored, or RatingError (the forms check
    the same, so a person never sees this: it guards the other callers)."""
    clean = {}
    for c in criteria:
        value = scores.get(c.name)
        if not isinstance(value, int) or isinstance(value, bool) or not MIN_SCORE <= value <= MAX_SCORE:
            raise RatingError(f"{c.label}: выберите оценку от {MIN_SCORE} до {MAX_SCORE}.")
        clean[c.name] = value
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise RatingError(f"Комментарий не должен быть длиннее {MAX_COMMENT} символов.")
    return clean, comment


def _save(model, criteria, existing, key: dict, consumer: User, scores: dict[str, int], comment: str):
    clean, comment = _checked(criteria, scores, comment)
    moment = now()
    rating = existing
    if rating is None:
        rating = model(**key, consumer_id=consumer.id, created_at=moment)
        db.session.add(rating)
    for name, value in clean.items():
        setattr(rating, name, value)
    rating.comment = comment
    rating.updated_at = moment
    db.session.flush()
    return rating


def rate_application(
    application: Application, consumer: User, scores: dict[str, int], comment: str = ""
) -> ApplicationRating:
    """Save the consumer's rating of their application: a new one, or the changed old one."""
    if application.consumer_id != consumer.id:
        raise RatingError("Оценить можно только свою заявку.")
    if not can_rate_application(application):
        raise RatingError("Черновик заявки оценить нельзя: сначала подайте заявку.")
    existing = application_rating(application)
    rating = _save(
        ApplicationRating, APPLICATION_CRITERIA, existing, {"application_id": application.id}, consumer, scores, comment
    )
    record(
        "rating.application_changed" if existing else "rating.application",
        rating,
        actor=consumer,
        application_id=application.id,
        overall=rating.overall,
    )
    return rating


def rate_appeal(appeal: Appeal, consumer: User, scores: dict[str, int], comment: str = "") -> AppealRating:
    """Save the consumer's rating of the answer to their appeal: a new one, or the changed old one."""
    if appeal.consumer_id != consumer.id:
        raise RatingError("Оценить можно только своё обращение.")
    if not can_rate_appeal(appeal):
        raise RatingError("Оценить обращение можно после ответа на него.")
    existing = appeal_rating(appeal)
    rating = _save(AppealRating, APPEAL_CRITERIA, existing, {"appeal_id": appeal.id}, consumer, scores, comment)
    record(
        "rating.appeal_changed" if existing else "rating.appeal",
        rating,
        actor=consumer,
        appeal_id=appeal.id,
        overall=rating.overall,
    )
    return rating


# --- «мои оценки» -------------------------------------------------------------------------------


def my_applications(consumer: User, limit: int = MY_LIST_LIMIT) -> list[tuple[Application, ApplicationRating | None]]:
    """The consumer's submitted applications, newest first, each with its rating (one query)."""
    rows = db.session.execute(
        sa.select(Application, ApplicationRating)
        .outerjoin(ApplicationRating, ApplicationRating.application_id == Application.id)
        .where(Application.consumer_id == consumer.id, Application.status != ApplicationStatus.draft.value)
        .order_by(Application.id.desc())
        .limit(limit + 1)
    ).all()
    return [(r[0], r[1]) for r in rows]


def my_appeals(consumer: User, limit: int = MY_LIST_LIMIT) -> list[tuple[Appeal, AppealRating | None]]:
    """The consumer's answered appeals, newest first, each with its rating (one query)."""
    rows = db.session.execute(
        sa.select(Appeal, AppealRating)
        .outerjoin(AppealRating, AppealRating.appeal_id == Appeal.id)
        .where(Appeal.consumer_id == consumer.id, Appeal.status.in_(RATEABLE_APPEAL_STATUSES))
        .order_by(Appeal.id.desc())
        .limit(limit + 1)
    ).all()
    return [(r[0], r[1]) for r in rows]
