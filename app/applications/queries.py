"""The reads of grid-connection applications' pages (SPEC §2.2, §2.11): the consumer's list
and card, the office queue, card and dashboard, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from app.applications.deadlines import load_deadlines
from app.applications.enums import OPEN_STATUSES
from app.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    ApplicationNote,
    ApplicationPayment,
    ApplicationStatus,
)
from app.auth.models import User, applicant_display_name, short_person_name
from app.connection.rules import Category
from app.core import queues
from app.core.clock import company_zone
from app.core.text import like_pattern, normalize_search
from app.extensions import db
from app.workdays.services import get_calendar

#: "Due this week" in the office: due within this many calendar days.
DUE_SOON_DAYS = 7


S = ApplicationStatus


# --- reading -----------------------------------------------------------------------------------


def get_own_application(application_id: int, consumer: User) -> Application | None:
    """Ownership first: another consumer's application is simply not found."""
    return db.session.scalar(
        sa.select(Application).where(Application.id == application_id, Application.consumer_id == consumer.id)
    )


def submitted_choices(consumer: User) -> list[tuple[int, str]]:
    """The consumer's submitted applications (every status but a draft), newest first, as
    (id, «ТП-2026-000123 — Жилой дом, д. Берёзовка»): what an appeal may be about (SPEC §2.3)."""
    rows = db.session.execute(
        sa.select(Application.id, Application.number, Application.object_name, Application.object_settlement)
        .where(Application.consumer_id == consumer.id, Application.status != S.draft.value)
        .order_by(Application.id.desc())
    ).all()
    return [(r.id, " — ".join(p for p in (r.number, r.object_name, r.object_settlement) if p)) for r in rows]


def application_numbers(ids) -> dict[int, str]:
    """The registration numbers of submitted applications by id (one query; none for no ids)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Application.id, Application.number).where(
                Application.id.in_(ids), Application.status != S.draft.value
            )
        ).all()
    )


def documents(app: Application) -> list[ApplicationDocument]:
    """The documents in order, each with its stored file."""
    return db.session.scalars(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.application_id == app.id)
        .order_by(ApplicationDocument.id)
    ).all()


def history_without_actors(app: Application) -> list[ApplicationEvent]:
    """The events in order. The consumer's card names nobody, so no user is joined."""
    return db.session.scalars(
        sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app.id).order_by(ApplicationEvent.id)
    ).all()


#: The stages of the card's document list: the status a document was added in → the section.
DOCUMENT_SECTIONS = {
    "draft": "Заявка",
    "submitted": "Заявка",
    "needs_info": "Заявка",
    "offer_sent": "Договор, технические условия и счёт",
    "contract_concluded": "Заключение договора",
    "in_progress": "Выполнение технических условий",
    "tu_fulfilled": "Выполнение технических условий",
    "connected": "Присоединение и итоговые акты",
    "completed": "Присоединение и итоговые акты",
    "withdrawn": "Заявка",
    "annulled": "Заявка",
}


def documents_by_section(docs: list[ApplicationDocument]) -> list[tuple[str, list[ApplicationDocument]]]:
    """The documents grouped by the stage they belong to, stages in the order of the path."""
    sections: dict[str, list[ApplicationDocument]] = {}
    for doc in docs:
        sections.setdefault(DOCUMENT_SECTIONS.get(doc.stage, "Заявка"), []).append(doc)
    order = list(dict.fromkeys(DOCUMENT_SECTIONS.values()))
    return sorted(sections.items(), key=lambda item: order.index(item[0]))


def history(app: Application) -> list[ApplicationEvent]:
    """The events in order, with who did each (the office's card)."""
    return db.session.scalars(
        sa.select(ApplicationEvent)
        .options(joinedload(ApplicationEvent.actor))
        .where(ApplicationEvent.application_id == app.id)
        .order_by(ApplicationEvent.id)
    ).all()


def notes(app: Application) -> list[ApplicationNote]:
    return db.session.scalars(
        sa.select(ApplicationNote)
        .options(joinedload(ApplicationNote.author))
        .where(ApplicationNote.application_id == app.id)
        .order_by(ApplicationNote.id)
    ).all()


def payments(app: Application) -> list[ApplicationPayment]:
    return db.session.scalars(
        sa.select(ApplicationPayment)
        .where(ApplicationPayment.application_id == app.id)
        .order_by(ApplicationPayment.paid_on, ApplicationPayment.id)
    ).all()


