"""The rules of appeals: registration with a number and a due date, the one function that
changes a status (with its history and the consumer's notification), the thread, the
answer terms and their recomputation. Services flush; the route commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from app.appeals.models import (
    OPEN_STATUSES,
    AnswerChannel,
    Appeal,
    AppealEvent,
    AppealFile,
    AppealKind,
    AppealMessage,
    AppealStatus,
    AppealTerm,
    AppealTopic,
    MessageKind,
    ReceivedVia,
    is_supply_complaint,
)
from app.audit.services import record
from app.auth.models import ApplicantType, User
from app.core.clock import now, to_local
from app.core.numbering import format_number, next_number
from app.core.storage import StagedFile, UploadRules, stage_uploads, store_staged
from app.core.text import like_pattern, normalize_search
from app.extensions import db
from app.notifications.services import notify
from app.office.forms import enum_choice
from app.workdays.services import Term, WorkCalendar, get_calendar, on_calendar_change

#: The longest appeal or clarification, in characters (a long letter: about three pages).
MAX_TEXT = 5000
#: Staff answers may be longer.
MAX_ANSWER = 20000
MAX_REASON = 2000
#: Files in one submission (the appeal, a clarification, an answer), each up to 5 MB.
MAX_FILES = 5
UPLOAD_RULES = UploadRules(max_bytes=5 * 1024 * 1024)
#: "Due soon" in the office: the answer is due within this many calendar days.
DUE_SOON_DAYS = 3

SERIES = "appeal"
PREFIX = "ОБ"


class AppealError(ValueError):
    """A refused action; the message is Russian and safe to show."""


class TransitionError(AppealError):
    pass


# --- answer terms ------------------------------------------------------------------------------

DEFAULT_TERM = Term(30, "d")
#: Decree 442 as amended by Decree 55: a complaint about the quality of supply, 15 working days.
DEFAULT_TERMS: dict[tuple[str, str], Term] = {
    (AppealKind.complaint.value, AppealTopic.quality.value): Term(15, "wd"),
}


def default_term(kind: str, topic: str) -> Term:
    return DEFAULT_TERMS.get((kind, topic), DEFAULT_TERM)


def load_terms() -> dict[tuple[str, str], Term]:
    """The term of every kind and topic: the admin's rows over the defaults (one query)."""
    terms = {(k.value, t.value): default_term(k.value, t.value) for k in AppealKind for t in AppealTopic}
    for row in db.session.scalars(sa.select(AppealTerm)):
        terms[(row.kind, row.topic)] = Term(row.amount, row.unit)
    return terms


def save_terms(values: dict[tuple[str, str], Term]) -> int:
    """Store the admin's terms (a row only where it differs from the default) and
    recompute the due dates of open appeals; returns how many due dates changed."""
    rows = {(r.kind, r.topic): r for r in db.session.scalars(sa.select(AppealTerm))}
    for (kind, topic), term in values.items():
        row = rows.get((kind, topic))
        if term == default_term(kind, topic):
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(AppealTerm(kind=kind, topic=topic, amount=term.amount, unit=term.unit))
        else:
            row.amount, row.unit = term.amount, term.unit
    db.session.flush()
    return recompute_due_dates()


def due_date_for(registered_on: date, term: Term, calendar: WorkCalendar | None = None) -> date:
    """The last day of the answer term (SPEC §2.8): working days count from the next working
    day; a term in days ends on the next working day when it falls on a day off."""
    return (calendar or get_calendar()).add_term(registered_on, term.amount, term.unit)


@on_calendar_change
def recompute_due_dates() -> int:
    """Recompute the due date of every open appeal (the calendar or a term changed)."""
    terms = load_terms()
    calendar = get_calendar()
    rows = db.session.execute(
        sa.select(Appeal.id, Appeal.kind, Appeal.topic, Appeal.registered_at, Appeal.due_date, Appeal.version).where(
            Appeal.status.in_([s.value for s in OPEN_STATUSES])
        )
    ).all()
    cache: dict[tuple[date, str, str], date] = {}
    changes = []
    for row in rows:
        start = to_local(row.registered_at).date()
        key = (start, row.kind, row.topic)
        if key not in cache:
            cache[key] = due_date_for(start, terms[(row.kind, row.topic)], calendar)
        if cache[key] != row.due_date:
            changes.append({"id": row.id, "due_date": cache[key], "version": row.version + 1})
    if changes:
        db.session.execute(sa.update(Appeal), changes)
        # Loaded Appeal objects must not keep the old dates.
        for appeal in [o for o in db.session.identity_map.values() if isinstance(o, Appeal)]:
            db.session.expire(appeal, ["due_date", "version"])
    return len(changes)


