"""The consumer's applications: fill and submit one (or keep a draft), follow the list and
the card, download the documents, answer a request for data, withdraw, notify fulfilment
of the ТУ. Another consumer's application or document is 404; a step the status table
does not allow is 403."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.applications import bp
from app.applications.deadlines import running_deadlines
from app.applications.forms import STEPS, ApplicationForm, FulfilmentForm, ReplyForm, WithdrawForm
from app.applications.models import Application, ApplicationDocument, ApplicationStatus, list_columns
from app.applications.offer import offer_defaults
from app.applications.operations import (
    delete_draft,
    delete_draft_document,
    notify_fulfilment,
    save_application,
    send_signed_contract,
    supply_info,
    withdraw,
)
from app.applications.pdf_claim import claim
from app.applications.penalties import company_penalty
from app.applications.queries import (
    documents,
    documents_by_section,
    get_own_application,
    history_without_actors,
    paid_total,
    timeline,
)
from app.applications.rules import (
    ApplicationDataError,
    ApplicationError,
    TransitionError,
    can_change,
    signed_upload_problem,
)
from app.applications.steps import save_step, step_page
from app.core import signals
from app.core.clock import today
from app.core.forms import ActionForm
from app.core.htmx import is_htmx, render_page_or_block
from app.core.limits import limit_submissions, limit_uploads
from app.core.sections import render_sections
from app.core.storage import send_stored_file
from app.core.templating import format_date, format_number
from app.core.urls import int_arg
from app.db import reads_first, unit_of_work
from app.extensions import db
from app.notifications.services import read_on_opening

PAGE_SIZE = 20


def _staff_to_office(endpoint: str = "office.applications.queue", **values):
    if current_user.is_staff:
        return redirect(url_for(endpoint, **values))
    return None


def _own_or_404(application_id: int) -> Application:
    application = get_own_application(application_id, current_user)
    if application is None:
        abort(404)
    return application


def _consumer():
    return current_user._get_current_object()


# --- the list ----------------------------------------------------------------------------------


@bp.get("/applications")
@login_required
def list_applications():
    if (r := _staff_to_office()) is not None:
        return r
    page = max(request.args.get("page", 1, type=int_arg) or 1, 1)
    rows = db.session.scalars(
        sa.select(Application)
        .options(list_columns())
        .where(Application.consumer_id == current_user.id)
        .order_by(Application.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "applications/list.html",
        applications=rows[:PAGE_SIZE],
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        today=today(),
    )


# --- the form ----------------------------------------------------------------------------------


def _save(form: ApplicationForm, draft: Application | None):
    """Save the draft or submit, in a unit of work (the form staged its files while it was
    validated); on refusal the form shows why and nothing is kept."""
    try:
        with unit_of_work():
            application = save_application(_consumer(), form.application_data(), submit=form.submitting, app=draft)
    except ApplicationDataError as exc:
        form.add_problems(exc.problems)
        return None
    except ApplicationError as exc:
        form.kind.errors = [*form.kind.errors, str(exc)]
        return None
    if form.submitting:
        flash(
            f"Заявка {application.number} зарегистрирована {format_date(application.submitted_at)}. "
            "Мы проверим сведения и сообщим о следующем шаге.",
            "success",
        )
        return redirect(url_for("applications.show_application", application_id=application.id))
    flash("Черновик сохранён. Его можно дополнить и подать позже.", "success")
    return redirect(url_for("applications.edit_draft", application_id=application.id))


def _form_page(form: ApplicationForm, draft: Application | None):
    attached = [d for d in documents(draft) if d.is_applicants] if draft is not None else []
    return render_template(
        "applications/new.html",
        form=form,
        draft=draft,
        attached=attached,
        action_form=ActionForm(),
        applicant_type=current_user.applicant_type,
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
@limit_submissions
@limit_uploads
@reads_first
def new_application():
    """GET: step 1 of the form in steps (app/applications/steps.py); its «Сохранить и
    продолжить» (`action=next`) creates the draft. Any other POST is SPEC §4.2's one-page
    form, answered as ever: a draft or a submission of all the fields at once."""
    if (r := _staff_to_office()) is not None:
        return r
    form = ApplicationForm()
    if request.method == "GET":
        return step_page(form, None, STEPS[0])
    if form.action.data == "next":
        if form.validate_on_submit() and (done := save_step(form, None, STEPS[0])) is not None:
            return done
        return step_page(form, None, STEPS[0], other_problem=getattr(form, "other_problem", None))
    if form.validate_on_submit() and (done := _save(form, None)) is not None:
        return done
    return _form_page(form, None)


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
@limit_submissions
@limit_uploads
@reads_first
def edit_draft(application_id: int):
    if current_user.is_staff:
        abort(404)
    draft = _own_or_404(application_id)
    if not draft.is_draft:
        return redirect(url_for("applications.show_application", application_id=draft.id))
    # A GET opens the draft's summary (the form in steps); a POST is the one-page form and
    # reads only what was posted (a radio left unset must not take the draft's value).
    if request.method == "GET":
        return redirect(url_for("applications.draft_summary", application_id=draft.id))
    form = ApplicationForm()
    if form.validate_on_submit() and (done := _save(form, draft)) is not None:
        return done
    return _form_page(form, draft)


@bp.post("/applications/<int:application_id>/delete")
@login_required
def delete_application_draft(application_id: int):
    draft = _own_or_404(application_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        delete_draft(draft, _consumer())
    except TransitionError:
        abort(403)
    db.session.commit()
    flash("Черновик удалён.", "success")
    return redirect(url_for("applications.list_applications"))


@bp.post("/applications/<int:application_id>/documents/<int:doc_id>/delete")
@login_required
def remove_draft_document(application_id: int, doc_id: int):
    draft = _own_or_404(application_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        delete_draft_document(draft, doc_id, _consumer())
    except TransitionError:
        abort(403)
    except ApplicationError:
        abort(404)
    db.session.commit()
    flash("Файл убран из черновика.", "success")
    return redirect(url_for("applications.draft_step", application_id=draft.id, step=len(STEPS)) + "#files")


# --- the card ----------------------------------------------------------------------------------


def calculator_link(application: Application) -> str:
    """/calculator prefilled with the application's parameters (SPEC §2.5, §4.2). Numbers go
    in as the form shows them: «400», «12,5»; «400.000» reads as four hundred thousand."""
    inputs = offer_defaults(application)
    query = {
        "applicant_type": application.applicant_type,
        "power_kw": format_number(application.power_kw, places=3) or None,
        "existing_power_kw": format_number(application.existing_power_kw, places=3) or None,
        "voltage_kv": application.voltage_kv,
        "reliability": application.reliability,
        "territory": inputs.territory,
        "within_distance": "y" if inputs.within_distance else "n",
        "preferential": "y" if application.preferential else "n",
        "metering": inputs.metering,
        "metering_points": inputs.metering_points,
    }
    return url_for("calculator.calculate") + "?" + urlencode({k: v for k, v in query.items() if v is not None})


#: The statuses in which the card shows the applicant a form to send data or files, and its form.
_ANSWERED_BY_FORM = {ApplicationStatus.needs_info.value: ReplyForm, ApplicationStatus.in_progress.value: FulfilmentForm}


def _reply_form_for(status: str, **kwargs) -> ReplyForm | None:
    form_class = _ANSWERED_BY_FORM.get(status)
    return form_class(**kwargs) if form_class else None


def _answered_by_form(application: Application) -> bool:
    """Whether the card shows the applicant a form with files: an answer to a request for data,
    the notice of fulfilment, or (above 150 kW) the signed contract."""
    return application.status in _ANSWERED_BY_FORM or signed_upload_problem(application) is None


#: The file field's label when the form carries the signed contract.
SIGNED_FILES_LABEL = "Подписанный договор (PDF, JPEG или PNG, каждый файл не больше 10 МБ)"


def _card(application: Application, reply_form: ReplyForm | None = None, status: int = 200):
    events = history_without_actors(application)
    docs = documents(application)
    # The card offers an estimate until the invoice gives the price; while the invoice waits
    # to be paid, its notice says how much was paid so far.
    estimate = application.power_kw and application.invoice_with_vat is None
    awaiting_payment = (
        application.status == ApplicationStatus.offer_sent.value
        and application.is_small
        and application.invoice_with_vat is not None
    )
    if reply_form is None and _answered_by_form(application):
        reply_form = _reply_form_for(application.status, formdata=None) or ReplyForm(formdata=None)
    if reply_form is not None and application.status == ApplicationStatus.offer_sent.value:
        reply_form.files.label.text = SIGNED_FILES_LABEL
    return render_template(
        "applications/show.html",
        application=application,
        events=events,
        timeline=timeline(application, events),
        deadlines=running_deadlines(application),
        docs=docs,
        sections=documents_by_section(docs),
        today=today(),
        reply_form=reply_form,
        form=reply_form,  # a failed POST's errors give the title its «Ошибка: »
        paid=paid_total(application) if awaiting_payment else None,
        can_withdraw=can_change(application, ApplicationStatus.withdrawn.value, current_user),
        calculator_url=calculator_link(application) if estimate else None,
        card_sections=render_sections(signals.card_sections, application),
        related_sections=render_sections(signals.application_card_sections, application),
        penalty=company_penalty(application),
    ), status


@bp.get("/applications/<int:application_id>")
@login_required
def show_application(application_id: int):
    """The card; htmx polls its status block with the version it shows (204 when nothing
    changed: one indexed query)."""
    if current_user.is_staff:
        return redirect(url_for("office.applications.show_application", application_id=application_id))
    application = _own_or_404(application_id)
    if application.is_draft:
        return redirect(url_for("applications.draft_summary", application_id=application.id))
    if is_htmx():
        if request.args.get("v", type=int_arg) == application.version:
            return "", 204
        return render_page_or_block(
            "applications/show.html",
            "status",
            application=application,
            today=today(),
            deadlines=running_deadlines(application),
            changed=True,
        )
    read_on_opening(_consumer(), application.link)
    return _card(application)


@bp.get("/applications/<int:application_id>/documents/<int:doc_id>")
@login_required
def download_document(application_id: int, doc_id: int):
    if current_user.is_staff:
        return redirect(url_for("office.applications.download_document", application_id=application_id, doc_id=doc_id))
    application = _own_or_404(application_id)
    doc = db.session.scalar(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.id == doc_id, ApplicationDocument.application_id == application.id)
    )
    if doc is None:
        abort(404)
    return send_stored_file(doc.stored)


def _reply(application_id: int, action, done_message: str):
    """The applicant's answer with files: to a request for data, or the notice of fulfilment."""
    if current_user.is_staff:
        abort(404)
    application = _own_or_404(application_id)
    form = _reply_form_for(application.status) or ReplyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                action(application, _consumer(), form.text.data or "", form.files_checked)
        except TransitionError:
            abort(403)
        except ApplicationError as exc:
            form.text.errors = [*form.text.errors, str(exc)]
        else:
            flash(done_message, "success")
            return redirect(url_for("applications.show_application", application_id=application.id))
    application = _own_or_404(application_id)
    return _card(application, form)