#: The stages a consumer sees on the timeline, by path.
TIMELINE_SMALL = (
    S.submitted,
    S.offer_sent,
    S.contract_concluded,
    S.in_progress,
    S.tu_fulfilled,
    S.connected,
    S.completed,
)
TIMELINE_REISSUE = (S.submitted, S.completed)


@dataclass(frozen=True)
class TimelineStep:
    status: ApplicationStatus
    #: "done", "current" or "next"
    state: str
    at: datetime | None


def timeline(app: Application, events: list[ApplicationEvent]) -> list[TimelineStep]:
    """The stages of the application's path with the date each was reached."""
    path = TIMELINE_REISSUE if app.kind == ApplicationKind.reissue.value else TIMELINE_SMALL
    reached: dict[str, datetime] = {}
    for e in events:
        if e.action == "status":
            reached.setdefault(e.to_status, e.at)
    current = app.status_enum
    order = {s: i for i, s in enumerate(path)}
    if current in order:
        position = order[current]
    elif current is S.needs_info:
        position = 0
    else:  # closed off the path: show what was reached
        position = max((order[ApplicationStatus(s)] for s in reached if ApplicationStatus(s) in order), default=-1)
    steps = []
    for i, status in enumerate(path):
        state = (
            "done"
            if i < position or (i == position and current is S.completed)
            else "current"
            if i == position and current.is_open
            else "done"
            if i <= position
            else "next"
        )
        steps.append(TimelineStep(status, state, reached.get(status.value)))
    return steps


def paid_total(app: Application) -> Decimal:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ApplicationPayment.amount), 0)).where(
            ApplicationPayment.application_id == app.id
        )
    ) or Decimal("0")


# --- the office queue --------------------------------------------------------------------------


@dataclass
class QueueFilters(queues.QueueFilters):
    """The applications queue's GET parameters, cleaned: anything unknown is ignored. Drafts
    are the applicant's own: not a status to choose."""

    STATUSES = frozenset(s.value for s in ApplicationStatus if s is not S.draft)

    category: str = queues.choice(Category)
    kind: str = queues.choice(ApplicationKind)
    overdue: bool = queues.flag()
    due_week: bool = queues.flag()


def _search(q: str):
    """The condition of a search by number or name (SPEC §5). With three characters or
    more and no LIKE wildcards in them, the trigram index of migration 0009 answers it (an
    FTS5 table on SQLite, pg_trgm's GIN index on PostgreSQL); otherwise the column is scanned."""
    text = normalize_search(q)
    plain = len(text) >= 3 and not any(c in text for c in "%_\\")
    if plain and db.session.get_bind().dialect.name == "sqlite":
        fts = sa.table("applications_search", sa.column("rowid"), sa.column("search_text"))
        return Application.id.in_(sa.select(fts.c.rowid).where(fts.c.search_text.like(f"%{text}%")))
    if plain:
        return Application.search_text.like(f"%{text}%")
    return Application.search_text.like(like_pattern(q), escape="\\")


def queue_query(filters: QueueFilters, user: User, day: date) -> sa.Select:
    """The ids of the applications the filters select, in the queue's order. Drafts are
    the applicant's own: the office never lists them."""
    open_values = [s.value for s in OPEN_STATUSES]
    query = sa.select(Application.id)
    if filters.status == "open":
        query = query.where(Application.status.in_(open_values))
    elif filters.status == "all":
        query = query.where(Application.status != S.draft.value)
    else:
        query = query.where(Application.status == filters.status)
    if filters.category:
        query = query.where(Application.category == filters.category)
    if filters.kind:
        query = query.where(Application.kind == filters.kind)
    if filters.overdue:
        query = query.where(Application.status.in_(open_values), Application.due_date < day)
    if filters.due_week:
        query = query.where(
            Application.status.in_(open_values),
            Application.due_date >= day,
            Application.due_date <= day + timedelta(days=DUE_SOON_DAYS),
        )
    if filters.mine:
        query = query.where(Application.assigned_to_id == user.id)
    if filters.q:
        query = query.where(_search(filters.q))
    if filters.sort == "new":
        return query.order_by(Application.id.desc())
    return query.order_by(Application.due_date.is_(None), Application.due_date, Application.id)


@dataclass(frozen=True)
class QueueRow:
    """A line of the office queue, as the template prints it."""

    id: int
    number: str
    submitted_on: date | None
    applicant: str
    kind: ApplicationKind
    category: Category | None
    power_kw: Decimal
    status: ApplicationStatus
    #: The running deadline (None once the application is closed).
    due_date: date | None
    due_label: str | None
    due_party: str | None
    overdue: bool
    due_today: bool
    assignee: str | None