# --- files -------------------------------------------------------------------------------------

#: An upload that passed the checks, written to disk and waiting for its row (app/core/storage.py).
CheckedFile = StagedFile


def check_files(uploads: Iterable[FileStorage] | None) -> tuple[list[CheckedFile], list[str]]:
    """Every upload read, recognised by content and staged, or the reasons, before the unit of
    work that records them."""
    return stage_uploads(uploads, UPLOAD_RULES, MAX_FILES)


def _attach(appeal: Appeal, message: AppealMessage | None, files: list[CheckedFile], uploaded_by: User) -> None:
    for f in files:
        stored = store_staged(f, uploaded_by.id)
        db.session.add(AppealFile(appeal_id=appeal.id, message_id=message.id if message else None, stored=stored))


# --- registration ------------------------------------------------------------------------------


@dataclass
class AppealData:
    kind: str
    topic: str
    text: str
    channel: str = AnswerChannel.cabinet.value
    postal_address: str = ""
    complainant_details: str = ""
    contract_number: str = ""
    supply_address: str = ""
    problem_date: date | None = None
    problem_time: str = ""
    demands: str = ""
    files: list[CheckedFile] = field(default_factory=list)


def data_problems(data: AppealData) -> list[str]:
    """What keeps an appeal from being registered (the forms show these next to fields)."""
    problems = []
    if data.kind not in {k.value for k in AppealKind}:
        problems.append("Выберите вид обращения.")
    if data.topic not in {t.value for t in AppealTopic}:
        problems.append("Выберите тему обращения.")
    if data.channel not in {c.value for c in AnswerChannel}:
        problems.append("Выберите, как получить ответ.")
    if not data.text.strip():
        problems.append("Опишите суть обращения.")
    elif len(data.text) > MAX_TEXT:
        problems.append(f"Текст обращения длиннее {MAX_TEXT} символов.")
    if data.channel == AnswerChannel.post.value and not data.postal_address.strip():
        problems.append("Укажите почтовый адрес для ответа.")
    if is_supply_complaint(data.kind, data.topic):
        if not data.complainant_details.strip():
            problems.append("Укажите сведения о потребителе.")
        if not data.supply_address.strip():
            problems.append("Укажите адрес энергопринимающих устройств.")
        if data.problem_date is None:
            problems.append("Укажите, когда возникла проблема.")
        if not data.demands.strip():
            problems.append("Укажите ваши требования.")
    if len(data.files) > MAX_FILES:
        problems.append(f"Можно приложить не больше {MAX_FILES} файлов.")
    return problems


def identity_details(user: User) -> str:
    """What Decree 442 asks as the complainant's identity, prefilled from the account."""
    if user.applicant_type == ApplicantType.legal.value:
        return f"{user.org_name}, ИНН {user.inn}, ОГРН {user.ogrn}; представитель {user.person_name}"
    if user.applicant_type == ApplicantType.entrepreneur.value:
        return f"ИП {user.person_name}, ИНН {user.inn}, ОГРНИП {user.ogrn}"
    return user.person_name


def register_appeal(
    consumer: User,
    data: AppealData,
    *,
    received_via: str = ReceivedVia.website.value,
    registered_by: User | None = None,
) -> Appeal:
    """Give the appeal its number, date and due date, store its files, tell the consumer."""
    if not consumer.is_consumer:
        raise AppealError("Обращение можно подать только от имени заявителя.")
    if received_via not in {r.value for r in ReceivedVia}:
        raise AppealError("Укажите, как поступило обращение.")
    problems = data_problems(data)
    if problems:
        raise AppealError(" ".join(problems))
    moment = now()
    day = to_local(moment).date()
    number = format_number(PREFIX, day.year, next_number(SERIES, day.year))
    supply = is_supply_complaint(data.kind, data.topic)
    appeal = Appeal(
        number=number,
        consumer_id=consumer.id,
        kind=data.kind,
        topic=data.topic,
        channel=data.channel,
        received_via=received_via,
        text=data.text.strip(),
        postal_address=data.postal_address.strip() if data.channel == AnswerChannel.post.value else "",
        complainant_details=data.complainant_details.strip() if supply else "",
        contract_number=data.contract_number.strip() if supply else "",
        supply_address=data.supply_address.strip() if supply else "",
        problem_date=data.problem_date if supply else None,
        problem_time=data.problem_time.strip() if supply else "",
        demands=data.demands.strip() if supply else "",
        status=AppealStatus.registered.value,
        registered_at=moment,
        due_date=due_date_for(day, load_terms()[(data.kind, data.topic)]),
        registered_by_id=registered_by.id if registered_by else None,
        search_text=normalize_search(number, consumer.display_name, consumer.person_name, consumer.email),
        version=1,
    )
    db.session.add(appeal)
    db.session.flush()
    _attach(appeal, None, data.files, registered_by or consumer)
    actor = registered_by or consumer
    db.session.add(
        AppealEvent(
            appeal_id=appeal.id,
            at=moment,
            actor_id=actor.id,
            from_status=None,
            to_status=AppealStatus.registered.value,
            comment=ReceivedVia(received_via).label,
        )
    )
    notify(
        consumer,
        "appeal_status",
        f"Обращение {number} зарегистрировано",
        f"Ответ будет дан не позднее {appeal.due_date:%d.%m.%Y}.",
        appeal.link,
    )
    record("appeal.registered", appeal, actor=actor, received_via=received_via, kind=data.kind, topic=data.topic)
    return appeal