@bp.post("/applications/<int:application_id>/reply")
@login_required
@limit_submissions
@limit_uploads
@reads_first
def reply_to_request(application_id: int):
    return _reply(
        application_id,
        supply_info,
        "Сведения направлены. Заявка снова на проверке; срок отсчитывается от получения сведений.",
    )


@bp.post("/applications/<int:application_id>/fulfilment")
@login_required
@limit_submissions
@limit_uploads
@reads_first
def notify_tu_fulfilment(application_id: int):
    return _reply(
        application_id,
        notify_fulfilment,
        "Уведомление о выполнении технических условий направлено. Мы проверим выполнение ТУ.",
    )


@bp.post("/applications/<int:application_id>/signed-contract")
@login_required
@limit_submissions
@limit_uploads
@reads_first
def send_signed_contract_through_cabinet(application_id: int):
    """Above 150 kW: the applicant uploads the signed contract; staff confirm it. A refusal
    (not this stage, no file, a file that is not PDF, JPEG or PNG) says why."""
    if current_user.is_staff:
        abort(404)
    application = _own_or_404(application_id)
    problem = signed_upload_problem(application)
    if problem:
        flash(problem, "error")
        return redirect(url_for("applications.show_application", application_id=application.id))
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                send_signed_contract(application, _consumer(), form.files_checked)
        except TransitionError:
            abort(403)
        except ApplicationError as exc:
            form.files.errors = [*form.files.errors, str(exc)]
        else:
            flash(
                "Подписанный договор направлен. Договор будет заключён с даты его поступления, "
                "когда сетевая организация подтвердит получение; мы сообщим об этом.",
                "success",
            )
            return redirect(url_for("applications.show_application", application_id=application.id))
    application = _own_or_404(application_id)
    return _card(application, form)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
