"""The demo holds appeals in every status and a consumer with unread notifications."""

import sqlalchemy as sa

from app.appeals.models import Appeal, AppealStatus
from app.demo import load
from app.extensions import db
from app.notifications.services import unread_count


def test_demo_appeals(app, client, login):
    ctx = load()
    statuses = set(db.session.scalars(sa.select(Appeal.status).where(Appeal.consumer_id == ctx.consumer.id)))
    assert statuses == {s.value for s in AppealStatus}
    assert unread_count(ctx.consumer) >= 3
    from app.core.clock import today

    overdue = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appeal)
        .where(Appeal.status.in_(["registered", "in_progress"]), Appeal.due_date < today())
    )
    assert overdue >= 1, "the office dashboard has something to show"
    login(ctx.consumer, password="demo-password")
    page = client.page("/appeals")
    assert len(page.select("[data-appeal-id]")) == 6
    for appeal in db.session.scalars(sa.select(Appeal).where(Appeal.consumer_id == ctx.consumer.id)):
        client.page(f"/appeals/{appeal.id}")