# --- status ------------------------------------------------------------------------------------

#: Every allowed change and who may make it. Nothing else changes a status.
TRANSITIONS: dict[tuple[AppealStatus, AppealStatus], str] = {
    (AppealStatus.registered, AppealStatus.in_progress): "staff",
    (AppealStatus.registered, AppealStatus.answered): "staff",
    (AppealStatus.in_progress, AppealStatus.answered): "staff",
    (AppealStatus.registered, AppealStatus.declined): "staff",
    (AppealStatus.in_progress, AppealStatus.declined): "staff",
    (AppealStatus.answered, AppealStatus.closed): "staff",
}


def can_change(current: str, to: str, actor_is_staff: bool) -> bool:
    who = TRANSITIONS.get((AppealStatus(current), AppealStatus(to)))
    return who is not None and (who != "staff" or actor_is_staff)


def next_statuses(current: str, actor_is_staff: bool = True) -> list[AppealStatus]:
    return [to for (frm, to) in TRANSITIONS if frm.value == current and can_change(current, to.value, actor_is_staff)]


def _consumer_of(appeal: Appeal) -> User:
    return db.session.get(User, appeal.consumer_id)


def change_status(
    appeal: Appeal, to: str, actor: User, *, comment: str = "", answer: AppealMessage | None = None
) -> AppealEvent:
    """The only code that changes an appeal's status: checks the transition, writes the
    history, tells the consumer (and mails the answer when the channel is email)."""
    current, target = appeal.status_enum, AppealStatus(to)
    if not can_change(current.value, target.value, actor.is_staff):
        raise TransitionError(f"Обращение в статусе «{current.label}» нельзя перевести в статус «{target.label}».")
    comment = comment.strip()
    if target is AppealStatus.declined and not comment:
        raise AppealError("Укажите причину, по которой обращение остаётся без ответа по существу.")
    if target is AppealStatus.answered and answer is None:
        raise AppealError("Ответ не может быть пустым.")
    moment = now()
    appeal.status = target.value
    appeal.version += 1
    if target is AppealStatus.answered:
        appeal.answered_at = moment
    if target in (AppealStatus.closed, AppealStatus.declined):
        appeal.closed_at = moment
    if target is AppealStatus.declined:
        appeal.decline_reason = comment
    event = AppealEvent(
        appeal_id=appeal.id,
        at=moment,
        actor_id=actor.id,
        from_status=current.value,
        to_status=target.value,
        comment=comment[:2000],
    )
    db.session.add(event)
    _tell_consumer(appeal, target, comment, answer)
    record(f"appeal.{target.value}", appeal, actor=actor, from_status=current.value)
    return event


