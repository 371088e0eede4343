"""Every write of grid-connection applications (SPEC §2.2): saving and submitting with a
gap-free number, the one function that changes a status (history, notification, audit),
the applicant's and the staff's actions, the daily expiry, the admin's deadlines. They
flush; the route commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.applications.deadlines import DEFAULT_DEADLINES, load_deadlines, local_day, refresh_due
from app.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    ApplicationNote,
    ApplicationPayment,
    ApplicationStatus,
    DocumentKind,
    LoadCharacter,
    StageDeadline,
)
from app.applications.offer import OfferDocuments, OfferInputs, prepare_offer, set_offer
from app.applications.queries import document_kinds, paid_total
from app.applications.rules import (
    MAX_TEXT,
    ApplicationData,
    ApplicationDataError,
    ApplicationError,
    TransitionError,
    can_change,
    data_problems,
)
from app.applications.uploads import CheckedFile, add_generated, attach_files, check_total_size
from app.audit.services import record
from app.auth.models import ApplicantType, User
from app.connection.rules import derive_category
from app.core.clock import now, to_local, today
from app.core.numbering import format_number, next_number
from app.core.storage import store_staged
from app.core.templating import format_money
from app.core.text import normalize_search
from app.db import Conflict
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
    app.category = (
        derive_category(applicant_type, data.power_kw, app.kind, app.load_character).value
        if data.power_kw is not None
        else None
    )


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
    _sync_addresses(consumer)
    return event


def _sync_addresses(consumer: User) -> None:
    """The object's address becomes one of «мои адреса» (planned outages there are news)."""
    try:
        from app.outages.services import sync_source_addresses
    except ImportError:  # pragma: no cover - the outages feature is part of every install
        return
    sync_source_addresses(consumer)


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
    S.annulled: ("Заявка {n} аннулирована", "Причина: {comment}"),
}

