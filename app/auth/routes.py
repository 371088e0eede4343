from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.services import client_ip, record
from app.auth import bp, throttle, twofactor
from app.auth.forms import (
    ChangePasswordForm,
    EnableSecondFactorForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RegistrationForm,
    SecondFactorForm,
)
from app.auth.passwords import hash_password
from app.auth.services import (
    LoginOutcome,
    PasswordCheck,
    check_login,
    complete_login,
    confirm_password,
    new_temporary_password,
    record_login_check,
    register_online,
    request_password_reset,
    second_factor_failed,
    send_security_notice,
    set_password,
    settle_password_check,
)
from app.auth.sessions import (
    begin_pending_login,
    drop_pending_login,
    end_session,
    keep_session,
    pending_login,
    start_session,
    update_pending,
)
from app.auth.tokens import load_token
from app.auth.twofactor import remaining_recovery_codes, verify_code
from app.core.forms import ActionForm
from app.core.limits import limit_submissions
from app.core.security import is_safe_local_url
from app.db import reads_first, unit_of_work
from app.extensions import db, limiter


def home_for(user) -> str:
    return url_for("office.dashboard") if user.is_staff else url_for("cabinet.home")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRATION_LIMIT"], methods=["POST"])
@reads_first
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegistrationForm()
    if form.validate_on_submit():
        # Hashed before the address is looked up: the same work, and the same time, whether
        # it is taken or not (two registrations of one address at once: app/db.py runs the
        # second again, and it finds the address taken).
        credentials = new_temporary_password()
        with unit_of_work():
            register_online(form.applicant_data(), credentials)
        return redirect(url_for("auth.registered"))
    return render_template("auth/register.html", form=form)


@bp.get("/register/done")
def registered():
    """The same neutral answer for every registration (SPEC §2.1)."""
    return render_template("auth/registered.html")


@bp.route("/login", methods=["GET", "POST"])
@reads_first
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    error = None
    if form.validate_on_submit():
        checked = check_login(form.email.data, form.password.data, client_ip())
        target = request.args.get("next")
        target = target if is_safe_local_url(target) else None
        with unit_of_work():
            result = record_login_check(checked, client_ip())
            user = result.user
            if result.outcome is LoginOutcome.ok and user.needs_second_factor:
                begin_pending_login(user, remember=form.remember.data, next_url=target)
                return redirect(url_for("auth.second_factor" if user.has_second_factor else "auth.enrol_second_factor"))
        if result.outcome is LoginOutcome.ok:
            return _finish_login(user, remember=form.remember.data, target=target)
        if result.outcome is LoginOutcome.bad_credentials:
            error = "Неверный адрес электронной почты или пароль."
        elif result.outcome is LoginOutcome.expired_temporary:
            error = (
                "Срок действия временного пароля истёк. Получите новый через «Забыли пароль?» "
                "или обратитесь в офис обслуживания."
            )
        else:
            status = 429
            error = TOO_MANY_ATTEMPTS
    return render_template("auth/login.html", form=form, error=error), status


TOO_MANY_ATTEMPTS = (
    "Слишком много неудачных попыток входа. Подождите 15 минут или восстановите пароль через «Забыли пароль?»."
)


def _finish_login(user, *, remember: bool, target: str | None, second_factor: str = ""):
    """The login is complete: a new session, counted and audited, in a unit of work (which
    commits what the request wrote before it)."""
    with unit_of_work():
        complete_login(user, client_ip(), second_factor=second_factor)
        start_session(user, remember=remember, second_factor=bool(second_factor))
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(target or home_for(user))


def _restart_login(message: str):
    drop_pending_login()
    flash(message, "info")
    return redirect(url_for("auth.login"))


