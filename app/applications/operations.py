"""Every write of grid-connection applications (SPEC §2.2): saving and submitting with a
gap-free number, the one function that changes a status (history, notification, audit),
the applicant's and the staff's actions, the daily expiry, the admin's deadlines. They
flush; the route commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.applications.deadlines import DEFAULT_DEADLINES, annulment_now, load_deadlines, refresh_due
from app.applications.enums import OPEN_STATUSES
from app.applications.models import (
    AnnulmentGround,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    LoadCharacter,
    StageDeadline,
)
from app.applications.queries import document_kinds
from app.applications.rules import (
    MAX_TEXT,
    ApplicationData,
    ApplicationDataError,
    ApplicationError,
    TransitionError,
    can_change,
    data_problems,
    group_of,
    signed_upload_problem,
)
from app.applications.uploads import CheckedFile, add_generated, attach_files, check_total_size
from app.audit.services import record
from app.auth.models import ApplicantType, User
from app.connection.rules import derive_category
from app.core import signals
from app.core.clock import now, to_local
from app.core.numbering import format_number, next_number
from app.core.templating import format_date
from app.core.text import normalize_search
from app.extensions import db
from app.notifications.services import notify
from app.workdays.services import Term, on_calendar_change, term_label

SERIES = "application"
PREFIX = "ТП"


S = ApplicationStatus


def save_deadlines(values: dict[str, Term]) -> int:
    """Store the admin's deadlines (a row only where one differs from the default) and
    recompute the due dates of open applications; returns how many changed."""
    rows = {r.code: r for r in db.session.scalars(sa.select(StageDeadline))}
    for code, term in values.items():
        if code not in DEFAULT_DEADLINES:
            continue
        row = rows.get(code)
        if term == DEFAULT_DEADLINES[code]:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(StageDeadline(code=code, amount=term.amount, unit=term.unit))
        else:
            row.amount, row.unit = term.amount, term.unit
    db.session.flush()
    return recompute_due_dates()


@on_calendar_change
def recompute_due_dates() -> int:
    """Recompute the due date of every open application (the calendar or a deadline changed)."""
    terms = load_deadlines()
    changed = 0
    for start in range(0, 10**9, 1000):
        rows = db.session.scalars(
            sa.select(Application)
            .where(Application.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Application.id)
            .offset(start)
            .limit(1000)
        ).all()
        for app in rows:
            before = (app.due_date, app.due_label)
            refresh_due(app, terms)
            if (app.due_date, app.due_label) != before:
                app.version += 1
                changed += 1
        if len(rows) < 1000:
            break
    db.session.flush()
    return changed


def _apply(app: Application, data: ApplicationData, applicant_type: str) -> None:
    for name in (
        "object_name",
        "object_settlement",
        "object_street",
        "object_house",
        "object_address_extra",
        "cadastral_number",
        "supplier",
        "stages",
    ):
        setattr(app, name, (getattr(data, name) or "").strip())
    app.kind = data.kind or ApplicationKind.new.value
    app.power_kw = data.power_kw
    app.existing_power_kw = data.existing_power_kw or Decimal("0")
    app.voltage_kv = data.voltage_kv
    app.reliability = data.reliability or 3
    app.load_character = data.load_character or LoadCharacter.household.value
    app.connection_points = data.connection_points or 1
    app.commissioning_date = data.commissioning_date
    app.preferential = bool(data.preferential)
    individual = applicant_type == ApplicantType.individual.value
    app.passport_series = data.passport_series if individual else ""
    app.passport_number = data.passport_number if individual else ""
    app.passport_issued_by = data.passport_issued_by if individual else ""
    app.passport_issued_on = data.passport_issued_on if individual else None
    app.applicant_type = applicant_type
    app.generation = bool(data.generation)
    temporary = app.kind == ApplicationKind.temporary.value
    app.mobile_devices = bool(data.mobile_devices) and temporary
    app.requested_term_wd = data.requested_term_wd if temporary else None
    app.partnership_members = data.partnership_members if applicant_type == ApplicantType.legal.value else None
    if data.power_kw is None:
        app.category = app.applicant_group = app.procedure = None
        return
    app.category = derive_category(applicant_type, data.power_kw, app.kind, app.load_character).value
    group = group_of(app)
    app.applicant_group, app.procedure = group.value, group.procedure.value


def _search_text(app: Application, consumer: User) -> str:
    return normalize_search(
        app.number or "",
        consumer.display_name,
        consumer.person_name,
        consumer.email,
        app.object_settlement,
        app.object_street,
    )


def save_application(
    consumer: User,
    data: ApplicationData,
    *,
    submit: bool,
    app: Application | None = None,
    created_by: User | None = None,
) -> Application:
    """Create or update the consumer's draft with `data` and its files; with `submit`, also
    submit it. Raises ApplicationError (a Russian message) when the data or the files are
    refused; then nothing is written, files included (the route rolls back)."""
    if not consumer.is_consumer:
        raise ApplicationError("Заявку можно подать только от имени заявителя.")
    if app is not None and (app.consumer_id != consumer.id or not app.is_draft):
        raise TransitionError("Изменять можно только свой черновик.")
    kinds = document_kinds(app) if app is not None else set()
    problems = data_problems(data, consumer.applicant_type or "", submitting=submit, existing_kinds=kinds)
    if problems:
        raise ApplicationDataError(problems)
    check_total_size(app, data.files)
    moment = now()
    if app is None:
        app = Application(
            consumer_id=consumer.id,
            status=ApplicationStatus.draft.value,
            created_at=moment,
            created_by_id=created_by.id if created_by else None,
            version=1,
            offer_inputs={},
        )
        db.session.add(app)
    _apply(app, data, consumer.applicant_type or ApplicantType.individual.value)
    app.updated_at = moment
    app.search_text = _search_text(app, consumer)
    db.session.flush()
    attach_files(app, data.files, created_by or consumer)
    if submit:
        submit_application(app, created_by or consumer)
    else:
        record("application.draft_saved", app, actor=created_by or consumer)
    return app


def submit_application(app: Application, actor: User) -> ApplicationEvent:
    """Give the draft its number and date, generate the application as submitted, start the
    completeness check."""
    if not app.is_draft:
        raise TransitionError("Заявка уже подана.")
    moment = now()
    day = to_local(moment).date()
    app.number = format_number(PREFIX, day.year, next_number(SERIES, day.year))
    app.submitted_at = moment
    consumer = db.session.get(User, app.consumer_id)
    app.search_text = _search_text(app, consumer)
    event = change_status(
        app,
        ApplicationStatus.submitted.value,
        actor,
        comment="Подана через личный кабинет" if actor.id == app.consumer_id else "Принята в офисе",
    )
    from app.applications import pdf

    # It prints the number, which exists only inside the unit of work (docs/architecture.md).
    add_generated(
        app, DocumentKind.application_form, pdf.application_form(app, consumer), event, f"Заявка {app.number}.pdf"
    )
    signals.application_submitted.send(app, consumer=consumer)
    return event


def delete_draft(app: Application, consumer: User) -> None:
    from app.core.storage import delete_stored_file

    if app.consumer_id != consumer.id or not app.is_draft:
        raise TransitionError("Удалить можно только свой черновик.")
    docs = db.session.scalars(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.application_id == app.id)
    ).all()
    for doc in docs:
        stored = doc.stored
        db.session.delete(doc)
        db.session.flush()
        delete_stored_file(stored)
    db.session.delete(app)
    record("application.draft_deleted", None, actor=consumer, application_id=app.id)


def delete_draft_document(app: Application, doc_id: int, consumer: User) -> None:
    from app.core.storage import delete_stored_file

    if app.consumer_id != consumer.id or not app.is_draft:
        raise TransitionError("Файлы можно убрать только из черновика.")
    doc = db.session.scalar(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.id == doc_id, ApplicationDocument.application_id == app.id)
    )
    if doc is None:
        raise ApplicationError("Такого файла в черновике нет.")
    stored = doc.stored
    db.session.delete(doc)
    db.session.flush()
    delete_stored_file(stored)


#: What the consumer is told when the application reaches a status.
STATUS_NEWS = {
    S.submitted: ("Заявка {n} зарегистрирована", "Мы проверим сведения и направим документы в установленный срок."),
    S.needs_info: ("По заявке {n} нужны сведения", "Сетевая организация просит дополнить заявку: {comment}"),
    S.offer_sent: ("По заявке {n} размещены документы", "{offer}"),
    S.contract_concluded: ("По заявке {n} заключён договор", "Срок выполнения мероприятий: {term}."),
    S.in_progress: (
        "По заявке {n} начато выполнение мероприятий",
        "Выполните технические условия со своей стороны и уведомите об этом в личном кабинете.",
    ),
    S.tu_fulfilled: ("Уведомление о выполнении ТУ по заявке {n} получено", "Мы проверим выполнение ТУ."),
    S.connected: ("Присоединение по заявке {n} выполнено", "Акты будут размещены в личном кабинете."),
    S.completed: (
        "Заявка {n} исполнена",
        "Итоговые документы можно скачать в личном кабинете. Оцените, пожалуйста, качество обслуживания.",
    ),
    S.withdrawn: ("Заявка {n} отозвана", "{comment}"),
    S.annulled: ("Заявка {n} аннулирована", "Основание: {ground}. {comment}"),
}

#: Remarks on the fulfilment of the ТУ (tu_fulfilled → in_progress): the applicant must read them.
REWORK_NEWS = (
    "По заявке {n} есть замечания к выполнению ТУ",
    "Замечания сетевой организации: {comment} Устраните их и снова уведомите о выполнении ТУ.",
)


#: The missing data came (needs_info → submitted): the application was registered already.
RESUBMITTED_NEWS = (
    "Сведения по заявке {n} получены",
    "Заявка снова на проверке. Срок рассмотрения отсчитывается со дня получения сведений.",
)


def _news(current: ApplicationStatus, target: ApplicationStatus) -> tuple[str, str] | None:
    """What the consumer is told about this step when its words differ from the status's."""
    return {(S.tu_fulfilled, S.in_progress): REWORK_NEWS, (S.needs_info, S.submitted): RESUBMITTED_NEWS}.get(
        (current, target)
    )


