"""The enum columns of appeals: read back as the enum's members (with their Russian labels),
and every table that stores a status, kind or topic refuses one that does not exist."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.appeals.models import AppealEvent, AppealKind, AppealStatus, AppealTerm, AppealTopic, ReceivedVia
from app.extensions import db


def test_the_columns_read_back_as_members(make_appeal, consumer):
    appeal = make_appeal(consumer, kind="complaint", topic="quality", received_via="phone")
    db.session.expire_all()
    event = db.session.scalars(sa.select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)).one()
    assert appeal.kind is AppealKind.complaint and appeal.topic is AppealTopic.quality
    assert appeal.received_via is ReceivedVia.phone and appeal.status is AppealStatus.registered
    assert event.to_status.label == AppealStatus.registered.label and event.from_status is None
    assert db.session.execute(sa.text("SELECT status FROM appeals")).scalar_one() == "registered"


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("appeal_events", {"to_status": "lost"}),
        ("appeal_events", {"from_status": "lost"}),
        ("appeal_terms", {"kind": "praise"}),
        ("appeal_terms", {"topic": "weather"}),
    ],
)
def test_a_value_outside_the_enum_is_refused(make_appeal, consumer, table, values):
    appeal = make_appeal(consumer)
    if table == "appeal_events":
        row = {"appeal_id": appeal.id, "at": appeal.registered_at, "to_status": "closed", "comment": ""}
        model = AppealEvent
    else:
        row = {"kind": "request", "topic": "other", "amount": 5, "unit": "d"}
        model = AppealTerm
    row.update(values)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(model.__table__).values(row))
        db.session.flush()
    db.session.rollback()
