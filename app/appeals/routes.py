"""The consumer's appeals: file one, follow the list, read the thread and the answer,
add a clarification while it is open, download its files. Another consumer's appeal is 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.appeals import bp
from app.appeals.forms import AppealForm, ClarificationForm
from app.appeals.models import Appeal
from app.appeals.operations import add_clarification, register_appeal
from app.appeals.queries import consumer_appeals, consumer_file, get_own_appeal, latest_answer, thread
from app.appeals.rules import AppealError, identity_details
from app.applications.queries import application_numbers, submitted_choices
from app.core import signals
from app.core.clock import today
from app.core.htmx import is_htmx, render_page_or_block
from app.core.limits import limit_submissions, limit_uploads
from app.core.sections import render_sections
from app.core.storage import send_stored_file
from app.core.templating import format_date
from app.core.urls import int_arg
from app.db import reads_first, unit_of_work
from app.notifications.services import read_on_opening

PAGE_SIZE = 20


def _staff_to_office(endpoint: str = "office.appeals.queue", **values):
    if current_user.is_staff:
        return redirect(url_for(endpoint, **values))
    return None


def _own_or_404(appeal_id: int) -> Appeal:
    appeal = get_own_appeal(appeal_id, current_user)
    if appeal is None:
        abort(404)
    return appeal


@bp.get("/appeals")
@login_required
def list_appeals():
    if (r := _staff_to_office()) is not None:
        return r
    page = max(request.args.get("page", 1, type=int_arg) or 1, 1)
    rows = consumer_appeals(current_user, page, PAGE_SIZE)
    return render_template(
        "appeals/list.html", appeals=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE, today=today()
    )


@bp.route("/appeals/new", methods=["GET", "POST"])
@login_required
@limit_submissions
@limit_uploads
@reads_first
def new_appeal():
    if (r := _staff_to_office("office.appeals.new_appeal")) is not None:
        return r
    form = AppealForm()
    form.set_applications(submitted_choices(current_user), request.args.get("application_id"))
    if request.method == "GET":
        form.complainant_details.data = identity_details(current_user)
    if form.validate_on_submit():
        try:
            with unit_of_work():  # its files were staged while the form was validated
                appeal = register_appeal(current_user._get_current_object(), form.appeal_data())
        except AppealError as exc:
            form.text.errors.append(str(exc))
        else:
            flash(
                f"Обращение {appeal.number} зарегистрировано. Ответ будет дан не позднее {format_date(appeal.due_date)}.",
                "success",
            )
            return redirect(url_for("appeals.show_appeal", appeal_id=appeal.id))
    return render_template("appeals/new.html", form=form)


def _show(appeal: Appeal, form: ClarificationForm, status: int = 200):
    messages, files = thread(appeal, internal=False)
    return render_template(
        "appeals/show.html",
        appeal=appeal,
        messages=messages,
        files=files,
        form=form,
        answer=latest_answer(messages),
        application_number=application_numbers([appeal.application_id]).get(appeal.application_id),
        today=today(),
        card_sections=render_sections(signals.card_sections, appeal),
    ), status


@bp.get("/appeals/<int:appeal_id>")
@login_required
def show_appeal(appeal_id: int):
    """The appeal's page; htmx polls its status block with the version it shows (204 when
    nothing changed)."""
    if current_user.is_staff:
        return redirect(url_for("office.appeals.show_appeal", appeal_id=appeal_id))
    appeal = _own_or_404(appeal_id)
    if is_htmx():
        if request.args.get("v", type=int_arg) == appeal.version:
            return "", 204
        return render_page_or_block("appeals/show.html", "status", appeal=appeal, today=today(), changed=True)
    read_on_opening(current_user._get_current_object(), appeal.link)
    return _show(appeal, ClarificationForm())


@bp.post("/appeals/<int:appeal_id>/clarifications")
@login_required
@limit_submissions
@limit_uploads
@reads_first
def add_clarification_to_appeal(appeal_id: int):
    if current_user.is_staff:
        abort(404)
    appeal = _own_or_404(appeal_id)
    form = ClarificationForm()
    if not appeal.is_open:
        flash("Обращение уже рассмотрено: дополнить его нельзя. Если вопрос остался, подайте новое обращение.", "error")
        return redirect(url_for("appeals.show_appeal", appeal_id=appeal.id))
    if form.validate_on_submit():
        try:
            with unit_of_work():
                add_clarification(appeal, current_user._get_current_object(), form.text.data, form.checked)
        except AppealError as exc:
            form.text.errors.append(str(exc))
        else:
            flash("Уточнение добавлено к обращению.", "success")
            return redirect(url_for("appeals.show_appeal", appeal_id=appeal.id) + "#thread")
    return _show(appeal, form)


@bp.get("/appeals/<int:appeal_id>/files/<int:file_id>")
@login_required
def download_file(appeal_id: int, file_id: int):
    if current_user.is_staff:
        return redirect(url_for("office.appeals.download_file", appeal_id=appeal_id, file_id=file_id))
    appeal = _own_or_404(appeal_id)
    item = consumer_file(appeal, file_id)
    if item is None:
        abort(404)
    return send_stored_file(item.stored)