#: Remarks on the fulfilment of the ТУ (tu_fulfilled → in_progress): the applicant must read them.
REWORK_NEWS = (
    "По заявке {n} есть замечания к выполнению ТУ",
    "Замечания сетевой организации: {comment} Устраните их и снова уведомите о выполнении ТУ.",
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
    _tell_consumer(app, target, comment, REWORK_NEWS if (current, target) == (S.tu_fulfilled, S.in_progress) else None)
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
    body = body.format(comment=comment, term=term or "—", offer=offer)
    if app.due_date and app.due_party == "applicant":
        body += f" Срок: до {app.due_date:%d.%m.%Y}."
    notify(consumer, "application_status", title.format(n=app.number), body.strip(), app.link)


def _event(app: Application, actor: User | None, action: str, comment: str = "") -> ApplicationEvent:
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


def _need_text(text: str, message: str, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message)
    if len(text) > limit:
        raise ApplicationError(f"Текст длиннее {limit} символов.")
    return text


def _require(app: Application, to: ApplicationStatus, actor: User | None) -> None:
    if not can_change(app, to.value, actor):
        raise TransitionError(f"Заявку в статусе «{app.status_enum.label}» нельзя перевести в статус «{to.label}».")


# --- the applicant's actions -------------------------------------------------------------------


def supply_info(app: Application, consumer: User, text: str, files: list[CheckedFile]) -> ApplicationEvent:
    """The applicant answers a request for missing data: the check starts again."""
    _require(app, S.submitted, consumer)
    if not (text or "").strip() and not files:
        raise ApplicationError("Напишите ответ или приложите файлы.")
    if len((text or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    check_total_size(app, {"info_response": files})
    event = change_status(app, S.submitted.value, consumer, comment=text or "Файлы приложены.")
    attach_files(app, {DocumentKind.info_response.value: files}, consumer, event)
    return event


def withdraw(app: Application, consumer: User, reason: str = "") -> ApplicationEvent:
    """Before the contract is concluded the applicant may withdraw the application."""
    _require(app, S.withdrawn, consumer)
    if len((reason or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    return change_status(app, S.withdrawn.value, consumer, comment=(reason or "").strip() or "Отозвана заявителем.")


def notify_fulfilment(app: Application, consumer: User, text: str, files: list[CheckedFile]) -> ApplicationEvent:
    """The applicant tells the company the ТУ are fulfilled on their side, with files."""
    _require(app, S.tu_fulfilled, consumer)
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


# --- staff actions -----------------------------------------------------------------------------


def mark_checked(app: Application, actor: User) -> ApplicationEvent:
    """Staff confirm the application is complete: the 3-day check is met."""
    if not actor.is_staff or app.status != S.submitted.value or app.checked_at is not None:
        raise TransitionError("Подтвердить полноту сведений можно только у зарегистрированной заявки, один раз.")
    app.checked_at = now()
    app.version += 1
    refresh_due(app)
    record("application.checked", app, actor=actor)
    return _event(app, actor, "checked", "Сведения и документы полные.")


def request_info(app: Application, actor: User, text: str, files: list[CheckedFile] = ()) -> ApplicationEvent:
    _require(app, S.needs_info, actor)
    text = _need_text(text, "Напишите, каких сведений или документов не хватает.")
    event = change_status(app, S.needs_info.value, actor, comment=text)
    attach_files(app, {DocumentKind.staff_other.value: list(files)}, actor, event)
    return event


def post_offer(
    app: Application,
    actor: User,
    inputs: OfferInputs,
    technical_conditions: list[CheckedFile],
    other_files: list[CheckedFile] = (),
    comment: str = "",
    prepared: OfferDocuments | None = None,
):
    """Post the offer: up to 150 kW the invoice, the contract terms, the ТУ and the
    instruction (paying concludes the contract); above, the draft contract and the ТУ for
    signature. Returns the calculation of the invoice. `prepared` (prepare_offer, before the
    unit of work) stands only if the application has not changed since; else Conflict, and
    the request runs again on current data (app/db.py)."""
    _require(app, S.offer_sent, actor)
    if not technical_conditions:
        raise ApplicationError("Приложите технические условия (PDF).")
    if prepared is None:
        prepared = prepare_offer(app, inputs)
    elif prepared.version != app.version:
        raise Conflict("the application changed after its offer was rendered")
    calculation = prepared.calculation
    set_offer(app, inputs, calculation)
    event = change_status(
        app,
        S.offer_sent.value,
        actor,
        comment=comment
        or (
            "Размещены счёт, условия типового договора, технические условия и инструкция."
            if app.is_small
            else "Размещены проект договора (условия типового договора, заполненные данными заявителя), "
            "технические условия, инструкция и счёт."
        ),
    )
    attach_files(
        app,
        {
            DocumentKind.technical_conditions.value: technical_conditions,
            DocumentKind.staff_other.value: list(other_files),
        },
        actor,
        event,
    )
    for kind, staged in prepared.staged:
        db.session.add(
            ApplicationDocument(
                application_id=app.id,
                kind=kind.value,
                stage=app.status,
                stored=store_staged(staged, None),
                event_id=event.id,
                created_at=now(),
            )
        )
    return calculation


def record_payment(
    app: Application, actor: User, paid_on: date, amount: Decimal, document: str = "", files: list[CheckedFile] = ()
) -> ApplicationPayment:
    """Record a payment. Up to 150 kW, once the invoice is paid in full the contract is
    concluded on the day of the last payment."""
    if not actor.is_staff:
        raise TransitionError("Оплату отмечают сотрудники.")
    if app.invoice_with_vat is None or app.status_enum in (S.draft, S.withdrawn, S.annulled):
        raise TransitionError("Оплату можно отметить, когда заявителю выставлен счёт.")
    if amount is None or amount <= 0:
        raise ApplicationError("Сумма оплаты должна быть больше нуля.")
    if paid_on > today():
        raise ApplicationError("Дата оплаты не может быть позже сегодняшней.")
    if paid_on < local_day(app.submitted_at):
        raise ApplicationError("Дата оплаты не может быть раньше подачи заявки.")
    payment = ApplicationPayment(
        application_id=app.id,
        paid_on=paid_on,
        amount=amount,
        document=document.strip()[:200],
        recorded_by_id=actor.id,
        recorded_at=now(),
    )
    db.session.add(payment)
    db.session.flush()
    total = paid_total(app)
    event = _event(
        app,
        actor,
        "payment",
        f"Оплата {format_money(amount)} от {paid_on:%d.%m.%Y}"
        + (f", {payment.document}" if payment.document else "")
        + ".",
    )
    attach_files(app, {DocumentKind.payment_document.value: list(files)}, actor, event)
    record("application.payment", app, actor=actor, amount=str(amount))
    if app.is_small and app.status == S.offer_sent.value and total >= app.invoice_with_vat:
        app.contract_date = paid_on
        change_status(
            app, S.contract_concluded.value, actor, comment=f"Счёт оплачен {paid_on:%d.%m.%Y}: договор заключён."
        )
    else:
        app.version += 1
    return payment


def record_signed_contract(
    app: Application, actor: User, signed_on: date, files: list[CheckedFile]
) -> ApplicationEvent:
    """Above 150 kW the contract is concluded when the applicant's signed copy arrives."""
    _require(app, S.contract_concluded, actor)
    if app.is_small:
        raise TransitionError("До 150 кВт договор заключается оплатой счёта.")
    if signed_on > today() or signed_on < local_day(app.submitted_at):
        raise ApplicationError("Дата подписания — не позже сегодняшней и не раньше подачи заявки.")
    app.contract_date = signed_on
    event = change_status(app, S.contract_concluded.value, actor, comment=f"Договор подписан {signed_on:%d.%m.%Y}.")
    attach_files(app, {DocumentKind.signed_contract.value: files}, actor, event)
    return event


def start_work(app: Application, actor: User, comment: str = "") -> ApplicationEvent:
    return change_status(app, S.in_progress.value, actor, comment=comment)


def return_for_rework(app: Application, actor: User, remarks: str, files: list[CheckedFile] = ()) -> ApplicationEvent:
    _require(app, S.in_progress, actor)
    remarks = _need_text(remarks, "Напишите замечания: что ещё не выполнено.")
    event = change_status(app, S.in_progress.value, actor, comment=remarks)
    attach_files(app, {DocumentKind.inspection_act.value: list(files)}, actor, event)
    return event


def confirm_connection(
    app: Application, actor: User, comment: str = "", files: list[CheckedFile] = ()
) -> ApplicationEvent:
    event = change_status(app, S.connected.value, actor, comment=comment or "Фактическое присоединение выполнено.")
    attach_files(app, {DocumentKind.inspection_act.value: list(files)}, actor, event)
    return event


def complete(app: Application, actor: User, files: dict[str, list[CheckedFile]], comment: str = "") -> ApplicationEvent:
    """Post the final documents: the act of connection (or the notice) and the meter act;
    for a reissue, the reissued documents."""
    _require(app, S.completed, actor)
    if app.kind == ApplicationKind.reissue.value:
        if not files.get(DocumentKind.reissued_documents.value):
            raise ApplicationError("Приложите переоформленные документы.")
    elif not files.get(DocumentKind.connection_act.value):
        raise ApplicationError("Приложите акт об осуществлении технологического присоединения.")
    event = change_status(app, S.completed.value, actor, comment=comment or "Итоговые документы размещены.")
    attach_files(app, files, actor, event)
    return event


def annul(app: Application, actor: User | None, reason: str) -> ApplicationEvent:
    reason = _need_text(reason, "Укажите причину аннулирования: её увидит заявитель.")
    return change_status(app, S.annulled.value, actor, comment=reason)


def add_note(app: Application, actor: User, text: str) -> ApplicationNote:
    if not actor.is_staff:
        raise ApplicationError("Заметки ведут только сотрудники.")
    text = _need_text(text, "Напишите текст заметки.")
    note = ApplicationNote(application_id=app.id, author_id=actor.id, text=text, created_at=now())
    db.session.add(note)
    record("application.note", app, actor=actor)
    return note


def assign(app: Application, assignee: User | None, actor: User) -> None:
    if assignee is not None and not assignee.is_staff:
        raise ApplicationError("Назначить заявку можно только сотруднику.")
    app.assigned_to_id = assignee.id if assignee else None
    who = (assignee.short_person_name or assignee.email) if assignee else "никто"
    _event(app, actor, "assigned", f"Ответственный: {who}.")  # staff see it in the history; consumers do not
    record("application.assigned", app, actor=actor, assignee_id=assignee.id if assignee else None)


# --- the daily runs ----------------------------------------------------------------------------


def expire(day: date) -> list[Application]:
    """Annul every application whose term for missing data ran out before `day`."""
    rows = db.session.scalars(
        sa.select(Application)
        .where(Application.status == S.needs_info.value, Application.due_date < day)
        .order_by(Application.id)
    ).all()
    for app in rows:
        annul(
            app,
            None,
            f"Недостающие сведения не представлены в срок до {app.due_date:%d.%m.%Y} "
            "(п. 15 Правил технологического присоединения).",
        )
    return list(rows)
