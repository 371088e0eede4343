"""Staff routes for outages: the list, add, change, cancel (confirmed), close, CSV import,
and the admin's minimum notice."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import record
from app.core.clock import to_local
from app.core.forms import ActionForm
from app.core.once import keep_for_one_view, take
from app.core.urls import int_arg
from app.db import reads_first, unit_of_work
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required
from app.outages.csv_import import MAX_IMPORT_BYTES, ImportFileError, ImportResult, import_rows, read_csv
from app.outages.forms import CancelForm, ImportForm, OutageForm, ScheduleFilterForm, SettingsForm
from app.outages.models import OUTAGE_STATUSES, Outage, OutageStatus
from app.outages.operations import cancel_outage, close_outage, create_outage, save_settings, update_outage
from app.outages.queries import ScheduleFilter, get_settings, is_short_notice, schedule_page, settlement_keys
from app.outages.rules import OutageData, outage_period, validate

bp = Blueprint("outages", __name__, url_prefix="/outages")

PAGE_SIZE = 30


def _outage_or_404(outage_id: int) -> Outage:
    outage = db.session.get(Outage, outage_id)
    if outage is None:
        abort(404)
    return outage


def _short_notice_warning(outage: Outage) -> None:
    days = get_settings().min_notice_days
    flash(
        f"Внимание: отключение {outage_period(outage)} опубликовано менее чем за {days} дн. до начала. "
        "Убедитесь, что потребители предупреждены другими способами.",
        "warning",
    )


@bp.get("/")
def list_outages():
    form = ScheduleFilterForm(request.args)
    form.validate()
    status = request.args.get("status", "")
    if status not in OUTAGE_STATUSES:
        status = ""
    flt = ScheduleFilter(
        settlement=form.settlement.data or "" if not form.settlement.errors else "",
        street=form.street.data or "" if not form.street.errors else "",
        date_from=getattr(form.date_from, "parsed", None) if not form.date_from.errors else None,
        date_to=getattr(form.date_to, "parsed", None) if not form.date_to.errors else None,
        status=status,
    )
    keys = None
    if flt.settlement:
        keys = settlement_keys(flt.settlement)
        if keys is None:
            form.settlement.errors = [*form.settlement.errors, f"Населённого пункта «{flt.settlement}» нет в графике."]
            keys = []
    page = min(max(request.args.get("page", 1, type=int_arg) or 1, 1), 10_000)
    outages, total = schedule_page(flt, keys, page, PAGE_SIZE)
    start, end = flt.window()
    return render_template(
        "outages/office/list.html",
        form=form,
        flt=flt,
        status=status,
        statuses=list(OutageStatus),
        outages=outages,
        total=total,
        page=page,
        has_next=page * PAGE_SIZE < total,
        start=start,
        end=end,
        period=outage_period,
        action_form=ActionForm(),
    )


def _data_from(form: OutageForm) -> OutageData:
    return OutageData(
        district=form.district.data or "",
        settlement=form.settlement.data or "",
        street=form.street.data or "",
        houses=form.houses.data or "",
        starts_at=form.starts_at.parsed,
        ends_at=form.ends_at.parsed,
        reason=form.reason.data or "",
        external_id=form.external_id.data or None,
    )


def _validated(form: OutageForm, outage: Outage | None = None) -> OutageData | None:
    """The outage's data when the form and the rules accept it; errors go next to fields."""
    if not form.validate_on_submit():
        return None
    data = _data_from(form).cleaned()
    problems = validate(data)
    if data.external_id:
        other = db.session.scalar(db.select(Outage).where(Outage.external_id == data.external_id))
        if other is not None and other is not outage:
            problems.setdefault("external_id", "Отключение с этим идентификатором уже есть.")
    for name, message in problems.items():
        getattr(form, name).errors.append(message)
    return None if problems else data


@bp.route("/new", methods=["GET", "POST"])
def new_outage():
    form = OutageForm()
    data = _validated(form)
    if data is not None:
        outage = create_outage(data, current_user)
        record("office.outage_published", outage, place=outage.place[:200])
        db.session.commit()
        flash(f"Отключение опубликовано: {outage.place}, {outage_period(outage)}.", "success")
        if is_short_notice(outage):
            _short_notice_warning(outage)
        return redirect(url_for("office.outages.list_outages", **_list_args(outage)))
    return render_template(
        "outages/office/form.html", form=form, outage=None, min_notice_days=get_settings().min_notice_days
    )


def _list_args(outage: Outage) -> dict:
    day = to_local(outage.starts_at).date().isoformat()
    return {"settlement": outage.settlement, "date_from": day}


