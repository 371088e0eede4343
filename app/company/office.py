"""Company settings in the office (admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from app.audit.services import record
from app.company.forms import CompanyForm, VatRateForm
from app.company.models import VatRate
from app.company.services import get_company, save_company, vat_schedule
from app.core.forms import ActionForm
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required

bp = Blueprint("company", __name__, url_prefix="/settings")

EDITABLE = [
    "full_name",
    "short_name",
    "address",
    "phone",
    "email",
    "inn",
    "kpp",
    "ogrn",
    "bank_name",
    "bank_bic",
    "bank_account",
    "bank_corr_account",
    "vat_payer",
    "region",
    "time_zone",
    "site_url",
]


@bp.route("/", methods=["GET", "POST"])
@admin_required
def edit_settings():
    company = get_company()
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        changed = [f for f in EDITABLE if getattr(company, f) != getattr(form, f).data]
        save_company({f: getattr(form, f).data for f in EDITABLE})
        record("office.company_settings", None, fields=",".join(changed))
        db.session.commit()
        flash("Сведения о компании сохранены.", "success")
        return redirect(url_for("office.company.edit_settings"))
    rates = db.session.scalars(sa.select(VatRate).order_by(VatRate.valid_from)).all()
    return render_template(
        "company/settings.html",
        form=form,
        vat_form=VatRateForm(),
        rates=rates,
        schedule=vat_schedule(),
        action_form=ActionForm(),
    )


@bp.post("/vat")
@admin_required
def add_vat_rate():
    form = VatRateForm()
    if not form.validate_on_submit():
        for field, message in form.error_list():
            flash(f"{field.label.text}: {message}", "error")
        return redirect(url_for("office.company.edit_settings"))
    if db.session.scalar(sa.select(VatRate).where(VatRate.valid_from == form.valid_from.data)):
        flash("Ставка с этой даты уже есть: удалите её, чтобы ввести другую.", "error")
        return redirect(url_for("office.company.edit_settings"))
    if not db.session.scalar(sa.select(sa.func.count()).select_from(VatRate)):
        # The first rate entered replaces the built-in statutory schedule: keep its history.
        from app.company.services import STATUTORY_VAT

        for valid_from, percent in STATUTORY_VAT:
            if valid_from != form.valid_from.data:
                db.session.add(VatRate(valid_from=valid_from, percent=percent))
    db.session.add(VatRate(valid_from=form.valid_from.data, percent=form.percent.data))
    record("office.vat_rate_added", None, valid_from=form.valid_from.data, percent=form.percent.data)
    db.session.commit()
    flash("Ставка НДС добавлена.", "success")
    return redirect(url_for("office.company.edit_settings"))


@bp.post("/vat/<int:rate_id>/delete")
@admin_required
def delete_vat_rate(rate_id: int):
    rate = db.session.get(VatRate, rate_id)
    if rate is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    record("office.vat_rate_deleted", rate, valid_from=rate.valid_from)
    db.session.delete(rate)
    db.session.commit()
    flash("Ставка НДС удалена.", "success")
    return redirect(url_for("office.company.edit_settings"))


office.register_blueprint(bp)