def change_status(
    app: Application, to: str, actor: User | None, *, comment: str = "", action: str = "status"
) -> ApplicationEvent:
    """The only code that changes an application's status: checks the table, moves the
    stage and its deadlines, writes the history, tells the consumer, writes the audit."""
    current, target = app.status_enum, ApplicationStatus(to)
    if not can_change(app, target.value, actor):
        raise TransitionError(f"Заявку в статусе «{current.label}» нельзя перевести в статус «{target.label}».")
    comment = (comment or "").strip()
    moment = now()
    app.status = target.value
    app.stage_started_at = moment
    app.version += 1
    app.updated_at = moment
    if target is S.submitted:
        app.checked_at = None
        app.info_request = "" if current is S.needs_info else app.info_request
    if target is S.needs_info:
        app.info_request = comment
    if target is S.offer_sent:
        app.signed_received_at = None  # a new draft contract waits for a new signature
    if target in (S.completed, S.withdrawn, S.annulled):
        app.completed_at = moment
    if target in (S.withdrawn, S.annulled):
        app.closing_reason = comment
    refresh_due(app)
    event = ApplicationEvent(
        application_id=app.id,
        at=moment,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=None if current is S.draft else current.value,
        to_status=target.value,
        comment=comment,
    )
    db.session.add(event)
    db.session.flush()
    _tell_consumer(app, target, comment, _news(current, target))
    record(f"application.{target.value}", app, actor=actor, from_status=current.value)
    return event


