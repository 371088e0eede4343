"""Fixtures of the ratings tests: applications and appeals from their features' factories,
an answered appeal, scores, and bulk rows for the query-count tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core import clock
from app.extensions import db
from tests.appeals.conftest import make_appeal  # noqa: F401 (a fixture these tests use)
from tests.applications.conftest import decision, make_application  # noqa: F401 (fixtures)


def scores(overall: int = 4, **changes) -> dict[str, int]:
    values = {
        "ease": overall,
        "clarity": overall,
        "deadlines": overall,
        "courtesy": overall,
        "cost": overall,
        "overall": overall,
    }
    values.update(changes)
    return values


def appeal_scores(overall: int = 4, **changes) -> dict[str, int]:
    values = {"overall": overall, "timeliness": overall, "clarity": overall}
    values.update(changes)
    return values


def form(values: dict[str, int], comment: str = "") -> dict[str, str]:
    """The POST fields of a rating form."""
    return {**{k: str(v) for k, v in values.items()}, "comment": comment}


@pytest.fixture
def staff_member(make_user):
    return make_user("operator", email="answering.operator@example.ru")


@pytest.fixture
def answered_appeal(make_appeal, staff_member):  # noqa: F811 (the imported fixture)
    """answered_appeal(consumer, **fields) -> an appeal staff have answered."""
    from app.appeals.services import answer_appeal

    def factory(consumer, **fields):
        appeal = make_appeal(consumer, **fields)
        answer_appeal(appeal, staff_member, "Ответ по существу: работы начнутся в апреле.")
        db.session.commit()
        return appeal

    return factory


def add_rated_applications(consumer, n: int, start: int = 1, overall: int = 4) -> None:
    """n submitted applications with a rating each, inserted in bulk (the query-count tests)."""
    from app.applications.models import Application
    from app.ratings.models import ApplicationRating

    moment = clock.now()
    db.session.execute(
        sa.insert(Application),
        [
            dict(
                number=f"ТП-2026-{i:06d}",
                consumer_id=consumer.id,
                kind="new",
                status="submitted",
                category="up_to_15",
                applicant_type="individual",
                power_kw=Decimal("15"),
                voltage_kv="0.4",
                created_at=moment,
                submitted_at=moment,
                due_date=clock.today() + timedelta(days=3),
                search_text=f"тп-2026-{i:06d}",
                offer_inputs={},
            )
            for i in range(start, start + n)
        ],
    )
    ids = db.session.scalars(
        sa.select(Application.id).where(Application.consumer_id == consumer.id).order_by(Application.id.desc()).limit(n)
    ).all()
    db.session.execute(
        sa.insert(ApplicationRating),
        [
            dict(
                application_id=i,
                consumer_id=consumer.id,
                created_at=moment,
                updated_at=moment,
                comment=f"Комментарий {i}",
                **scores(overall),
            )
            for i in ids
        ],
    )
    db.session.commit()


def add_rated_appeals(consumer, n: int, start: int = 1) -> None:
    """n answered appeals with a rating each, inserted in bulk."""
    from app.appeals.models import Appeal
    from app.ratings.models import AppealRating

    moment, day = clock.now(), clock.today()
    db.session.execute(
        sa.insert(Appeal),
        [
            dict(
                number=f"ОБ-2026-{i:06d}",
                consumer_id=consumer.id,
                kind="statement",
                topic="other",
                channel="cabinet",
                received_via="website",
                text="Текст",
                status="answered",
                registered_at=moment,
                answered_at=moment,
                due_date=day + timedelta(days=30),
                search_text=f"об-2026-{i:06d}",
                version=2,
            )
            for i in range(start, start + n)
        ],
    )
    ids = db.session.scalars(
        sa.select(Appeal.id).where(Appeal.consumer_id == consumer.id).order_by(Appeal.id.desc()).limit(n)
    ).all()
    db.session.execute(
        sa.insert(AppealRating),
        [
            dict(
                appeal_id=i,
                consumer_id=consumer.id,
                created_at=moment,
                updated_at=moment,
                comment="",
                **appeal_scores(3),
            )
            for i in ids
        ],
    )
    db.session.commit()
