"""Every write of appeals: registration with a number and a due date, the one function that
changes a status (with its history, the consumer's notification and the answer by mail), the
thread and assignment. Operations flush; the route commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from app.appeals.deadlines import due_date_for, load_terms, max_extension_days
from app.appeals.models import (
    AnswerChannel,
    Appeal,
    AppealEvent,
    AppealFile,
    AppealKind,
    AppealMessage,
    AppealStatus,
    AppealTopic,
    MessageKind,
    ReceivedVia,
    is_supply_complaint,
)
from app.appeals.rules import (
    MAX_ANSWER,
    MAX_FILES,
    MAX_TEXT,
    NOT_ONE_OF_YOURS,
    UPLOAD_RULES,
    AppealData,
    AppealError,
    CheckedFile,
    TransitionError,
    can_change,
    data_problems,
    extension_ground,
    extension_problems,
)
from app.applications.queries import submitted_choices
from app.audit.services import record
from app.auth.models import User
from app.core.clock import now, to_local, today
from app.core.numbering import format_number, next_number
from app.core.storage import stage_uploads, store_staged
from app.core.templating import format_date
from app.core.text import normalize_search
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications.services import notify
from app.workdays.services import get_calendar

SERIES = "appeal"
PREFIX = "ОБ"


# --- files -------------------------------------------------------------------------------------


def check_files(uploads: Iterable[FileStorage] | None) -> tuple[list[CheckedFile], list[str]]:
    """Every upload read, recognised by content and staged, or the reasons, before the unit of
    work that records them."""
    return stage_uploads(uploads, UPLOAD_RULES, MAX_FILES)


def _attach(appeal: Appeal, message: AppealMessage | None, files: list[CheckedFile], uploaded_by: User) -> None:
    for f in files:
        stored = store_staged(f, uploaded_by.id)
        db.session.add(AppealFile(appeal_id=appeal.id, message_id=message.id if message else None, stored=stored))


# --- registration ------------------------------------------------------------------------------


def register_appeal(
    consumer: User,
    data: AppealData,
    *,
    received_via: str = ReceivedVia.website,
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
    if data.application_id is not None and data.application_id not in dict(submitted_choices(consumer)):
        raise AppealError(NOT_ONE_OF_YOURS)
    moment = now()
    actor = registered_by or consumer
    appeal = _new_appeal(consumer, data, ReceivedVia(received_via), registered_by, moment)
    db.session.add(appeal)
    db.session.flush()
    _attach(appeal, None, data.files, actor)
    db.session.add(
        AppealEvent(
            appeal_id=appeal.id,
            at=moment,
            actor_id=actor.id,
            from_status=None,
            to_status=AppealStatus.registered,
            comment=appeal.received_via.label,
        )
    )
    notify(consumer, "appeal_status", f"Обращение {appeal.number} зарегистрировано", _due_line(appeal), appeal.link)
    record("appeal.registered", appeal, actor=actor, received_via=received_via, kind=data.kind, topic=data.topic)
    return appeal


def _new_appeal(
    consumer: User, data: AppealData, received_via: ReceivedVia, registered_by: User | None, moment: datetime
) -> Appeal:
    """The appeal as registered: its number, its due date, and the fields of Decree 442 only for
    a complaint about the quality of supply."""
    day = to_local(moment).date()
    number = format_number(PREFIX, day.year, next_number(SERIES, day.year))
    kind, topic, channel = AppealKind(data.kind), AppealTopic(data.topic), AnswerChannel(data.channel)
    supply = is_supply_complaint(kind, topic)
    return Appeal(
        number=number,
        consumer_id=consumer.id,
        kind=kind,
        topic=topic,
        channel=channel,
        received_via=received_via,
        text=data.text.strip(),
        postal_address=data.postal_address.strip() if channel is AnswerChannel.post else "",
        complainant_details=data.complainant_details.strip() if supply else "",
        contract_number=data.contract_number.strip() if supply else "",
        supply_address=data.supply_address.strip() if supply else "",
        problem_date=data.problem_date if supply else None,
        problem_time=data.problem_time.strip() if supply else "",
        demands=data.demands.strip() if supply else "",
        status=AppealStatus.registered,
        registered_at=moment,
        due_date=due_date_for(day, load_terms()[(kind, topic)]),
        registered_by_id=registered_by.id if registered_by else None,
        application_id=data.application_id,
        search_text=normalize_search(number, consumer.display_name, consumer.person_name, consumer.email),
        version=1,
    )


def _due_line(appeal: Appeal) -> str:
    return f"Ответ будет дан не позднее {format_date(appeal.due_date)}."


# --- status ------------------------------------------------------------------------------------


def _consumer_of(appeal: Appeal) -> User:
    return db.session.get(User, appeal.consumer_id)


def change_status(
    appeal: Appeal, to: str, actor: User, *, comment: str = "", answer: AppealMessage | None = None
) -> AppealEvent:
    """The only code that changes an appeal's status: checks the transition, writes the
    history, tells the consumer (and mails the answer when the channel is email)."""
    current, target = appeal.status, AppealStatus(to)
    if not can_change(current.value, target.value, actor.is_staff):
        raise TransitionError(f"Обращение в статусе «{current.label}» нельзя перевести в статус «{target.label}».")
    comment = comment.strip()
    if target is AppealStatus.declined and not comment:
        raise AppealError("Укажите причину, по которой обращение остаётся без ответа по существу.")
    if target is AppealStatus.answered and answer is None:
        raise AppealError("Ответ не может быть пустым.")
    moment = now()
    appeal.status = target
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
        from_status=current,
        to_status=target,
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
            _due_line(appeal),
            appeal.link,
        )
    elif status is AppealStatus.answered:
        body = "Ответ можно прочитать в личном кабинете."
        if appeal.channel is AnswerChannel.post:
            body += f" Письмо с ответом будет отправлено по адресу: {appeal.postal_address}."
        by_email = appeal.channel is AnswerChannel.email
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


# --- extension of the answer term --------------------------------------------------------------


def extend_term(appeal: Appeal, actor: User, days: int | None, ground: str | None, comment: str) -> AppealEvent:
    """Staff extend the answer term once, while the appeal is open and before its due date has
    passed, by working days up to the configured maximum, on a ground of the rules: the due date
    moves, the history records it, the consumer is told by a notification and a mail."""
    if not actor.is_staff:
        raise AppealError("Продлить срок ответа может только сотрудник.")
    problems = extension_problems(
        is_open=appeal.is_open,
        already_extended=appeal.is_extended,
        due_date=appeal.due_date,
        today=today(),
        days=days,
        ground=ground,
        comment=comment,
        max_days=max_extension_days(),
    )
    if problems:
        raise AppealError(" ".join(problems))
    comment = comment.strip()
    new_due = get_calendar().add_working_days(appeal.due_date, days)
    old_due = appeal.due_date
    appeal.extension_days, appeal.extension_ground, appeal.extension_comment = days, ground, comment
    appeal.due_date = new_due
    appeal.version += 1
    label = extension_ground(ground).label
    event = AppealEvent(
        appeal_id=appeal.id,
        at=now(),
        actor_id=actor.id,
        from_status=appeal.status,
        to_status=appeal.status,
        extended_to=new_due,
        comment=f"{label}. {comment}"[:2000],
    )
    db.session.add(event)
    # The consumer must be told of an extension: the mail goes whatever the preference.
    notify(
        _consumer_of(appeal),
        "appeal_status",
        f"Срок ответа на обращение {appeal.number} продлён до {format_date(new_due)}: {label.lower()}",
        f"Ответ будет дан не позднее {format_date(new_due)} (прежний срок — {format_date(old_due)}). "
        f"Основание: {label.lower()}.",
        appeal.link,
        mail=True,
    )
    record("appeal.extended", appeal, actor=actor, days=days, ground=ground)
    db.session.flush()
    return event


def take_into_work(appeal: Appeal, actor: User) -> AppealEvent:
    return change_status(appeal, AppealStatus.in_progress, actor)


def answer_appeal(appeal: Appeal, actor: User, text: str, files: list[CheckedFile] = ()) -> AppealMessage:
    """Staff answer on the merits, with files: the appeal becomes «answered»."""
    text = text.strip()
    if not text:
        raise AppealError("Напишите текст ответа.")
    if len(text) > MAX_ANSWER:
        raise AppealError(f"Ответ длиннее {MAX_ANSWER} символов.")
    if not can_change(appeal.status, AppealStatus.answered, actor.is_staff):
        raise TransitionError(f"На обращение в статусе «{appeal.status.label}» ответить нельзя.")
    message = AppealMessage(
        appeal_id=appeal.id, author_id=actor.id, kind=MessageKind.answer, text=text, created_at=now()
    )
    db.session.add(message)
    db.session.flush()
    _attach(appeal, message, list(files), actor)
    change_status(appeal, AppealStatus.answered, actor, answer=message)
    return message


def decline_appeal(appeal: Appeal, actor: User, reason: str) -> AppealEvent:
    return change_status(appeal, AppealStatus.declined, actor, comment=reason)


def close_appeal(appeal: Appeal, actor: User) -> AppealEvent:
    return change_status(appeal, AppealStatus.closed, actor)


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
        appeal_id=appeal.id, author_id=consumer.id, kind=MessageKind.clarification, text=text, created_at=now()
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
    message = AppealMessage(appeal_id=appeal.id, author_id=actor.id, kind=MessageKind.note, text=text, created_at=now())
    db.session.add(message)
    record("appeal.note", appeal, actor=actor)
    return message


def assign(appeal: Appeal, assignee: User | None, actor: User) -> None:
    if assignee is not None and not assignee.is_staff:
        raise AppealError("Назначить обращение можно только сотруднику.")
    appeal.assigned_to_id = assignee.id if assignee else None
    record("appeal.assigned", appeal, actor=actor, assignee_id=assignee.id if assignee else None)


#: Outgoing letters: their own gap-free series per year (ИСХ-2026-000001).
LETTER_SERIES = "letter"
LETTER_PREFIX = "ИСХ"


def number_letter(answer: AppealMessage, actor: User | None) -> AppealMessage:
    """Give the answer its outgoing number and the letter's date when it is first printed
    as a paper letter; printing it again prints the same. We number at printing, not at
    answering: only answers that leave as letters take numbers, so the series has no gaps
    of answers never sent on paper. The message row is locked first, so two first prints at
    once take one number (the second waits and finds it)."""
    message = db.session.get(AppealMessage, answer.id, with_for_update=True, populate_existing=True)
    if message.letter_number is None:
        day = today()
        message.letter_number = format_number(LETTER_PREFIX, day.year, next_number(LETTER_SERIES, day.year))
        message.letter_date = day
        db.session.flush()
        appeal = db.session.get(Appeal, message.appeal_id)
        record("appeal.letter_numbered", appeal, actor=actor, letter=message.letter_number)
    return message