def _tell_consumer(
    app: Application, status: ApplicationStatus, comment: str, news: tuple[str, str] | None = None
) -> None:
    news = news or STATUS_NEWS.get(status)
    if news is None:
        return
    consumer = db.session.get(User, app.consumer_id)
    term = term_label(app.implementation_amount, app.implementation_unit) if app.implementation_amount else ""
    offer = (
        "Оплатите счёт: оплата означает заключение договора."
        if app.is_small
        else "Подпишите проект договора и направьте его в сетевую организацию."
    )
    title, body = news
    ground = app.annulment_ground_enum.text if status is S.annulled and app.annulment_ground else "—"
    body = body.format(comment=comment, term=term or "—", offer=offer, ground=ground)
    if app.due_date and app.due_party == "applicant":
        body += f" Срок: до {format_date(app.due_date)}."
    notify(consumer, "application_status", title.format(n=app.number), body.strip(), app.link)


def add_event(app: Application, actor: User | None, action: str, comment: str = "") -> ApplicationEvent:
    """A history row that keeps the status (a payment, an assignment, completeness confirmed)."""
    event = ApplicationEvent(
        application_id=app.id,
        at=now(),
        actor_id=actor.id if actor else None,
        action=action,
        from_status=app.status,
        to_status=app.status,
        comment=comment,
    )
    db.session.add(event)
    db.session.flush()
    return event


def need_text(text: str, message: str, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message)
    if len(text) > limit:
        raise ApplicationError(f"Текст длиннее {limit} символов.")
    return text