def _tell_consumer(appeal: Appeal, status: AppealStatus, comment: str, answer: AppealMessage | None) -> None:
    consumer = _consumer_of(appeal)
    n = appeal.number
    if status is AppealStatus.in_progress:
        notify(
            consumer,
            "appeal_status",
            f"Обращение {n} принято в работу",
            f"Ответ будет дан не позднее {appeal.due_date:%d.%m.%Y}.",
            appeal.link,
        )
    elif status is AppealStatus.answered:
        body = "Ответ можно прочитать в личном кабинете."
        if appeal.channel == AnswerChannel.post.value:
            body += f" Письмо с ответом будет отправлено по адресу: {appeal.postal_address}."
        by_email = appeal.channel == AnswerChannel.email.value
        # The email channel gets the answer itself by mail, whatever the preference; the
        # notification then sends no mail of its own, so nothing arrives twice.
        notify(
            consumer,
            "appeal_status",
            f"Получен ответ на обращение {n}",
            body,
            appeal.link,
            mail=False if by_email else None,
        )
        if by_email:
            from app.mail.services import queue_mail

            files = db.session.scalars(
                sa.select(AppealFile).options(joinedload(AppealFile.stored)).where(AppealFile.message_id == answer.id)
            ).all()
            queue_mail(
                consumer.email,
                "appeal_answer",
                f"Ответ на обращение {n}",
                appeal=appeal,
                answer=answer,
                files=files,
                user=consumer,
            )
    elif status is AppealStatus.closed:
        notify(consumer, "appeal_status", f"Обращение {n} закрыто", "", appeal.link)
    elif status is AppealStatus.declined:
        notify(
            consumer,
            "appeal_status",
            f"Обращение {n} оставлено без ответа по существу",
            f"Причина: {comment}",
            appeal.link,
        )


def take_into_work(appeal: Appeal, actor: User) -> AppealEvent:
    return change_status(appeal, AppealStatus.in_progress.value, actor)


def answer_appeal(appeal: Appeal, actor: User, text: str, files: list[CheckedFile] = ()) -> AppealMessage:
    """Staff answer on the merits, with files: the appeal becomes «answered»."""
    text = text.strip()
    if not text:
        raise AppealError("Напишите текст ответа.")
    if len(text) > MAX_ANSWER:
        raise AppealError(f"Ответ длиннее {MAX_ANSWER} символов.")
    if not can_change(appeal.status, AppealStatus.answered.value, actor.is_staff):
        raise TransitionError(f"На обращение в статусе «{appeal.status_enum.label}» ответить нельзя.")
    message = AppealMessage(
        appeal_id=appeal.id, author_id=actor.id, kind=MessageKind.answer.value, text=text, created_at=now()
    )
    db.session.add(message)
    db.session.flush()
    _attach(appeal, message, list(files), actor)
    change_status(appeal, AppealStatus.answered.value, actor, answer=message)
    return message


def decline_appeal(appeal: Appeal, actor: User, reason: str) -> AppealEvent:
    return change_status(appeal, AppealStatus.declined.value, actor, comment=reason)


def close_appeal(appeal: Appeal, actor: User) -> AppealEvent:
    return change_status(appeal, AppealStatus.closed.value, actor)


# --- the thread and assignment -----------------------------------------------------------------


def add_clarification(appeal: Appeal, consumer: User, text: str, files: list[CheckedFile] = ()) -> AppealMessage:
    """The consumer adds to their own appeal while it is open."""
    if appeal.consumer_id != consumer.id:
        raise AppealError("Это не ваше обращение.")
    if not appeal.is_open:
        raise AppealError("Обращение уже рассмотрено: дополнить его нельзя. Подайте новое обращение.")
    text = text.strip()
    if not text:
        raise AppealError("Напишите текст уточнения.")
    if len(text) > MAX_TEXT:
        raise AppealError(f"Уточнение длиннее {MAX_TEXT} символов.")
    message = AppealMessage(
        appeal_id=appeal.id, author_id=consumer.id, kind=MessageKind.clarification.value, text=text, created_at=now()
    )
    db.session.add(message)
    db.session.flush()
    _attach(appeal, message, list(files), consumer)
    appeal.version += 1
    record("appeal.clarification", appeal, actor=consumer, files=len(files))
    return message


def add_note(appeal: Appeal, actor: User, text: str) -> AppealMessage:
    """An internal note: staff only, never shown to the consumer."""
    if not actor.is_staff:
        raise AppealError("Заметки ведут только сотрудники.")
    text = text.strip()
    if not text:
        raise AppealError("Напишите текст заметки.")
    if len(text) > MAX_TEXT:
        raise AppealError(f"Заметка длиннее {MAX_TEXT} символов.")
    message = AppealMessage(
        appeal_id=appeal.id, author_id=actor.id, kind=MessageKind.note.value, text=text, created_at=now()
    )
    db.session.add(message)
    record("appeal.note", appeal, actor=actor)
    return message


