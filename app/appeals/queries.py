"""The reads of the appeals pages: the consumer's own appeal, the card's thread and history,
the office queue and the dashboard's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.appeals.models import (
    OPEN_STATUSES,
    AnswerChannel,
    Appeal,
    AppealEvent,
    AppealFile,
    AppealKind,
    AppealMessage,
    AppealStatus,
    AppealTopic,
    MessageKind,
)
from app.auth.models import Role, User
from app.core import queues
from app.core.text import like_pattern
from app.extensions import db

#: "Due soon" in the office: the answer is due within this many calendar days.
DUE_SOON_DAYS = 3


def get_own_appeal(appeal_id: int, consumer: User) -> Appeal | None:
    """Ownership first: another consumer's appeal is simply not found."""
    return db.session.scalar(sa.select(Appeal).where(Appeal.id == appeal_id, Appeal.consumer_id == consumer.id))


def consumer_appeals(consumer: User, page: int, page_size: int) -> list[Appeal]:
    """A page of the consumer's appeals, newest first, with one more row when a next page exists."""
    return db.session.scalars(
        sa.select(Appeal)
        .where(Appeal.consumer_id == consumer.id)
        .order_by(Appeal.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    ).all()


def about_application(application_id: int, consumer_id: int | None = None) -> list[Appeal]:
    """The appeals about an application, newest first; with `consumer_id`, only that
    consumer's (the consumer's card shows nothing of anyone else's)."""
    query = sa.select(Appeal).where(Appeal.application_id == application_id)
    if consumer_id is not None:
        query = query.where(Appeal.consumer_id == consumer_id)
    return db.session.scalars(query.order_by(Appeal.id.desc())).all()


def consumer_file(appeal: Appeal, file_id: int) -> AppealFile | None:
    """A file of the consumer's appeal: filed with it, a clarification's or an answer's; never an
    internal note's."""
    return db.session.scalar(
        sa.select(AppealFile)
        .options(joinedload(AppealFile.stored))
        .outerjoin(AppealMessage, AppealMessage.id == AppealFile.message_id)
        .where(
            AppealFile.id == file_id,
            AppealFile.appeal_id == appeal.id,
            sa.or_(AppealMessage.id.is_(None), AppealMessage.kind != MessageKind.note),
        )
    )


def card_appeal(appeal_id: int) -> Appeal | None:
    """The office card's appeal, with its consumer, assignee and registrar (one query)."""
    return db.session.scalar(
        sa.select(Appeal)
        .options(joinedload(Appeal.consumer), joinedload(Appeal.assigned_to), joinedload(Appeal.registered_by))
        .where(Appeal.id == appeal_id)
    )


def appeal_file(appeal_id: int, file_id: int) -> AppealFile | None:
    """Any file of the appeal, for staff."""
    return db.session.scalar(
        sa.select(AppealFile)
        .options(joinedload(AppealFile.stored))
        .where(AppealFile.id == file_id, AppealFile.appeal_id == appeal_id)
    )


def find_consumers(q: str) -> list[User]:
    """Consumers whose name, organisation or email matches, for registering an appeal on their behalf."""
    if not q:
        return []
    return db.session.scalars(
        sa.select(User)
        .where(User.role == Role.consumer.value, User.search_text.like(like_pattern(q), escape="\\"))
        .order_by(User.last_name, User.id)
        .limit(20)
    ).all()


def thread(appeal: Appeal, *, internal: bool) -> tuple[list[AppealMessage], dict[int | None, list[AppealFile]]]:
    """The messages (with their authors) and the files by message id (None: filed with the
    appeal); the consumer's view leaves internal notes out. Two queries."""
    query = (
        sa.select(AppealMessage).options(joinedload(AppealMessage.author)).where(AppealMessage.appeal_id == appeal.id)
    )
    if not internal:
        query = query.where(AppealMessage.kind != MessageKind.note)
    messages = db.session.scalars(query.order_by(AppealMessage.id)).all()
    files: dict[int | None, list[AppealFile]] = {}
    for f in db.session.scalars(
        sa.select(AppealFile)
        .options(joinedload(AppealFile.stored))
        .where(AppealFile.appeal_id == appeal.id)
        .order_by(AppealFile.id)
    ):
        files.setdefault(f.message_id, []).append(f)
    return messages, files


def history(appeal: Appeal) -> list[AppealEvent]:
    return db.session.scalars(
        sa.select(AppealEvent)
        .options(joinedload(AppealEvent.actor))
        .where(AppealEvent.appeal_id == appeal.id)
        .order_by(AppealEvent.id)
    ).all()


def latest_answer(messages: list[AppealMessage]) -> AppealMessage | None:
    answers = [m for m in messages if m.kind == MessageKind.answer]
    return answers[-1] if answers else None


# --- the office queue --------------------------------------------------------------------------


@dataclass
class QueueFilters(queues.QueueFilters):
    """The appeals queue's GET parameters, cleaned: anything unknown is ignored."""

    STATUSES = frozenset(s.value for s in AppealStatus)

    kind: str = queues.choice(AppealKind)
    topic: str = queues.choice(AppealTopic)
    channel: str = queues.choice(AnswerChannel)
    overdue: bool = queues.flag()
    due_soon: bool = queues.flag()


def queue_query(filters: QueueFilters, user: User, today: date) -> sa.Select:
    """The appeals the filters select, with their consumer and assignee (one query)."""
    query = sa.select(Appeal).options(joinedload(Appeal.consumer), joinedload(Appeal.assigned_to))
    if filters.status == "open":
        query = query.where(Appeal.status.in_(OPEN_STATUSES))
    elif filters.status != "all":
        query = query.where(Appeal.status == filters.status)
    if filters.kind:
        query = query.where(Appeal.kind == filters.kind)
    if filters.topic:
        query = query.where(Appeal.topic == filters.topic)
    if filters.channel:
        query = query.where(Appeal.channel == filters.channel)
    if filters.overdue:
        query = query.where(Appeal.status.in_(OPEN_STATUSES), Appeal.due_date < today)
    if filters.due_soon:
        query = query.where(
            Appeal.status.in_(OPEN_STATUSES),
            Appeal.due_date >= today,
            Appeal.due_date <= today + timedelta(days=DUE_SOON_DAYS),
        )
    if filters.mine:
        query = query.where(Appeal.assigned_to_id == user.id)
    if filters.q:
        query = query.where(Appeal.search_text.like(like_pattern(filters.q), escape="\\"))
    if filters.sort == "new":
        return query.order_by(Appeal.id.desc())
    return query.order_by(Appeal.due_date, Appeal.id)


def queue_page(filters: QueueFilters, user: User, today: date, offset: int, limit: int) -> list[Appeal]:
    """A page of the queue: `limit` appeals from `offset` (core.queues.Page's)."""
    return db.session.scalars(queue_query(filters, user, today).offset(offset).limit(limit)).all()


def dashboard_numbers(today: date) -> dict:
    """The office dashboard: how many open appeals are overdue and due today, and the first
    of them (two queries)."""
    counts = db.session.execute(
        sa.select(
            sa.func.count().filter(Appeal.due_date < today).label("overdue"),
            sa.func.count().filter(Appeal.due_date == today).label("due_today"),
        ).where(Appeal.status.in_(OPEN_STATUSES), Appeal.due_date <= today)
    ).one()
    rows = db.session.scalars(
        sa.select(Appeal)
        .options(joinedload(Appeal.consumer))
        .where(Appeal.status.in_(OPEN_STATUSES), Appeal.due_date <= today)
        .order_by(Appeal.due_date, Appeal.id)
        .limit(10)
    ).all()
    return {"overdue_count": counts.overdue, "due_today_count": counts.due_today, "appeals": rows, "today": today}
