"""Appeals in the back-office: the queue, registration on a consumer's behalf, the card
with every staff action, the printed letter, the answer terms (admins), the dashboard widget."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.appeals import deadlines, operations, queries
from app.appeals.forms import AnswerForm, DeclineForm, ExtendForm, NoteForm, OfficeAppealForm, terms_form
from app.appeals.models import AnswerChannel, Appeal, AppealKind, AppealStatus, AppealTopic
from app.appeals.pdf import answer_letter
from app.appeals.queries import QueueFilters
from app.appeals.rules import AppealError, identity_details
from app.applications.queries import application_numbers, submitted_choices
from app.audit.services import describe_actions, record
from app.auth.models import Role, User
from app.core import signals
from app.core.clock import today
from app.core.forms import ActionForm
from app.core.htmx import render_page_or_block
from app.core.queues import Page
from app.core.sections import Section
from app.core.storage import send_stored_file
from app.core.templating import format_date
from app.core.text import sentence
from app.core.urls import int_arg
from app.db import unit_of_work
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required
from app.office.forms import assign_form
from app.workdays.services import Term

bp = Blueprint("appeals", __name__, url_prefix="/appeals")

describe_actions(
    {
        "appeal.registered": "Обращение зарегистрировано",
        "appeal.in_progress": "Обращение принято в работу",
        "appeal.answered": "Ответ на обращение",
        "appeal.closed": "Обращение закрыто",
        "appeal.declined": "Обращение без ответа по существу",
        "appeal.clarification": "Уточнение к обращению",
        "appeal.note": "Заметка к обращению",
        "appeal.assigned": "Обращение назначено",
        "appeal.extended": "Срок ответа на обращение продлён",
    }
)

PAGE_SIZE = 30


# --- the queue ---------------------------------------------------------------------------------


@bp.get("/")
def queue():
    filters = QueueFilters.from_args(request.args)
    page = Page.from_args(request.args, PAGE_SIZE)
    day = today()
    rows, has_next = page.split(queries.queue_page(filters, current_user, day, page.offset, page.limit))
    return render_page_or_block(
        "appeals/office/queue.html",
        "results",
        appeals=rows,
        application_numbers=application_numbers(a.application_id for a in rows),
        page=page.number,
        has_next=has_next,
        filters=filters,
        today=day,
        statuses=list(AppealStatus),
        kinds=list(AppealKind),
        topics=list(AppealTopic),
        channels=list(AnswerChannel),
    )


# --- registration on a consumer's behalf -------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new_appeal():
    """Step one finds the consumer (`consumer_q`), step two is the appeal form."""
    consumer_id = request.args.get("consumer_id", type=int_arg)
    consumer = db.session.get(User, consumer_id) if consumer_id else None
    if consumer is not None and consumer.role != Role.consumer.value:
        consumer = None
    if consumer is None:
        q = request.args.get("consumer_q", "").strip()[:100]
        return render_template(
            "appeals/office/new.html", consumer=None, q=q, found=queries.find_consumers(q), searched=bool(q)
        )
    form = OfficeAppealForm()
    form.set_applications(submitted_choices(consumer), request.args.get("application_id"))
    if request.method == "GET":
        form.complainant_details.data = identity_details(consumer)
    if form.validate_on_submit():
        try:
            appeal = operations.register_appeal(
                consumer,
                form.appeal_data(),
                received_via=form.received_via.data,
                registered_by=current_user._get_current_object(),
            )
        except AppealError as exc:
            form.text.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                f"Обращение {appeal.number} зарегистрировано. Ответ — не позднее {format_date(appeal.due_date)}.",
                "success",
            )
            return redirect(url_for("office.appeals.show_appeal", appeal_id=appeal.id))
    return render_template("appeals/office/new.html", consumer=consumer, form=form)


# --- the card ----------------------------------------------------------------------------------


def _appeal_or_404(appeal_id: int) -> Appeal:
    appeal = queries.card_appeal(appeal_id)
    if appeal is None:
        abort(404)
    return appeal


def _card(appeal: Appeal, failed=None, status: int = 200):
    """The card; `failed` is the form whose POST did not validate (shown with its errors)."""
    forms = {
        "answer_form": AnswerForm(prefix="answer", formdata=None),
        "decline_form": DeclineForm(prefix="decline", formdata=None),
        "note_form": NoteForm(prefix="note", formdata=None),
        "extend_form": ExtendForm(prefix="extend", formdata=None, max_days=deadlines.max_extension_days()),
        "assign_form": assign_form(appeal.assigned_to_id),
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    messages, files = queries.thread(appeal, internal=True)
    return render_template(
        "appeals/office/show.html",
        appeal=appeal,
        messages=messages,
        files=files,
        events=queries.history(appeal),
        answer=queries.latest_answer(messages),
        application_number=application_numbers([appeal.application_id]).get(appeal.application_id),
        today=today(),
        action_form=ActionForm(),
        form=failed[1] if failed else None,
        **forms,
    ), status


@bp.get("/<int:appeal_id>")
def show_appeal(appeal_id: int):
    return _card(_appeal_or_404(appeal_id))


def _check_action() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _done(appeal: Appeal, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("office.appeals.show_appeal", appeal_id=appeal.id))


def _refused(appeal: Appeal, exc: AppealError):
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for("office.appeals.show_appeal", appeal_id=appeal.id))


@bp.post("/<int:appeal_id>/assign")
def assign_appeal(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    form = assign_form(appeal.assigned_to_id, posted=True)
    if not form.validate_on_submit():
        return _card(appeal, ("assign_form", form))
    assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
    try:
        operations.assign(appeal, assignee, current_user)
    except AppealError as exc:
        return _refused(appeal, exc)
    who = assignee.short_person_name or assignee.email if assignee else None
    return _done(appeal, sentence(f"Ответственный: {who}") if who else "Ответственный снят.")


@bp.post("/<int:appeal_id>/take")
def take_appeal(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    _check_action()
    try:
        operations.take_into_work(appeal, current_user)
        if appeal.assigned_to_id is None:
            operations.assign(appeal, current_user, current_user)
    except AppealError as exc:
        return _refused(appeal, exc)
    return _done(appeal, "Обращение принято в работу.")


@bp.post("/<int:appeal_id>/answer")
def answer_appeal(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    form = AnswerForm(prefix="answer")
    if not form.validate_on_submit():
        return _card(appeal, ("answer_form", form))
    try:
        operations.answer_appeal(appeal, current_user, form.text.data, form.checked)
    except AppealError as exc:
        form.text.errors.append(str(exc))
        db.session.rollback()
        return _card(_appeal_or_404(appeal_id), ("answer_form", form))
    text = "Ответ отправлен заявителю."
    if appeal.channel == AnswerChannel.post.value:
        text += " Распечатайте письмо и отправьте его по почте."
    return _done(appeal, text)


@bp.post("/<int:appeal_id>/decline")
def decline_appeal(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    form = DeclineForm(prefix="decline")
    if not form.validate_on_submit():
        return _card(appeal, ("decline_form", form))
    try:
        operations.decline_appeal(appeal, current_user, form.reason.data)
    except AppealError as exc:
        return _refused(appeal, exc)
    return _done(appeal, "Обращение оставлено без ответа по существу; заявитель получил причину.")


@bp.post("/<int:appeal_id>/close")
def close_appeal(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    _check_action()
    try:
        operations.close_appeal(appeal, current_user)
    except AppealError as exc:
        return _refused(appeal, exc)
    return _done(appeal, "Обращение закрыто.")


@bp.post("/<int:appeal_id>/extend")
def extend_term(appeal_id: int):
    """Extend the answer term once, on a ground of the rules (operations.extend_term)."""
    appeal = _appeal_or_404(appeal_id)
    form = ExtendForm(prefix="extend", max_days=deadlines.max_extension_days())
    if not form.validate_on_submit():
        return _card(appeal, ("extend_form", form))
    try:
        operations.extend_term(appeal, current_user, form.days.data, form.ground.data, form.comment.data)
    except AppealError as exc:
        return _refused(appeal, exc)
    return _done(appeal, f"Срок ответа продлён до {format_date(appeal.due_date)}; заявитель получил уведомление.")


@bp.post("/<int:appeal_id>/notes")
def add_note(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _card(appeal, ("note_form", form))
    operations.add_note(appeal, current_user, form.text.data)
    return _done(appeal, "Заметка сохранена.")


@bp.get("/<int:appeal_id>/letter.pdf")
def print_letter(appeal_id: int):
    """The answer as a paper letter with the company's details (channel «post»)."""
    appeal = _appeal_or_404(appeal_id)
    messages, files = queries.thread(appeal, internal=False)
    reply = queries.latest_answer(messages)
    if reply is None:
        flash("Письмо можно распечатать после ответа на обращение.", "error")
        return redirect(url_for("office.appeals.show_appeal", appeal_id=appeal.id))
    if reply.letter_number is None:  # the outgoing number, at the first print (operations.number_letter)
        with unit_of_work():
            operations.number_letter(reply, current_user)
        messages, files = queries.thread(appeal, internal=False)  # read again after the commit
        reply = queries.latest_answer(messages)
    data = answer_letter(appeal, reply, files.get(reply.id, []))
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"inline; filename=appeal-{appeal.id}-letter.pdf"
    return response


