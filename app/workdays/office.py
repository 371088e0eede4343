"""The working-day calendar in the office (admins): the production calendar of the year
with the overrides, and adding or removing an override."""

from __future__ import annotations

import calendar as _calendar
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.audit.services import record
from app.core.clock import today
from app.core.forms import ActionForm
from app.core.urls import int_arg
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required
from app.workdays.forms import OverrideForm
from app.workdays.models import CalendarOverride
from app.workdays.services import calendar_changed, get_calendar, statutory_holiday_name, statutory_is_working

bp = Blueprint("workdays", __name__, url_prefix="/calendar")

MONTHS = [
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
]


@bp.get("/")
@admin_required
def calendar():
    year = request.args.get("year", today().year, type=int_arg)
    if not 2000 <= year <= 2100:
        abort(404)
    cal = get_calendar()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in _calendar.Calendar().monthdatescalendar(year, month):
            weeks.append(
                [
                    (d, cal.is_working_day(d), d in cal.overrides, statutory_holiday_name(d))
                    if d.month == month
                    else None
                    for d in week
                ]
            )
        working = sum(1 for w in weeks for c in w if c and c[1])
        months.append((MONTHS[month - 1], weeks, working))
    overrides = db.session.scalars(
        sa.select(CalendarOverride)
        .where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
        .order_by(CalendarOverride.day)
    ).all()
    return render_template(
        "workdays/calendar.html",
        year=year,
        months=months,
        overrides=overrides,
        form=OverrideForm(),
        action_form=ActionForm(),
        statutory_is_working=statutory_is_working,
    )


@bp.post("/")
@admin_required
def add_override():
    form = OverrideForm()
    if not form.validate_on_submit():
        for field, message in form.error_list():
            flash(f"{field.label.text}: {message}", "error")
        return redirect(url_for("office.workdays.calendar"))
    day = form.day.data
    existing = db.session.scalar(sa.select(CalendarOverride).where(CalendarOverride.day == day))
    if existing is None:
        existing = CalendarOverride(day=day)
        db.session.add(existing)
    existing.is_working = form.is_working.data == "1"
    existing.note = form.note.data or ""
    db.session.flush()
    changed = calendar_changed()
    record("office.calendar_override", existing, day=day, is_working=existing.is_working)
    db.session.commit()
    flash(
        f"{day.strftime('%d.%m.%Y')} отмечен как {'рабочий' if existing.is_working else 'нерабочий'} день. "
        f"Пересчитано сроков: {changed}.",
        "success",
    )
    return redirect(url_for("office.workdays.calendar", year=day.year))


@bp.post("/<int:override_id>/delete")
@admin_required
def delete_override(override_id: int):
    override = db.session.get(CalendarOverride, override_id)
    if override is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    year = override.day.year
    record("office.calendar_override_deleted", override, day=override.day)
    db.session.delete(override)
    db.session.flush()
    changed = calendar_changed()
    db.session.commit()
    flash(f"Исключение удалено. Пересчитано сроков: {changed}.", "success")
    return redirect(url_for("office.workdays.calendar", year=year))


office.register_blueprint(bp)