def _code_failed(user, state: dict, form) -> object | None:
    """Count a wrong code; after too many in one login the password must be typed again."""
    second_factor_failed(user, client_ip())
    state = update_pending(fails=int(state.get("fails", 0)) + 1)
    db.session.commit()
    if state["fails"] >= current_app.config["SECOND_FACTOR_MAX_FAILURES"]:
        return _restart_login("Слишком много неверных кодов. Войдите заново.")
    form.code.errors.append("Код не подошёл. Введите новый код из приложения или неиспользованный резервный код.")
    return None


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    """The second step of a login: a TOTP code or a recovery code (SPEC §4.2: field `code`)."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    pending = pending_login()
    if pending is None:
        return _restart_login("Время на ввод кода истекло, или вход не был начат. Войдите снова.")
    user, state = pending
    if not user.has_second_factor:
        return redirect(url_for("auth.enrol_second_factor"))
    form = SecondFactorForm()
    status, error = 200, None
    if form.validate_on_submit():
        if throttle.blocked(user.email, client_ip()):
            status, error = 429, TOO_MANY_ATTEMPTS
        else:
            check = verify_code(user, form.code.data)
            if check.ok:
                if check.method == "recovery_code":
                    left = remaining_recovery_codes(user)
                    send_security_notice(
                        user,
                        "Вход по резервному коду",
                        f"В вашу учётную запись вошли по резервному коду. Осталось кодов: {left}. "
                        "Если это были не вы, срочно смените пароль.",
                    )
                    flash(f"Вы вошли по резервному коду; осталось неиспользованных кодов: {left}.", "warning")
                return _finish_login(
                    user,
                    remember=state.get("remember", False),
                    target=state.get("next") or None,
                    second_factor=check.method,
                )
            if (restart := _code_failed(user, state, form)) is not None:
                return restart
    return render_template("auth/second_factor.html", form=form, error=error, issuer=twofactor.issuer()), status


@bp.route("/login/second-factor/setup", methods=["GET", "POST"])
def enrol_second_factor():
    """Staff without a second factor set it up right after the password, before any session."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    pending = pending_login()
    if pending is None:
        return _restart_login("Время на подключение истекло, или вход не был начат. Войдите снова.")
    user, state = pending
    if user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    secret = state.get("secret") or update_pending(secret=twofactor.new_secret())["secret"]
    form = EnableSecondFactorForm()
    status, error = 200, None
    if form.validate_on_submit():
        if throttle.blocked(user.email, client_ip()):
            status, error = 429, TOO_MANY_ATTEMPTS
        else:
            step = twofactor.check_totp(secret, form.code.data, None)
            if step is not None:
                codes = twofactor.enable(user, secret, step)
                record("auth.second_factor_enabled", user, actor=user)
                send_security_notice(
                    user,
                    "Подключено подтверждение входа",
                    "Для вашей учётной записи подключено подтверждение входа кодом из приложения.",
                )
                complete_login(user, client_ip(), second_factor="totp")
                start_session(user, remember=state.get("remember", False), second_factor=True)
                db.session.commit()
                next_url = (
                    url_for("auth.change_password")
                    if user.must_change_password
                    else (state.get("next") or home_for(user))
                )
                return recovery_codes_page(codes, next_url)
            if (restart := _code_failed(user, state, form)) is not None:
                return restart
    return render_template(
        "auth/second_factor_setup.html", form=form, error=error, at_login=True, **enrolment_context(secret, user.email)
    ), status


def enrolment_context(secret: str, email: str) -> dict:
    return {"qr": twofactor.qr_data_uri(twofactor.provisioning_uri(secret, email)), "secret": twofactor.grouped(secret)}


def recovery_codes_page(codes: list[str], next_url: str):
    """Shown once, right after the codes are made: only their hashes are kept."""
    response = make_response(render_template("auth/recovery_codes.html", codes=codes, next_url=next_url))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("public.index"))
    if current_user.is_authenticated:
        record("auth.logout", current_user)
    end_session()
    db.session.commit()
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
@reads_first
def reset_password(token: str):
    loaded = load_token(token, "password-reset", current_app.config["RESET_TOKEN_SECONDS"])
    if loaded is None:
        return render_template("auth/reset_invalid.html"), 400
    user, _ = loaded
    form = NewPasswordForm()
    form.email = user.email
    if form.validate_on_submit():
        new_hash = hash_password(form.new_password.data)
        with unit_of_work():
            if load_token(token, "password-reset", current_app.config["RESET_TOKEN_SECONDS"]) is None:
                return render_template("auth/reset_invalid.html"), 400  # used meanwhile: single use
            set_password(user, new_hash)
            record("auth.password_reset", user, actor=user)
            end_session()
        flash("Пароль изменён. Войдите с новым паролем.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
@limit_submissions
@reads_first
def change_password():
    forced = current_user.must_change_password
    form = ChangePasswordForm()
    form.email = current_user.email
    if form.validate_on_submit():
        user = current_user._get_current_object()
        check = PasswordCheck() if forced else confirm_password(user, form.current_password.data, client_ip())
        if problem := settle_password_check(user, check, client_ip()):
            form.current_password.errors.append(problem)
        else:
            new_hash = hash_password(form.new_password.data)
            with unit_of_work():
                set_password(user, new_hash)
                keep_session(user)  # the other sessions ended with the old version; this one goes on
                record("auth.password_change", user)
            flash("Пароль изменён.", "success")
            return redirect(home_for(user))
    return render_template("auth/change_password.html", form=form, forced=forced)
