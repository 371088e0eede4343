"""Grid-connection applications in the back-office (SPEC §2.2, §2.11): the queue, the card
with the staff action of every stage, document downloads, the stage deadlines (admins).
The rules live in rules.py, the writes in operations.py; each view parses a form, calls one
operation, commits once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from jinja2_fragments.flask import render_block
from sqlalchemy.orm import joinedload

from app.applications import deadlines, offer, office_operations, operations, queries
from app.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
)
from app.applications.office_card import (
    allow,
    annul_form,
    application_or_404,
    card,
    complete_form,
    current_staff,
    refused,
    set_variants,
)
from app.applications.office_forms import (
    ConnectForm,
    NoteForm,
    OfferCalcForm,
    OfferForm,
    PaymentForm,
    RequestInfoForm,
    ReworkForm,
    SignedContractForm,
    deadlines_form,
)
from app.applications.queries import QueueFilters
from app.applications.rules import ApplicationError, TransitionError
from app.audit.services import describe_actions, record
from app.auth.models import User
from app.calculator.services import CalculationError
from app.connection.rules import Category
from app.core.clock import today
from app.core.forms import ActionForm
from app.core.htmx import is_htmx, render_page_or_block
from app.core.queues import Page
from app.core.storage import send_stored_file
from app.core.templating import format_date, format_money
from app.core.text import sentence
from app.db import reads_first, unit_of_work
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required
from app.office.forms import assign_form

bp = Blueprint("applications", __name__, url_prefix="/applications")

PAGE_SIZE = 30
S = ApplicationStatus

describe_actions(
    {
        "application.draft_saved": "Заявка: черновик сохранён",
        "application.draft_deleted": "Заявка: черновик удалён",
        "application.submitted": "Заявка подана",
        "application.needs_info": "Заявка: запрошены сведения",
        "application.offer_sent": "Заявка: направлены документы (счёт, договор, ТУ)",
        "application.contract_concluded": "Заявка: договор заключён",
        "application.in_progress": "Заявка: выполнение мероприятий",
        "application.tu_fulfilled": "Заявка: уведомление о выполнении ТУ",
        "application.connected": "Заявка: присоединение выполнено",
        "application.completed": "Заявка исполнена",
        "application.withdrawn": "Заявка отозвана",
        "application.annulled": "Заявка аннулирована",
        "application.checked": "Заявка: полнота сведений подтверждена",
        "application.payment": "Заявка: записана оплата",
        "application.signed_upload": "Заявка: заявитель направил подписанный договор",
        "application.note": "Заявка: внутренняя заметка",
        "application.assigned": "Заявка: назначен ответственный",
        "office.application_deadlines": "Изменены сроки этапов заявок",
    }
)


# --- the queue ---------------------------------------------------------------------------------


@bp.get("/")
def queue():
    filters = QueueFilters.from_args(request.args)
    page = Page.from_args(request.args, PAGE_SIZE)
    day = today()
    rows, has_next = page.split(queries.queue_page(filters, current_staff(), day, page.offset, page.limit))
    response = make_response(
        render_page_or_block(
            "applications/office/queue.html",
            "results",
            applications=rows,
            page=page.number,
            has_next=has_next,
            filters=filters,
            today=day,
            status_options=[(s.value, s.label) for s in ApplicationStatus if s is not S.draft],
            kind_options=[(k.value, k.label) for k in ApplicationKind],
            category_options=[(c.value, c.short_label) for c in Category],
        )
    )
    # The same URL answers a page or a fragment.
    response.vary.add("HX-Request")
    return response


# --- stage deadlines (admins) ------------------------------------------------------------------


@bp.route("/deadlines", methods=["GET", "POST"])
@admin_required
def edit_deadlines():
    current = deadlines.load_deadlines()
    form = deadlines_form(deadlines.DEADLINE_SPECS, current)()
    if form.validate_on_submit():
        values = form.values()
        changed = operations.save_deadlines(values)
        record(
            "office.application_deadlines",
            None,
            changed_due_dates=changed,
            **{code: f"{term.amount} {term.unit}" for code, term in values.items() if term != current[code]},
        )
        db.session.commit()
        flash(f"Сроки этапов сохранены. Пересчитано сроков открытых заявок: {changed}.", "success")
        return redirect(url_for("office.applications.edit_deadlines"))
    rows = [(spec, form[f"amount_{spec.code}"], form[f"unit_{spec.code}"]) for spec in deadlines.DEADLINE_SPECS]
    return render_template("applications/office/deadlines.html", form=form, rows=rows)


# --- the card ----------------------------------------------------------------------------------


@bp.get("/<int:application_id>")
def show_application(application_id: int):
    return card(application_or_404(application_id))


@bp.get("/<int:application_id>/documents/<int:doc_id>")
def download_document(application_id: int, doc_id: int):
    doc = db.session.scalar(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.id == doc_id, ApplicationDocument.application_id == application_id)
    )
    if doc is None:
        abort(404)
    return send_stored_file(doc.stored)


# --- the actions -------------------------------------------------------------------------------


def _done(app: Application, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("office.applications.show_application", application_id=app.id))


def _check_action() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/<int:application_id>/assign")
def assign_application(application_id: int):
    app = application_or_404(application_id)
    form = assign_form(app.assigned_to_id, posted=True)
    if not form.validate_on_submit():
        return card(app, ("assign_form", form))
    assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
    try:
        office_operations.assign(app, assignee, current_staff())
    except ApplicationError as exc:
        return refused(application_id, "assign_form", form, form.assignee, exc)
    who = (assignee.short_person_name or assignee.email) if assignee else None
    return _done(app, sentence(f"Ответственный: {who}") if who else "Ответственный снят.")


@bp.post("/<int:application_id>/notes")
def add_note(application_id: int):
    app = application_or_404(application_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return card(app, ("note_form", form))
    try:
        office_operations.add_note(app, current_staff(), form.text.data)
    except ApplicationError as exc:
        return refused(application_id, "note_form", form, form.text, exc)
    return _done(app, "Заметка сохранена. Заявитель её не видит.")


@bp.post("/<int:application_id>/check")
def check_application(application_id: int):
    app = application_or_404(application_id)
    allow(app, "check")
    _check_action()
    try:
        office_operations.mark_checked(app, current_staff())
    except TransitionError:
        db.session.rollback()
        abort(403)
    return _done(app, "Полнота сведений подтверждена. Осталось направить заявителю документы.")


@bp.post("/<int:application_id>/request-info")
def request_info(application_id: int):
    app = application_or_404(application_id)
    allow(app, "request_info")
    form = RequestInfoForm(prefix="info")
    if not form.validate_on_submit():
        return card(app, ("info_form", form))
    try:
        office_operations.request_info(app, current_staff(), form.text.data, form.checked["files"])
    except ApplicationError as exc:
        return refused(application_id, "info_form", form, form.text, exc)
    return _done(app, f"Запрос отправлен заявителю. Срок представления сведений — до {format_date(app.due_date)}.")


def _preview(app: Application, form: OfferCalcForm):
    """The invoice the calculation inputs give, or what is wrong with them."""
    try:
        return offer.invoice_calculation(app, form.inputs()), []
    except CalculationError as exc:
        if exc.field in OfferCalcForm.CALC_FIELDS:
            form[exc.field].errors = [*form[exc.field].errors, exc.message]
        return None, [exc.message]


@bp.get("/<int:application_id>/offer/preview")
def preview_offer(application_id: int):
    """«Рассчитать»: the invoice total for the inputs typed so far (htmx swaps the block;
    without JavaScript the button posts the form, which answers the same)."""
    app = application_or_404(application_id)
    allow(app, "offer")
    form = OfferForm(formdata=request.args, prefix="offer", meta={"csrf": False})
    set_variants(form, app)
    preview, problems = None, []
    if OfferCalcForm.validate(form):
        preview, problems = _preview(app, form)
    else:
        problems = [message for _, message in form.error_list()]
    if is_htmx():
        response = make_response(
            render_block("applications/office/show.html", "offer_preview", preview=preview, preview_errors=problems)
        )
    else:
        response = make_response(card(app, ("offer_form", form), preview=preview, preview_errors=problems))
    response.vary.add("HX-Request")
    return response


@bp.post("/<int:application_id>/offer")
@reads_first
def post_offer(application_id: int):
    app = application_or_404(application_id)
    allow(app, "offer")
    form = OfferForm(prefix="offer")
    set_variants(form, app)
    if request.form.get("offer-preview"):  # «Рассчитать» without JavaScript: nothing is saved
        if not OfferCalcForm.validate(form):
            return card(app, ("offer_form", form))
        preview, problems = _preview(app, form)
        return card(app, ("offer_form", form), preview=preview, preview_errors=problems)
    if not form.validate():
        return card(app, ("offer_form", form))
    try:
        prepared = offer.prepare_offer(app, form.inputs())  # its PDFs, before the unit of work
        with unit_of_work():
            calculation = office_operations.post_offer(
                app,
                current_staff(),
                form.inputs(),
                form.checked["technical_conditions"],
                form.checked["other_files"],
                form.comment.data or "",
                prepared,
            )
    except CalculationError as exc:
        field = form[exc.field] if exc.field in OfferCalcForm.CALC_FIELDS else None
        return refused(application_id, "offer_form", form, field, ApplicationError(exc.message))
    except ApplicationError as exc:
        return refused(application_id, "offer_form", form, form.technical_conditions, exc)
    flash(
        f"Документы размещены, заявитель уведомлён. Счёт: {format_money(calculation.total_with_vat)} "
        f"с НДС; срок выполнения мероприятий — {calculation.implementation_term.label}.",
        "success",
    )
    return redirect(url_for("office.applications.show_application", application_id=application_id))


@bp.post("/<int:application_id>/payments")
def record_payment(application_id: int):
    app = application_or_404(application_id)
    allow(app, "payment")
    form = PaymentForm(prefix="payment")
    if not form.validate_on_submit():
        return card(app, ("payment_form", form))
    was = app.status
    try:
        office_operations.record_payment(
            app, current_staff(), form.paid_on.data, form.amount.data, form.document.data or "", form.checked["files"]
        )
    except ApplicationError as exc:
        field = form.paid_on if "Дата" in str(exc) else form.amount
        return refused(application_id, "payment_form", form, field, exc)
    paid = queries.paid_total(app)
    if app.status != was:
        message = f"Оплата записана. Счёт оплачен полностью ({format_money(paid)}): договор заключён."
    else:
        message = f"Оплата записана. Всего оплачено {format_money(paid)} из {format_money(app.invoice_with_vat)}."
    return _done(app, message)


@bp.post("/<int:application_id>/signed")
def record_signed_contract(application_id: int):
    app = application_or_404(application_id)
    allow(app, "signed")
    if request.form.get("signed-confirm_upload"):
        return _confirm_signed_upload(app)
    form = SignedContractForm(prefix="signed")
    if not form.validate_on_submit():
        return card(app, ("signed_form", form))
    try:
        office_operations.record_signed_contract(app, current_staff(), form.signed_on.data, form.checked["files"])
    except ApplicationError as exc:
        return refused(application_id, "signed_form", form, form.signed_on, exc)
    return _done(
        app,
        f"Договор заключён {format_date(app.contract_date)}. Срок выполнения мероприятий — до {format_date(app.due_date)}.",
    )


def _confirm_signed_upload(app: Application):
    """«Подтвердить»: the contract the applicant uploaded in the cabinet, without re-uploading it."""
    _check_action()
    try:
        office_operations.confirm_signed_upload(app, current_staff())
    except ApplicationError as exc:
        form = SignedContractForm(prefix="signed", formdata=None, signed_on=today())
        return refused(app.id, "signed_form", form, None, exc)
    return _done(
        app,
        f"Договор заключён {format_date(app.contract_date)}: в этот день заявитель направил подписанный договор "
        f"через личный кабинет. Срок выполнения мероприятий — до {format_date(app.due_date)}. Заявитель уведомлён.",
    )


@bp.post("/<int:application_id>/start")
def start_work(application_id: int):
    app = application_or_404(application_id)
    allow(app, "start")
    _check_action()
    try:
        office_operations.start_work(app, current_staff())
    except TransitionError:
        db.session.rollback()
        abort(403)
    return _done(app, "Начато выполнение мероприятий по присоединению; заявитель уведомлён.")


@bp.post("/<int:application_id>/rework")
def return_for_rework(application_id: int):
    app = application_or_404(application_id)
    allow(app, "rework")
    form = ReworkForm(prefix="rework")
    if not form.validate_on_submit():
        return card(app, ("rework_form", form))
    try:
        office_operations.return_for_rework(app, current_staff(), form.remarks.data, form.checked["files"])
    except ApplicationError as exc:
        return refused(application_id, "rework_form", form, form.remarks, exc)
    return _done(app, "Замечания направлены заявителю: технические условия ещё не выполнены.")


@bp.post("/<int:application_id>/connect")
def confirm_connection(application_id: int):
    app = application_or_404(application_id)
    allow(app, "connect")
    form = ConnectForm(prefix="connect")
    if not form.validate_on_submit():
        return card(app, ("connect_form", form))
    try:
        office_operations.confirm_connection(app, current_staff(), form.comment.data or "", form.checked["files"])
    except ApplicationError as exc:
        return refused(application_id, "connect_form", form, form.comment, exc)
    return _done(app, f"Присоединение подтверждено. Разместите акты до {format_date(app.due_date)}.")


@bp.post("/<int:application_id>/complete")
def complete_application(application_id: int):
    app = application_or_404(application_id)
    allow(app, "complete")
    form = complete_form(app, posted=True)
    if not form.validate_on_submit():
        return card(app, ("complete_form", form))
    files = {kind: form.checked.get(kind, []) for kind in form.file_fields}
    try:
        office_operations.complete(app, current_staff(), {k: v for k, v in files.items() if v}, form.comment.data or "")
    except ApplicationError as exc:
        return refused(application_id, "complete_form", form, form[form.file_fields[0]], exc)
    return _done(app, "Итоговые документы размещены, заявка исполнена.")


@bp.post("/<int:application_id>/annul")
def annul_application(application_id: int):
    app = application_or_404(application_id)
    allow(app, "annul")
    form = annul_form(app, posted=True)
    if not form.validate_on_submit():
        return card(app, ("annul_form", form))
    try:
        operations.annul(app, current_staff(), form.ground.data, form.reason.data or "")
    except ApplicationError as exc:
        # With no ground open the card shows no form: the message goes to the top.
        return refused(application_id, "annul_form", form, form.ground if form.ground.choices else None, exc)
    return _done(app, "Заявка аннулирована; заявитель получил основание.")


office.register_blueprint(bp)