#: The queue's two people, aliases made once: the columns of an alias made per call are adapted
#: afresh on each use, which took 4 of the queue's 4.3 ms in the process (bench load, office
#: queue: 89 rps with aliases per call, 258 before them; docs/performance.md).
_APPLICANT = aliased(User, name="applicant")
_ASSIGNEE = aliased(User, name="assignee")


def queue_page(filters: QueueFilters, user: User, day: date, offset: int, limit: int) -> list[QueueRow]:
    """One page of the queue, with applicants and assignees: two queries whatever the size.
    The ids come first from the index alone; sorting whole joined rows of every open
    application took a quarter of a second with 100,000 of them."""
    ids = db.session.scalars(queue_query(filters, user, day).offset(offset).limit(limit)).all()
    applicant, assignee = _APPLICANT, _ASSIGNEE
    found = db.session.execute(
        sa.select(
            Application.id,
            Application.number,
            Application.submitted_at,
            Application.kind,
            Application.category,
            Application.power_kw,
            Application.status,
            Application.due_date,
            Application.due_label,
            Application.due_party,
            Application.assigned_to_id,
            applicant.applicant_type,
            applicant.org_name,
            applicant.last_name,
            applicant.first_name,
            applicant.middle_name,
            applicant.email,
            assignee.last_name.label("assignee_last_name"),
            assignee.first_name.label("assignee_first_name"),
            assignee.middle_name.label("assignee_middle_name"),
            assignee.email.label("assignee_email"),
        )
        .join(applicant, applicant.id == Application.consumer_id)
        .outerjoin(assignee, assignee.id == Application.assigned_to_id)
        .where(Application.id.in_(ids))
    )
    zone = company_zone()
    rows = {row.id: _queue_row(row, day, zone) for row in found}
    return [rows[i] for i in ids]


def _queue_row(row: sa.Row, day: date, zone) -> QueueRow:
    due = row.due_date if row.status.is_open else None
    assignee = None
    if row.assigned_to_id:
        assignee = (
            short_person_name(row.assignee_last_name, row.assignee_first_name, row.assignee_middle_name)
            or row.assignee_email
        )
    return QueueRow(
        id=row.id,
        number=row.number,
        submitted_on=row.submitted_at.astimezone(zone).date() if row.submitted_at else None,
        applicant=applicant_display_name(
            row.applicant_type, row.org_name, row.last_name, row.first_name, row.middle_name, row.email
        ),
        kind=row.kind,
        category=row.category,
        power_kw=row.power_kw,
        status=row.status,
        due_date=due,
        due_label=row.due_label,
        due_party=row.due_party,
        overdue=due is not None and due < day,
        due_today=due == day,
        assignee=assignee,
    )


def dashboard_numbers(day: date) -> dict:
    """The office dashboard: open applications overdue and due today, the first of them,
    and those about to be annulled for missing data (three queries)."""
    open_values = [s.value for s in OPEN_STATUSES]
    counts = db.session.execute(
        sa.select(
            sa.func.count().filter(Application.due_date < day), sa.func.count().filter(Application.due_date == day)
        ).where(Application.status.in_(open_values), Application.due_date <= day)
    ).one()
    rows = db.session.scalars(
        sa.select(Application)
        .options(joinedload(Application.consumer))
        .where(Application.status.in_(open_values), Application.due_date <= day, Application.due_party == "staff")
        .order_by(Application.due_date, Application.id)
        .limit(10)
    ).all()
    return {
        "overdue_count": counts[0],
        "due_today_count": counts[1],
        "applications": rows,
        "expiring": about_to_expire(day, 10),
        "today": day,
    }


def about_to_expire(day: date, limit: int = 20) -> list[Application]:
    """Applications waiting for missing data whose term ends within the warning period."""
    warn = load_deadlines()["warn_before"]
    horizon = get_calendar().add_term(day, warn.amount, warn.unit)
    return db.session.scalars(
        sa.select(Application)
        .options(joinedload(Application.consumer))
        .where(Application.status == S.needs_info.value, Application.due_date <= horizon)
        .order_by(Application.due_date, Application.id)
        .limit(limit)
    ).all()


def document_kinds(app: Application) -> set[str]:
    if app.id is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(ApplicationDocument.kind).where(ApplicationDocument.application_id == app.id).distinct()
        )
    )