@limit_submissions
def withdraw_application(application_id: int):
    """A confirmation page, then the withdrawal (before the contract only)."""
    if current_user.is_staff:
        abort(404)
    application = _own_or_404(application_id)
    if not can_change(application, ApplicationStatus.withdrawn.value, current_user):
        abort(403)
    form = WithdrawForm()
    if form.validate_on_submit():
        withdraw(application, _consumer(), form.reason.data or "")
        db.session.commit()
        flash(f"Заявка {application.number} отозвана.", "success")
        return redirect(url_for("applications.show_application", application_id=application.id))
    return render_template("applications/withdraw.html", application=application, form=form)


@bp.get("/applications/<int:application_id>/claim.pdf")
@login_required
def download_claim(application_id: int):
    """The claim for the penalty of p.16(в), while the company's term has passed (the card,
    which says why not, otherwise)."""
    if current_user.is_staff:
        abort(404)
    application = _own_or_404(application_id)
    penalty = company_penalty(application)
    if penalty is None:
        flash("Срок присоединения по этой заявке не нарушен: претензия о неустойке не составляется.", "info")
        return redirect(url_for("applications.show_application", application_id=application.id))
    return send_file(
        io.BytesIO(claim(application, _consumer(), penalty)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"Претензия {application.number}.pdf",
    )