@bp.get("/<int:appeal_id>/files/<int:file_id>")
def download_file(appeal_id: int, file_id: int):
    item = queries.appeal_file(appeal_id, file_id)
    if item is None:
        abort(404)
    return send_stored_file(item.stored)


# --- answer terms (admins) ---------------------------------------------------------------------


@bp.route("/terms", methods=["GET", "POST"])
@admin_required
def edit_terms():
    current = deadlines.load_terms()
    form = terms_form(current)()
    if form.validate_on_submit():
        values = {
            key: Term(getattr(form, f"amount_{key[0]}_{key[1]}").data, getattr(form, f"unit_{key[0]}_{key[1]}").data)
            for key in current
        }
        changed = deadlines.save_terms(values)
        record("office.appeal_terms", None, changed_due_dates=changed)
        db.session.commit()
        flash(f"Сроки ответа сохранены. Пересчитано сроков открытых обращений: {changed}.", "success")
        return redirect(url_for("office.appeals.edit_terms"))
    rows = [
        (
            k,
            [
                (t, getattr(form, f"amount_{k.value}_{t.value}"), getattr(form, f"unit_{k.value}_{t.value}"))
                for t in AppealTopic
            ],
        )
        for k in AppealKind
    ]
    return render_template("appeals/office/terms.html", form=form, rows=rows)


# --- the dashboard -----------------------------------------------------------------------------


@signals.dashboard_widgets.connect
def dashboard_widget(staff, **_) -> Section:
    return Section("appeals/office/_dashboard.html", queries.dashboard_numbers(today()), order=20)


office.register_blueprint(bp)
