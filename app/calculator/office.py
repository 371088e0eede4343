"""Tariff decisions in the office (admins): list, import a file, look at one, retire one."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import record
from app.calculator.demo import EXAMPLE_RATES
from app.calculator.forms import ImportForm
from app.calculator.rules import BAND_LABELS, METERING_LABELS, TERRITORY_LABELS
from app.calculator.services import (
    decision_in_force,
    get_decision,
    in_force_without,
    list_decisions,
    retire_decision,
    store_decision,
)
from app.calculator.tariff_file import (
    BANDS,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    SECTIONS,
    TariffFileError,
    parse_file,
    to_file,
)
from app.calculator.tariff_form import BAND_COLUMN_LABELS, BAND_COLUMNS, TariffEntryForm
from app.core import signals
from app.core.clock import today
from app.core.forms import ActionForm
from app.core.sections import Section
from app.core.security import DOWNLOAD_CONTENT_SECURITY_POLICY
from app.core.templating import format_date
from app.core.urls import int_arg
from app.db import reads_first, unit_of_work
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required

bp = Blueprint("tariffs", __name__, url_prefix="/tariffs")

PAGE_SIZE = 50
#: The dashboard warns admins this many days before the decision in force runs out.
WARN_DAYS = 30
SECTION_LABELS = {
    "c1": "C1 — технические условия и проверка их выполнения, ₽ за присоединение",
    "c2_per_km": "C2 — воздушные линии, ₽ за км",
    "c3_per_km": "C3 — кабельные линии, ₽ за км",
    "c4_per_point": "C4 — пункты секционирования, ₽ за шт.",
    "c5_per_kw": "C5 — трансформаторные подстанции, ₽ за кВт",
    "c6_per_kw": "C6 — распределительные трансформаторные подстанции, ₽ за кВт",
    "c7_per_kw": "C7 — центры питания, подстанции 35 кВ и выше, ₽ за кВт",
    "c8_per_point": "C8 — средства коммерческого учёта, ₽ за точку учёта",
    "preferential_per_kw": "Льготная плата, ₽ за кВт с НДС",
}
KEY_LABELS = {
    **BAND_LABELS,
    **TERRITORY_LABELS,
    **METERING_LABELS,
    "up_to_150": "до 150 кВт включительно",
    "over_150": "свыше 150 кВт",
    "standard": "физические лица до 15 кВт",
    "preferential_group": "льготная категория заявителей",
}


def _list_page(form: ImportForm, problems=None):
    page = max(request.args.get("page", 1, type=int_arg) or 1, 1)
    rows = list_decisions(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    current = decision_in_force(today())
    return render_template(
        "tariffs/list.html",
        decisions=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        form=form,
        problems=problems or [],
        max_problems=MAX_PROBLEMS,
        current_id=current.id if current else None,
        today=today(),
    )


@bp.get("/", endpoint="list_decisions")
@admin_required
def list_page():
    return _list_page(ImportForm())


@bp.post("/import")
@admin_required
@reads_first
def import_file():
    form = ImportForm()
    if not form.validate_on_submit():
        return _list_page(form)
    upload = form.file.data
    raw = upload.read(MAX_FILE_BYTES + 1)  # parse_file refuses more than MAX_FILE_BYTES
    try:
        parsed = parse_file(raw)
    except TariffFileError as exc:
        form.file.errors.append(
            f"Файл не принят, ничего не изменено: ошибок — {len(exc.problems)}. Исправьте их и загрузите файл снова."
        )
        return _list_page(form, exc.problems)
    with unit_of_work():
        result = store_decision(parsed, upload.filename or "", actor=current_user)
        decision = result.decision
        if result.created:
            record("office.tariff_imported", decision, title=decision.title, valid_from=decision.valid_from)
    if result.created:
        flash(f"Тарифное решение «{decision.title}» загружено.", "success")
    else:
        retired = " Оно выведено из действия." if decision.retired_at else ""
        flash(f"Такое решение уже загружено: ничего не изменилось.{retired}", "info")
    return redirect(url_for("office.tariffs.show_decision", decision_id=decision.id))


@bp.get("/sample.json")
@admin_required
def sample_file():
    """A valid decision in the file's format (the demo's fictional rates), to copy from."""
    year = today().year
    text = to_file(
        "Примерская область (образец)",
        f"Образец: постановление РЭК Примерской области N 00/00 от 20.12.{year - 1} (вымышленное)",
        date(year, 1, 1),
        date(year, 12, 31),
        EXAMPLE_RATES,
    )
    return Response(
        text,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="tariff-sample.json"',
            "Content-Security-Policy": DOWNLOAD_CONTENT_SECURITY_POLICY,
        },
    )


def _entry_page(form: TariffEntryForm, status: int = 200):
    return render_template(
        "tariffs/new.html",
        form=form,
        bands=list(zip(BANDS, form.bands, strict=True)),
        band_labels=BAND_LABELS,
        band_columns=[(name, BAND_COLUMN_LABELS[name]) for name, _, _ in BAND_COLUMNS],
    ), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
@reads_first
def enter_decision():
    """The decision typed in by hand: the same checks and the same store_decision as a file."""
    form = TariffEntryForm()
    if not form.is_submitted():
        return _entry_page(form)
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    parsed = form.parsed()
    if parsed is None:
        return _entry_page(form)
    with unit_of_work():
        result = store_decision(parsed, "введено вручную", actor=current_user)
        decision = result.decision
        if result.created:
            record("office.tariff_entered", decision, title=decision.title, valid_from=decision.valid_from)
    if result.created:
        flash(f"Тарифное решение «{decision.title}» сохранено.", "success")
    else:
        flash("Такое решение уже загружено: ничего не изменилось.", "info")
    return redirect(url_for("office.tariffs.show_decision", decision_id=decision.id))


@bp.get("/<int:decision_id>")
@admin_required
def show_decision(decision_id: int):
    decision = get_decision(decision_id) or abort(404)
    current = decision_in_force(today())
    return render_template(
        "tariffs/show.html",
        decision=decision,
        sections=SECTIONS,
        section_labels=SECTION_LABELS,
        key_labels=KEY_LABELS,
        in_force_today=current is not None and current.id == decision.id,
    )


@bp.get("/<int:decision_id>/file")
@admin_required
def download_file(decision_id: int):
    """The decision as a §4.3 file, to correct and import again."""
    decision = get_decision(decision_id) or abort(404)
    text = to_file(decision.region, decision.title, decision.valid_from, decision.valid_to, decision.rates)
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="tariff-{decision.id}.json"'},
    )


@bp.route("/<int:decision_id>/retire", methods=["GET", "POST"])
@admin_required
def retire(decision_id: int):
    """A confirmation page rendered by the server (no JS), then the POST that retires."""
    decision = get_decision(decision_id) or abort(404)
    form = ActionForm()
    if decision.retired_at is not None:
        flash("Это решение уже выведено из действия.", "info")
        return redirect(url_for("office.tariffs.show_decision", decision_id=decision.id))
    if form.validate_on_submit():
        retire_decision(decision, actor=current_user)
        record("office.tariff_retired", decision, title=decision.title)
        db.session.commit()
        flash(f"Решение «{decision.title}» выведено из действия: калькулятор его больше не применяет.", "success")
        return redirect(url_for("office.tariffs.list_decisions"))
    current = decision_in_force(today())
    successor = in_force_without(today(), decision.id) if current is not None and current.id == decision.id else None
    return render_template(
        "tariffs/retire.html",
        decision=decision,
        form=form,
        in_force_today=current is not None and current.id == decision.id,
        successor=successor,
    )


@signals.dashboard_widgets.connect
def tariff_widget(staff, **_) -> Section:
    return Section("tariffs/_widget.html", tariff_warning(), order=80)


def tariff_warning() -> dict:
    """For the office dashboard (admins): no decision today, or none after the current one ends."""
    if not current_user.is_admin:
        return {"tariff_warning": None}
    day = today()
    current = decision_in_force(day)
    if current is None:
        return {"tariff_warning": "На сегодня нет действующего тарифного решения: калькулятор не считает стоимость."}
    if current.valid_to and (current.valid_to - day).days <= WARN_DAYS:
        following = current.valid_to + timedelta(days=1)
        if decision_in_force(following) is None:
            return {
                "tariff_warning": f"Действующее тарифное решение заканчивается {format_date(current.valid_to)}, "
                f"а на {format_date(following)} решения нет: загрузите его."
            }
    return {"tariff_warning": None}


office.register_blueprint(bp)
