"""The public schedule (/outages, its printable view and /outages.ics) and «мои адреса»."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_blocks

from app.audit.services import record
from app.company.services import get_company
from app.core.clock import now
from app.core.forms import ActionForm
from app.core.htmx import is_htmx
from app.core.limits import limit_submissions
from app.core.urls import int_arg
from app.extensions import db
from app.outages import bp
from app.outages.forms import AddressForm, ScheduleFilterForm
from app.outages.ical import build_calendar
from app.outages.services import (
    PAGE_SIZE,
    ScheduleFilter,
    add_address,
    by_day,
    find_user_address,
    outage_period,
    schedule_all,
    schedule_page,
    settlement_keys,
    suggestions,
    time_range,
    validate_address,
)

UNKNOWN_SETTLEMENT = "Населённого пункта «{}» нет в графике отключений. Проверьте название или выберите из подсказок."


def _read_filter() -> tuple[ScheduleFilterForm, ScheduleFilter, list[str] | None, list[str]]:
    """The filter from the query string: the form (with its errors), the values that are
    valid, the settlement keys it means, and messages for the result block."""
    form = ScheduleFilterForm(request.args)
    form.validate()
    flt = ScheduleFilter(
        settlement=(form.settlement.data or "")[:120] if not form.settlement.errors else "",
        street=(form.street.data or "")[:160] if not form.street.errors else "",
        date_from=getattr(form.date_from, "parsed", None) if not form.date_from.errors else None,
        date_to=getattr(form.date_to, "parsed", None) if not form.date_to.errors else None,
    )
    keys = None
    if flt.settlement:
        keys = settlement_keys(flt.settlement)
        if keys is None:
            form.settlement.errors = [*form.settlement.errors, UNKNOWN_SETTLEMENT.format(flt.settlement)]
            keys = []
    messages = [message for _field, message in form.error_list()]
    return form, flt, keys, messages


def _page_number() -> int:
    page = request.args.get("page", 1, type=int_arg) or 1
    return min(max(page, 1), 10_000)


@bp.get("/outages")
def schedule():
    form, flt, keys, messages = _read_filter()
    page = _page_number()
    outages, total = schedule_page(flt, keys, page)
    settlements, streets = suggestions(flt, keys)
    start, end = flt.window()
    context = dict(
        form=form,
        flt=flt,
        outages=outages,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        has_next=page * PAGE_SIZE < total,
        messages=messages,
        start=start,
        end=end,
        settlements=settlements,
        streets=streets,
        period=time_range,
        days=by_day(outages),
    )
    if is_htmx():
        # The list and, out of band, the suggestions for what is typed now.
        response = make_response(
            render_blocks("outages/schedule.html", ["results", "suggestions"], oob=True, **context)
        )
    else:
        response = make_response(render_template("outages/schedule.html", **context))
    response.vary.add("HX-Request")
    return response


@bp.get("/outages/print")
def print_schedule():
    form, flt, keys, messages = _read_filter()
    outages = schedule_all(flt, keys, limit=1000)
    start, end = flt.window()
    return render_template(
        "outages/print.html",
        form=form,
        flt=flt,
        outages=outages,
        messages=messages,
        start=start,
        end=end,
        limit=1000,
        period=outage_period,
        now_local=now(),
    )


@bp.get("/outages.ics")
def calendar_feed():
    form, flt, keys, messages = _read_filter()
    if messages:
        body = "Ошибка в параметрах календаря: " + " ".join(messages)
        return body, 400, {"Content-Type": "text/plain; charset=utf-8"}
    outages = schedule_all(flt, keys)
    start, _ = flt.window()
    response = make_response(build_calendar(outages, get_company(), start))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = "inline; filename=outages.ics"
    return response


# --- «мои адреса» (a block of /profile) ------------------------------------------------------


def _consumer():
    if current_user.is_staff:
        abort(403)
    return current_user._get_current_object()


@bp.route("/profile/addresses/new", methods=["GET", "POST"])
@login_required
@limit_submissions
def add_my_address():
    user = _consumer()
    form = AddressForm(prefix="address")
    if form.validate_on_submit():
        problems = validate_address(user, form.settlement.data, form.street.data or "", form.house.data or "")
        for name, message in problems.items():
            getattr(form, name).errors.append(message)
        if not problems:
            address = add_address(user, form.settlement.data, form.street.data or "", form.house.data or "")
            record("profile.address_added", address)
            db.session.commit()
            flash(f"Адрес «{address.text}» добавлен: мы сообщим о плановых отключениях по нему.", "success")
            return redirect(url_for("cabinet.profile") + "#my-addresses")
    return render_template("outages/address_new.html", form=form)


@bp.post("/profile/addresses/<int:address_id>/delete")
@login_required
@limit_submissions
def delete_my_address(address_id: int):
    user = _consumer()
    address = find_user_address(user, address_id)
    if address is None or address.source != "manual":
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    text = address.text
    record("profile.address_removed", address)
    db.session.delete(address)
    db.session.commit()
    flash(f"Адрес «{text}» удалён.", "success")
    return redirect(url_for("cabinet.profile") + "#my-addresses")