def require(app: Application, to: ApplicationStatus, actor: User | None) -> None:
    if not can_change(app, to.value, actor):
        raise TransitionError(f"Заявку в статусе «{app.status_enum.label}» нельзя перевести в статус «{to.label}».")


# --- the applicant's actions -------------------------------------------------------------------


def supply_info(app: Application, consumer: User, text: str, files: list[CheckedFile]) -> ApplicationEvent:
    """The applicant answers a request for missing data: the check starts again."""
    require(app, S.submitted, consumer)
    if not (text or "").strip() and not files:
        raise ApplicationError("Напишите ответ или приложите файлы.")
    if len((text or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    check_total_size(app, {"info_response": files})
    event = change_status(app, S.submitted.value, consumer, comment=text or "Файлы приложены.")
    attach_files(app, {DocumentKind.info_response.value: files}, consumer, event)
    return event


def send_signed_contract(app: Application, consumer: User, files: list[CheckedFile]) -> ApplicationEvent:
    """Above 150 kW the applicant returns the signed contract through the cabinet (instead of
    bringing it to the office): its files join the application, the office queue shows it
    waiting for confirmation, and staff confirm it (office_operations.confirm_signed_upload).
    A second upload before the confirmation adds its files and moves the date of arrival."""
    if app.consumer_id != consumer.id:
        raise TransitionError("Направить договор может только заявитель.")
    problem = signed_upload_problem(app)
    if problem:
        raise ApplicationError(problem)
    if not files:
        raise ApplicationError("Приложите подписанный договор: PDF, JPEG или PNG.")
    moment = now()
    app.signed_received_at = moment
    app.updated_at = moment
    app.version += 1
    refresh_due(app)
    event = add_event(app, consumer, "signed_upload", "Подписанный договор направлен через личный кабинет.")
    attach_files(app, {DocumentKind.signed_contract.value: files}, consumer, event)
    record("application.signed_upload", app, actor=consumer, files=len(files))
    return event


def withdraw(app: Application, consumer: User, reason: str = "") -> ApplicationEvent:
    """Before the contract is concluded the applicant may withdraw the application."""
    require(app, S.withdrawn, consumer)
    if len((reason or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    return change_status(app, S.withdrawn.value, consumer, comment=(reason or "").strip() or "Отозвана заявителем.")


def notify_fulfilment(app: Application, consumer: User, text: str, files: list[CheckedFile]) -> ApplicationEvent:
    """The applicant tells the company the ТУ are fulfilled on their side, with files."""
    require(app, S.tu_fulfilled, consumer)
    if not files:
        raise ApplicationError("Приложите документы о выполнении технических условий (например, акт или фото).")
    if len((text or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    check_total_size(app, {"tu_fulfilment": files})
    event = change_status(
        app, S.tu_fulfilled.value, consumer, comment=(text or "").strip() or "Технические условия выполнены."
    )
    attach_files(app, {DocumentKind.tu_fulfilment.value: files}, consumer, event)
    return event


# --- the staff's actions live in office_operations.py; annul is also the daily run's ---------


def annul(
    app: Application, actor: User | None, ground: str, comment: str = "", *, day: date | None = None
) -> ApplicationEvent:
    """Annul on a ground of the Rules open on `day` (today unless given; rules.ANNULMENT_RULES),
    with staff's optional comment; the consumer is told the ground and its point."""
    require(app, S.annulled, actor)
    problem = annulment_now(app, day).problem(ground)
    if problem:
        raise ApplicationError(problem)
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    app.annulment_ground = AnnulmentGround(ground).value
    event = change_status(app, S.annulled.value, actor, comment=comment)
    # The history names the ground; closing_reason keeps the comment alone.
    event.comment = f"Основание: {AnnulmentGround(ground).text}. {comment}".strip()
    return event


# --- the daily runs ----------------------------------------------------------------------------


def expire(day: date) -> list[Application]:
    """Annul every application whose term for missing data ran out before `day` (p.15 of the
    Rules: the ground `no_info`; a row whose stored due date is stale waits for its term)."""
    rows = db.session.scalars(
        sa.select(Application)
        .where(Application.status == S.needs_info.value, Application.due_date < day)
        .order_by(Application.id)
    ).all()
    annulled = []
    for app in rows:
        if annulment_now(app, day).problem(AnnulmentGround.no_info.value):
            continue
        annul(
            app,
            None,
            AnnulmentGround.no_info.value,
            f"Сведения не поступили в срок — до {format_date(app.due_date)} включительно.",
            day=day,
        )
        annulled.append(app)
    return annulled