def assign(appeal: Appeal, assignee: User | None, actor: User) -> None:
    if assignee is not None and not assignee.is_staff:
        raise AppealError("Назначить обращение можно только сотруднику.")
    appeal.assigned_to_id = assignee.id if assignee else None
    record("appeal.assigned", appeal, actor=actor, assignee_id=assignee.id if assignee else None)


# --- reading -----------------------------------------------------------------------------------


def get_own_appeal(appeal_id: int, consumer: User) -> Appeal | None:
    """Ownership first: another consumer's appeal is simply not found."""
    return db.session.scalar(sa.select(Appeal).where(Appeal.id == appeal_id, Appeal.consumer_id == consumer.id))


def thread(appeal: Appeal, *, internal: bool) -> tuple[list[AppealMessage], dict[int | None, list[AppealFile]]]:
    """The messages (with their authors) and the files by message id (None: filed with the
    appeal); the consumer's view leaves internal notes out. Two queries."""
    query = (
        sa.select(AppealMessage).options(joinedload(AppealMessage.author)).where(AppealMessage.appeal_id == appeal.id)
    )
    if not internal:
        query = query.where(AppealMessage.kind != MessageKind.note.value)
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
    answers = [m for m in messages if m.kind == MessageKind.answer.value]
    return answers[-1] if answers else None


# --- the office queue --------------------------------------------------------------------------


@dataclass
class QueueFilters:
    """The queue's GET parameters, cleaned: anything unknown is ignored."""

    status: str = "open"
    kind: str = ""
    topic: str = ""
    channel: str = ""
    overdue: bool = False
    due_soon: bool = False
    mine: bool = False
    q: str = ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        q = (args.get("q") or "").strip()[:100]
        # With no status chosen, the queue shows open appeals; a search looks everywhere.
        status = args.get("status", "all" if q else "open")
        statuses = {s.value for s in AppealStatus} | {"open", "all"}
        return cls(
            status=status if status in statuses else "open",
            kind=enum_choice(args.get("kind"), AppealKind),
            topic=enum_choice(args.get("topic"), AppealTopic),
            channel=enum_choice(args.get("channel"), AnswerChannel),
            overdue=args.get("overdue") == "y",
            due_soon=args.get("due_soon") == "y",
            mine=args.get("mine") == "y",
            q=q,
            sort=args.get("sort") if args.get("sort") in ("due", "new") else "due",
        )

    def as_args(self) -> dict[str, str]:
        """The non-default parameters, for pagination links."""
        args = {
            "status": self.status,
            "kind": self.kind,
            "topic": self.topic,
            "channel": self.channel,
            "overdue": "y" if self.overdue else "",
            "due_soon": "y" if self.due_soon else "",
            "mine": "y" if self.mine else "",
            "q": self.q,
            "sort": "" if self.sort == "due" else self.sort,
        }
        return {k: v for k, v in args.items() if v}


def queue_query(filters: QueueFilters, user: User, today: date) -> sa.Select:
    """The appeals the filters select, with their consumer and assignee (one query)."""
    open_values = [s.value for s in OPEN_STATUSES]
    query = sa.select(Appeal).options(joinedload(Appeal.consumer), joinedload(Appeal.assigned_to))
    if filters.status == "open":
        query = query.where(Appeal.status.in_(open_values))
    elif filters.status != "all":
        query = query.where(Appeal.status == filters.status)
    if filters.kind:
        query = query.where(Appeal.kind == filters.kind)
    if filters.topic:
        query = query.where(Appeal.topic == filters.topic)
    if filters.channel:
        query = query.where(Appeal.channel == filters.channel)
    if filters.overdue:
        query = query.where(Appeal.status.in_(open_values), Appeal.due_date < today)
    if filters.due_soon:
        query = query.where(
            Appeal.status.in_(open_values),
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


def dashboard_numbers(today: date) -> dict:
    """The office dashboard: how many open appeals are overdue and due today, and the first
    of them (two queries)."""
    open_values = [s.value for s in OPEN_STATUSES]
    counts = db.session.execute(
        sa.select(
            sa.func.count().filter(Appeal.due_date < today),
            sa.func.count().filter(Appeal.due_date == today),
        ).where(Appeal.status.in_(open_values), Appeal.due_date <= today)
    ).one()
    rows = db.session.scalars(
        sa.select(Appeal)
        .options(joinedload(Appeal.consumer))
        .where(Appeal.status.in_(open_values), Appeal.due_date <= today)
        .order_by(Appeal.due_date, Appeal.id)
        .limit(10)
    ).all()
    return {"overdue_count": counts[0], "due_today_count": counts[1], "appeals": rows, "today": today}
