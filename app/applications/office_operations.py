"""The staff's writes on a grid-connection application (SPEC §2.2): the check, requests for
data, the offer, payments and the signed contract, the work, the connection, the final
documents, notes and assignment. Each goes through operations.change_status (or records
an event) and flushes; the view commits. Annulment is in operations: the daily run annuls too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.applications.deadlines import local_day, refresh_due
from app.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    ApplicationNote,
    ApplicationPayment,
    ApplicationStatus,
    DocumentKind,
)
from app.applications.offer import OfferDocuments, OfferInputs, prepare_offer, set_offer
from app.applications.operations import add_event, change_status, need_text, require
from app.applications.queries import paid_total
from app.applications.rules import ApplicationError, TransitionError
from app.applications.uploads import CheckedFile, attach_files
from app.audit.services import record
from app.auth.models import User
from app.core.clock import now, today
from app.core.storage import store_staged
from app.core.templating import format_date, format_money
from app.core.text import sentence
from app.db import Conflict
from app.extensions import db

S = ApplicationStatus


def mark_checked(app: Application, actor: User) -> ApplicationEvent:
    """Staff confirm the application is complete: the 3-day check is met."""
    if not actor.is_staff or app.status != S.submitted.value or app.checked_at is not None:
        raise TransitionError("Подтвердить полноту сведений можно только у зарегистрированной заявки, один раз.")
    app.checked_at = now()
    app.version += 1
    refresh_due(app)
    record("application.checked", app, actor=actor)
    return add_event(app, actor, "checked", "Сведения и документы полные.")


def request_info(app: Application, actor: User, text: str, files: list[CheckedFile] = ()) -> ApplicationEvent:
    require(app, S.needs_info, actor)
    text = need_text(text, "Напишите, каких сведений или документов не хватает.")
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
    require(app, S.offer_sent, actor)
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
    event = add_event(
        app,
        actor,
        "payment",
        f"Оплата {format_money(amount)} от {format_date(paid_on)}"
        + (f", {payment.document}" if payment.document else "")
        + ".",
    )
    attach_files(app, {DocumentKind.payment_document.value: list(files)}, actor, event)
    record("application.payment", app, actor=actor, amount=str(amount))
    if app.is_small and app.status == S.offer_sent.value and total >= app.invoice_with_vat:
        app.contract_date = paid_on
        change_status(
            app, S.contract_concluded.value, actor, comment=f"Счёт оплачен {format_date(paid_on)}: договор заключён."
        )
    else:
        app.version += 1
    return payment


def record_signed_contract(
    app: Application, actor: User, signed_on: date, files: list[CheckedFile]
) -> ApplicationEvent:
    """Above 150 kW the contract is concluded when the applicant's signed copy arrives."""
    require(app, S.contract_concluded, actor)
    if app.is_small:
        raise TransitionError("По этой заявке договор заключается оплатой счёта (порядок через личный кабинет).")
    if signed_on > today() or signed_on < local_day(app.submitted_at):
        raise ApplicationError("Дата подписания — не позже сегодняшней и не раньше подачи заявки.")
    app.contract_date = signed_on
    event = change_status(app, S.contract_concluded.value, actor, comment=f"Договор подписан {format_date(signed_on)}.")
    attach_files(app, {DocumentKind.signed_contract.value: files}, actor, event)
    return event


def confirm_signed_upload(app: Application, actor: User) -> ApplicationEvent:
    """Staff confirm the contract the applicant signed and uploaded in the cabinet: it is
    concluded on the local date the upload arrived (Decree 861 p.15: the day the signed copy
    reaches the network organisation), not the day of the confirmation. The applicant is told."""
    require(app, S.contract_concluded, actor)
    if app.is_small:
        raise TransitionError("По этой заявке договор заключается оплатой счёта (порядок через личный кабинет).")
    if app.signed_received_at is None:
        raise ApplicationError("Заявитель не направлял подписанный договор через личный кабинет.")
    arrived = local_day(app.signed_received_at)
    app.contract_date = arrived
    return change_status(
        app,
        S.contract_concluded.value,
        actor,
        comment=f"Подписанный договор поступил через личный кабинет {format_date(arrived)}: договор заключён.",
    )


def start_work(app: Application, actor: User, comment: str = "") -> ApplicationEvent:
    return change_status(app, S.in_progress.value, actor, comment=comment)


def return_for_rework(app: Application, actor: User, remarks: str, files: list[CheckedFile] = ()) -> ApplicationEvent:
    require(app, S.in_progress, actor)
    remarks = need_text(remarks, "Напишите замечания: что ещё не выполнено.")
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
    require(app, S.completed, actor)
    if app.kind == ApplicationKind.reissue.value:
        if not files.get(DocumentKind.reissued_documents.value):
            raise ApplicationError("Приложите переоформленные документы.")
    elif not files.get(DocumentKind.connection_act.value):
        raise ApplicationError("Приложите акт об осуществлении технологического присоединения.")
    event = change_status(app, S.completed.value, actor, comment=comment or "Итоговые документы размещены.")
    attach_files(app, files, actor, event)
    return event


def add_note(app: Application, actor: User, text: str) -> ApplicationNote:
    if not actor.is_staff:
        raise ApplicationError("Заметки ведут только сотрудники.")
    text = need_text(text, "Напишите текст заметки.")
    note = ApplicationNote(application_id=app.id, author_id=actor.id, text=text, created_at=now())
    db.session.add(note)
    record("application.note", app, actor=actor)
    return note


def assign(app: Application, assignee: User | None, actor: User) -> None:
    if assignee is not None and not assignee.is_staff:
        raise ApplicationError("Назначить заявку можно только сотруднику.")
    app.assigned_to_id = assignee.id if assignee else None
    who = (assignee.short_person_name or assignee.email) if assignee else "никто"
    # staff see it in the history; consumers do not
    add_event(app, actor, "assigned", sentence(f"Ответственный: {who}"))
    record("application.assigned", app, actor=actor, assignee_id=assignee.id if assignee else None)
