from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.audit.services import record
from app.core.clock import now
from app.core.forms import ActionForm
from app.core.limits import limit_exports, limit_submissions
from app.core.security import DOWNLOAD_CONTENT_SECURITY_POLICY
from app.db import unit_of_work
from app.extensions import db
from app.privacy import bp
from app.privacy.consent import VERSIONS, current
from app.privacy.services import (
    consent_history,
    export_json,
    export_zip,
    processing_stops_on,
    record_consent,
    retention_reasons,
    withdraw_consent,
)


@bp.get("/privacy")
def policy():
    return render_template("privacy/policy.html", consent=current())


@bp.get("/privacy/consent", defaults={"version": None})
@bp.get("/privacy/consent/<version>")
def consent(version: str | None):
    """The consent document: the current version, or any past one records refer to."""
    doc = VERSIONS.get(version) if version else current()
    if doc is None:
        abort(404)
    return render_template("privacy/consent.html", doc=doc)


def _consumer():
    """The logged-in consumer; staff have no personal-data pages of their own here."""
    if current_user.is_staff:
        abort(404)
    return current_user._get_current_object()


# --- consent: status, withdrawal, giving it again -----------------------------------------------


@bp.get("/profile/consent")
@login_required
def consent_status():
    user = _consumer()
    history = consent_history(user)
    latest = history[0] if history else None
    withdrawn = latest is not None and latest.action == "withdrawn"
    return render_template(
        "privacy/consent_status.html",
        history=history,
        latest=latest,
        withdrawn=withdrawn,
        stops_on=processing_stops_on(latest) if withdrawn else None,
        reasons=retention_reasons(user),
        form=ActionForm(),
        versions=VERSIONS,
    )


@bp.route("/profile/consent/withdraw", methods=["GET", "POST"])
@login_required
@limit_submissions
def withdraw():
    """A confirmation page first (GOV.UK pattern), then a new record: withdrawn."""
    user = _consumer()
    history = consent_history(user)
    if not history or history[0].action == "withdrawn":
        return redirect(url_for("privacy.consent_status"))
    form = ActionForm()
    if form.validate_on_submit():
        row = withdraw_consent(user)
        db.session.commit()
        flash(
            f"Согласие отозвано. Обработку ваших данных мы прекратим до {processing_stops_on(row):%d.%m.%Y}, "
            "кроме тех, что обязаны хранить по закону.",
            "success",
        )
        return redirect(url_for("privacy.consent_status"))
    return render_template(
        "privacy/withdraw.html", form=form, reasons=retention_reasons(user), stops_on=processing_stops_on(None)
    )


@bp.post("/profile/consent/give")
@login_required
@limit_submissions
def give():
    user = _consumer()
    if not ActionForm().validate_on_submit():
        abort(400)
    history = consent_history(user)
    if history and history[0].action == "given":
        return redirect(url_for("privacy.consent_status"))
    record_consent(user, method="online")
    record("privacy.consent_given", user)
    db.session.commit()
    flash("Спасибо: согласие на обработку персональных данных снова действует.", "success")
    return redirect(url_for("privacy.consent_status"))


# --- «Скачать мои данные» ---------------------------------------------------------------------------


def _download(data: bytes, mimetype: str, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/profile/data.json")
@login_required
@limit_exports
def export_data_json():
    user = _consumer()
    data = export_json(user)
    with unit_of_work():
        record("privacy.data_exported", user, format="json")
    return _download(data, "application/json; charset=utf-8", f"my-data-{now():%Y-%m-%d}.json")


@bp.get("/profile/data.zip")
@login_required
@limit_exports
def export_data_zip():
    user = _consumer()
    data = export_zip(user)
    with unit_of_work():
        record("privacy.data_exported", user, format="zip")
    return _download(data, "application/zip", f"my-data-{now():%Y-%m-%d}.zip")
