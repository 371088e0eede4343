"""The consumer's own account security, reached from /profile: the second factor, logout
everywhere, the change of the login email (SPEC §2.1, §2.10)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from app.audit.services import client_ip, record
from app.auth import bp, twofactor
from app.auth.forms import EmailChangeForm, EnableSecondFactorForm, PasswordConfirmForm
from app.auth.routes import enrolment_context, recovery_codes_page
from app.auth.services import (
    confirm_email_change,
    confirm_password,
    request_email_change,
    send_security_notice,
    settle_password_check,
)
from app.auth.sessions import end_all_sessions, end_session
from app.auth.tokens import load_token
from app.core.forms import ActionForm
from app.core.limits import limit_submissions
from app.db import reads_first, unit_of_work
from app.extensions import db

_SETUP_KEY = "totp_setup"


def _consumer():
    """The logged-in consumer; staff manage their accounts through an admin."""
    if current_user.is_staff:
        abort(404)
    return current_user._get_current_object()


# --- logout everywhere --------------------------------------------------------------------------


@bp.post("/profile/logout-everywhere")
@login_required
def logout_everywhere():
    """«Выйти на всех устройствах»: every session and remember-me cookie ends, this one too."""
    if not ActionForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    end_all_sessions(user)
    record("auth.logout_everywhere", user)
    end_session()
    db.session.commit()
    flash("Вы вышли на всех устройствах. Войдите снова.", "success")
    return redirect(url_for("auth.login"))


# --- the second factor --------------------------------------------------------------------------


@bp.route("/profile/second-factor", methods=["GET", "POST"])
@login_required
@limit_submissions
def second_factor_settings():
    user = _consumer()
    if user.has_second_factor:
        return render_template(
            "auth/second_factor_settings.html",
            user=user,
            remaining=twofactor.remaining_recovery_codes(user),
            off_form=PasswordConfirmForm(prefix="off"),
            codes_form=PasswordConfirmForm(prefix="codes"),
        )
    secret = session.get(_SETUP_KEY) or twofactor.new_secret()
    session[_SETUP_KEY] = secret
    form = EnableSecondFactorForm()
    if form.validate_on_submit():
        step = twofactor.check_totp(secret, form.code.data, None)
        if step is None:
            form.code.errors.append("Код не подошёл. Проверьте, что время на телефоне точное, и введите новый код.")
        else:
            codes = twofactor.enable(user, secret, step)
            session.pop(_SETUP_KEY, None)
            record("auth.second_factor_enabled", user)
            send_security_notice(
                user,
                "Подключено подтверждение входа",
                "Для вашей учётной записи подключено подтверждение входа кодом из приложения.",
            )
            db.session.commit()
            session["mfa"] = True
            return recovery_codes_page(codes, url_for("cabinet.profile"))
    return render_template(
        "auth/second_factor_setup.html", form=form, at_login=False, **enrolment_context(secret, user.email)
    )


def _password_problem(user, form) -> str | None:
    """The reason to refuse a sensitive change: its form, or the password typed again (checked
    outside any lock, a wrong one counted in a unit of work of its own)."""
    if not form.validate_on_submit():
        return None
    return settle_password_check(user, confirm_password(user, form.password.data, client_ip()), client_ip())


@bp.post("/profile/second-factor/disable")
@login_required
@limit_submissions
@reads_first
def disable_second_factor():
    user = _consumer()
    form = PasswordConfirmForm(prefix="off")
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor_settings"))
    problem = _password_problem(user, form)
    if form.errors or problem:
        if problem:
            form.password.errors = [*form.password.errors, problem]
        return render_template(
            "auth/second_factor_settings.html",
            user=user,
            remaining=twofactor.remaining_recovery_codes(user),
            off_form=form,
            codes_form=PasswordConfirmForm(prefix="codes", formdata=None),
        ), 200
    with unit_of_work():
        twofactor.disable(user)
        record("auth.second_factor_disabled", user)
        send_security_notice(
            user,
            "Подтверждение входа отключено",
            "Для вашей учётной записи отключено подтверждение входа кодом. Если это были не вы, "
            "срочно смените пароль и включите подтверждение снова.",
        )
    flash("Подтверждение входа кодом отключено.", "success")
    return redirect(url_for("cabinet.profile"))


@bp.post("/profile/second-factor/recovery-codes")
@login_required
@limit_submissions
@reads_first
def new_recovery_codes():
    user = _consumer()
    form = PasswordConfirmForm(prefix="codes")
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor_settings"))
    problem = _password_problem(user, form)
    if form.errors or problem:
        if problem:
            form.password.errors = [*form.password.errors, problem]
        return render_template(
            "auth/second_factor_settings.html",
            user=user,
            remaining=twofactor.remaining_recovery_codes(user),
            off_form=PasswordConfirmForm(prefix="off", formdata=None),
            codes_form=form,
        ), 200
    with unit_of_work():
        codes = twofactor.new_recovery_codes(user)
        record("auth.recovery_codes_renewed", user)
    return recovery_codes_page(codes, url_for("auth.second_factor_settings"))


# --- the login email ----------------------------------------------------------------------------


@bp.route("/profile/email", methods=["GET", "POST"])
@login_required
@limit_submissions
@reads_first
def change_email():
    """A new login email, confirmed by a link mailed to it; the password is asked first."""
    user = _consumer()
    form = EmailChangeForm()
    if form.validate_on_submit():
        if form.new_email.data == user.email:
            form.new_email.errors.append("Это ваш текущий адрес. Укажите новый.")
        elif problem := settle_password_check(
            user, confirm_password(user, form.current_password.data, client_ip()), client_ip()
        ):
            form.current_password.errors.append(problem)
        else:
            with unit_of_work():
                request_email_change(user, form.new_email.data)
            return render_template("auth/email_change_sent.html", email=form.new_email.data)
    return render_template("auth/change_email.html", form=form, user=user)


@bp.route("/profile/email/confirm/<token>", methods=["GET", "POST"])
def confirm_new_email(token: str):
    """The link from the mail: a page with a button, so a mail scanner opening the link
    changes nothing. The address changes on the POST, and every session ends."""
    loaded = load_token(token, "email-change", current_app.config["EMAIL_CHANGE_TOKEN_SECONDS"])
    new_email = loaded[1].get("e") if loaded else None
    if loaded is None or not isinstance(new_email, str) or "@" not in new_email:
        return render_template("auth/link_invalid.html"), 400
    user = loaded[0]
    form = ActionForm()
    if form.validate_on_submit():
        if not confirm_email_change(user, new_email):
            db.session.rollback()
            return render_template("auth/email_change_confirm.html", new_email=new_email, form=form, taken=True), 409
        end_session()
        db.session.commit()
        flash("Адрес для входа изменён. Войдите с новым адресом.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/email_change_confirm.html", new_email=new_email, form=form, taken=False)