@bp.route("/<int:outage_id>/edit", methods=["GET", "POST"])
def edit_outage(outage_id: int):
    outage = _outage_or_404(outage_id)
    if not outage.is_active:
        flash("Отменённое или завершённое отключение изменить нельзя.", "error")
        return redirect(url_for("office.outages.list_outages"))
    if request.method == "GET":
        form = OutageForm(obj=outage)
        form.starts_at.data = to_local(outage.starts_at).strftime("%Y-%m-%dT%H:%M")
        form.ends_at.data = to_local(outage.ends_at).strftime("%Y-%m-%dT%H:%M")
        form.external_id.data = outage.external_id or ""
    else:
        form = OutageForm()
    data = _validated(form, outage) if request.method == "POST" else None
    if data is not None:
        if data.external_id is None and outage.external_id:
            data.external_id = outage.external_id
        old_start = outage.starts_at
        event = update_outage(outage, data)
        if event is None:
            flash("Ничего не изменилось.", "info")
        else:
            record("office.outage_changed", outage, place=outage.place[:200])
            db.session.commit()
            flash(
                "Изменения сохранены; потребители по адресам отключения получили уведомление."
                if event == "changed"
                else "Изменения сохранены.",
                "success",
            )
            if outage.starts_at != old_start and is_short_notice(outage):
                _short_notice_warning(outage)
        return redirect(url_for("office.outages.list_outages", **_list_args(outage)))
    return render_template(
        "outages/office/form.html", form=form, outage=outage, min_notice_days=get_settings().min_notice_days
    )


@bp.route("/<int:outage_id>/cancel", methods=["GET", "POST"])
def cancel(outage_id: int):
    """A confirmation page; the POST cancels and tells the consumers."""
    outage = _outage_or_404(outage_id)
    form = CancelForm()
    if not outage.is_active:
        flash("Это отключение уже отменено или завершено.", "error")
        return redirect(url_for("office.outages.list_outages"))
    if form.validate_on_submit():
        cancel_outage(outage)
        record("office.outage_cancelled", outage, place=outage.place[:200])
        db.session.commit()
        flash(f"Отключение отменено: {outage.place}, {outage_period(outage)}.", "success")
        return redirect(url_for("office.outages.list_outages", **_list_args(outage)))
    return render_template("outages/office/cancel.html", outage=outage, form=form, period=outage_period)


@bp.post("/<int:outage_id>/close")
def close(outage_id: int):
    outage = _outage_or_404(outage_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if close_outage(outage):
        record("office.outage_closed", outage)
        db.session.commit()
        flash("Отключение отмечено как выполненное.", "success")
    else:
        flash("Закрыть можно только запланированное отключение.", "error")
    return redirect(url_for("office.outages.list_outages", **_list_args(outage)))


@bp.route("/import", methods=["GET", "POST"])
@reads_first
def import_file():
    """The upload. A file written redirects to the result (Post/Redirect/Get: a refresh shows
    the result again, not a second import); a refused file shows its errors here, since
    nothing was written and sending it again is harmless."""
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            form.file.errors.append("Файл больше 5 МБ: разделите его на части.")
        else:
            try:
                rows = read_csv(data)  # parsed and checked whole, outside any lock
            except ImportFileError as exc:
                form.file.errors.append(f"Файл не загружен: {exc}")
            else:
                result = import_rows(rows, current_user)
                with unit_of_work():
                    record(
                        "office.outages_imported",
                        None,
                        created=result.created,
                        updated=result.updated,
                        unchanged=result.unchanged,
                        file=(form.file.data.filename or "")[:100],
                    )
                _keep_result(result)
                return redirect(url_for("office.outages.import_result"))
    return render_template("outages/office/import.html", form=form)


#: Short-notice lines the result page lists by name; it counts the rest. The result travels
#: in the session cookie, which must stay well under the browsers' 4 KB.
SHOWN_SHORT_NOTICE = 50


def _keep_result(result: ImportResult) -> None:
    keep_for_one_view(
        "outage_import",
        user_id=current_user.id,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        short_notice=[[line, outage.id] for line, outage in result.short_notice[:SHOWN_SHORT_NOTICE]],
        short_notice_total=len(result.short_notice),
    )


@bp.get("/import/result")
def import_result():
    """What the import just did, shown once; seen again, the page says so and offers the
    upload of another file."""
    shown = take("outage_import", user_id=current_user.id)
    short_notice = []
    if shown and shown["short_notice"]:
        lines = dict((outage_id, line) for line, outage_id in shown["short_notice"])
        found = db.session.scalars(sa.select(Outage).where(Outage.id.in_(lines)))
        short_notice = sorted(((lines[o.id], o) for o in found), key=lambda pair: pair[0])
    response = make_response(
        render_template(
            "outages/office/import_result.html",
            result=shown,
            short_notice=short_notice,
            period=outage_period,
            min_notice_days=get_settings().min_notice_days,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    current = get_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        save_settings(form.min_notice_days.data)
        record("office.outage_settings", None, min_notice_days=form.min_notice_days.data)
        db.session.commit()
        flash("Настройки сохранены.", "success")
        return redirect(url_for("office.outages.settings"))
    return render_template("outages/office/settings.html", form=form)


office.register_blueprint(bp)
