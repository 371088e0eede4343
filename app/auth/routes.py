from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app.audit.services import client_ip, record
from app.auth import bp
from app.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, NewPasswordForm, RegistrationForm
from app.auth.passwords import verify_password
from app.auth.services import LoginOutcome, authenticate, register_online, request_password_reset, set_password
from app.auth.sessions import end_session, start_session
from app.auth.tokens import load_token
from app.core.forms import ActionForm
from app.core.security import is_safe_local_url
from app.extensions import db, limiter


def home_for(user) -> str:
    return url_for("office.dashboard") if user.is_staff else url_for("cabinet.home")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRATION_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegistrationForm()
    if form.validate_on_submit():
        data = form.applicant_data()
        try:
            register_online(data)
            db.session.commit()
        except IntegrityError:
            # Two registrations with the same address at once: the second is "taken".
            db.session.rollback()
            register_online(data)
            db.session.commit()
        return redirect(url_for("auth.registered"))
    return render_template("auth/register.html", form=form)


@bp.get("/register/done")
def registered():
    """The same neutral answer for every registration (SPEC §2.1)."""
    return render_template("auth/registered.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    error = None
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data, client_ip())
        if result.outcome is LoginOutcome.ok:
            start_session(result.user, remember=form.remember.data)
            db.session.commit()
            if result.user.must_change_password:
                return redirect(url_for("auth.change_password"))
            target = request.args.get("next")
            return redirect(target if is_safe_local_url(target) else home_for(result.user))
        db.session.commit()  # the failed attempt is counted
        if result.outcome is LoginOutcome.bad_credentials:
            error = "Неверный адрес электронной почты или пароль."
        elif result.outcome is LoginOutcome.expired_temporary:
            error = ("Срок действия временного пароля истёк. Получите новый через «Забыли пароль?» "
                     "или обратитесь в офис обслуживания.")
        else:
            status = 429
            error = ("Слишком много неудачных попыток входа. Подождите 15 минут или восстановите пароль "
                     "через «Забыли пароль?».")
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("public.index"))
    if current_user.is_authenticated:
        record("auth.logout", current_user)
        db.session.commit()
    end_session()
    flash("Вы вышли из личного кабинета.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RECOVERY_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    loaded = load_token(token, "password-reset", current_app.config["RESET_TOKEN_SECONDS"])
    if loaded is None:
        return render_template("auth/reset_invalid.html"), 400
    user, _ = loaded
    form = NewPasswordForm()
    form.email = user.email
    if form.validate_on_submit():
        set_password(user, form.new_password.data)
        record("auth.password_reset", user, actor=user)
        db.session.commit()
        end_session()
        flash("Пароль изменён. Войдите с новым паролем.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    forced = current_user.must_change_password
    form = ChangePasswordForm()
    form.email = current_user.email
    if form.validate_on_submit():
        if not forced and not verify_password(current_user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("Текущий пароль введён неверно.")
        else:
            user = current_user._get_current_object()
            set_password(user, form.new_password.data)
            record("auth.password_change", user)
            db.session.commit()
            start_session(user, remember=False)  # the other sessions ended with the old version
            flash("Пароль изменён.", "success")
            return redirect(home_for(user))
    return render_template("auth/change_password.html", form=form, forced=forced)
