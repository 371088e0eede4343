"""Account rules: registration, one-time passwords, login, password changes.

Services flush and never commit; the route commits once."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record
from app.auth import throttle
from app.auth.models import Role, User
from app.auth.passwords import generate_temporary_password, hash_password, needs_rehash, verify_password
from app.auth.tokens import make_token
from app.company.services import absolute_url
from app.core.clock import now
from app.db import unit_of_work
from app.extensions import db
from app.mail.services import ComposedMail, composer, queue_composed, queue_mail, render_mail


def staff_members() -> list[User]:
    """Enabled operators and admins, by name: whom an application or appeal can be assigned to."""
    return db.session.scalars(
        sa.select(User)
        .where(User.role.in_([Role.operator.value, Role.admin.value]), User.is_enabled.is_(True))
        .order_by(User.last_name, User.first_name, User.email)
    ).all()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


# --- registration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemporaryPassword:
    """A one-time password and its hash, made before the unit of work that stores it: the
    hash takes a tenth of a second or more, and no lock may be held meanwhile (app/db.py)."""

    password: str
    hash: str


def new_temporary_password() -> TemporaryPassword:
    password = generate_temporary_password()
    return TemporaryPassword(password, hash_password(password))


def issue_temporary_password(user: User, credentials: TemporaryPassword | None = None) -> str:
    """A fresh one-time password, valid 72 hours; the next login must replace it."""
    credentials = credentials or new_temporary_password()
    user.password_hash = credentials.hash
    user.must_change_password = True
    user.password_expires_at = now() + timedelta(hours=current_app.config["TEMPORARY_PASSWORD_HOURS"])
    user.session_version = (user.session_version or 0) + 1
    return credentials.password


def send_credentials(user: User, password: str) -> None:
    """The one-time password by mail: a consumer's own wording, or a staff member's (an admin
    made the account; the second factor follows the password)."""
    queue_mail(
        user.email,
        "staff_credentials" if user.is_staff else "credentials",
        "Учётная запись сотрудника в личном кабинете" if user.is_staff else "Доступ в личный кабинет",
        user=user,
        role_label=Role(user.role).label if user.is_staff else "",
        password=password,
        login_url=absolute_url("auth.login"),
        expires_at=user.password_expires_at,
    )


def create_consumer(data: dict, credentials: TemporaryPassword, *, via: str, created_by: User | None = None) -> User:
    """Create a consumer from cleaned form data with its one-time password."""
    user = User(
        role=Role.consumer.value,
        registered_via=via,
        created_at=now(),
        created_by_id=created_by.id if created_by else None,
        **data,
    )
    issue_temporary_password(user, credentials)
    user.session_version = 1
    user.refresh_search_text()
    db.session.add(user)
    db.session.flush()
    return user


def register_online(data: dict, credentials: TemporaryPassword) -> User | None:
    """Registration from the site. The answer is the same whether the email is taken or
    not, and so is the work before it: the password is hashed either way (the caller made
    `credentials` before knowing), a new account gets its credentials, the owner of a taken
    one a warning (SPEC §2.1)."""
    existing = find_by_email(data["email"])
    if existing is not None:
        queue_mail(
            existing.email,
            "registration_attempt",
            "Попытка регистрации с вашим адресом",
            user=existing,
            forgot_url=absolute_url("auth.forgot_password"),
        )
        record("auth.register_existing_email", existing, actor=None)
        return None
    from app.privacy.services import record_consent

    user = create_consumer(data, credentials, via="online")
    record_consent(user, method="online")
    send_credentials(user, credentials.password)
    record("auth.register", user, actor=user)
    return user


# --- login --------------------------------------------------------------------------------------


class LoginOutcome(enum.Enum):
    ok = "ok"
    bad_credentials = "bad_credentials"
    expired_temporary = "expired_temporary"
    address_blocked = "address_blocked"
    account_blocked = "account_blocked"


@dataclass
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    email: str = ""
    #: The hash the password was checked against, and a new one when argon2's cost changed.
    checked_hash: str | None = None
    new_hash: str | None = None


def check_login(email: str, password: str, ip: str) -> LoginResult:
    """Check the password: reads and the slow hash, no writes (app/db.py). What it found is
    written by record_login_check() in the unit of work that follows. A correct password is
    not a login yet: complete_login() makes it one, right away or after the second factor."""
    email = email.strip().lower()
    if throttle.address_blocked(ip):
        return LoginResult(LoginOutcome.address_blocked, email=email)
    if throttle.account_blocked_for(email, ip):
        return LoginResult(LoginOutcome.account_blocked, email=email)
    user = find_by_email(email)
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.is_enabled:
        return LoginResult(LoginOutcome.bad_credentials, user, email)
    if user.must_change_password and user.password_expires_at and user.password_expires_at < now():
        return LoginResult(LoginOutcome.expired_temporary, user, email)
    new_hash = hash_password(password) if needs_rehash(user.password_hash) else None
    return LoginResult(LoginOutcome.ok, user, email, checked_hash=user.password_hash, new_hash=new_hash)


def record_login_check(result: LoginResult, ip: str) -> LoginResult:
    """In the unit of work after check_login(): count a failure, and take a success only if
    the account is as it was checked (its password not changed, not disabled meanwhile)."""
    user = result.user
    if result.outcome is LoginOutcome.ok:
        if user.password_hash != result.checked_hash or not user.is_enabled:
            result = LoginResult(LoginOutcome.bad_credentials, user, result.email)
        elif result.new_hash:
            user.password_hash = result.new_hash
    if result.outcome is LoginOutcome.bad_credentials:
        throttle.record_attempt(result.email, ip, user.id if user else None, success=False)
        record("auth.login_failed", user, actor=None, email_known=user is not None)
    elif result.outcome is LoginOutcome.expired_temporary:
        throttle.record_attempt(result.email, ip, user.id, success=False)
        record("auth.login_expired_password", user, actor=None)
    return result


def complete_login(user: User, ip: str, *, second_factor: str = "") -> None:
    """The login succeeded: count the address as the account's own, and audit it."""
    throttle.record_attempt(user.email, ip, user.id, success=True)
    user.last_login_at = now()
    record("auth.login", user, actor=user, second_factor=second_factor or None)


def second_factor_failed(user: User, ip: str) -> None:
    throttle.record_attempt(user.email, ip, user.id, success=False, factor="second_factor")
    record("auth.second_factor_failed", user, actor=None)


def send_security_notice(user: User, subject: str, message: str) -> None:
    """A mail about the account's security, whatever the user's preferences."""
    queue_mail(user.email, "security_notice", subject, user=user, message=message, login_url=absolute_url("auth.login"))


# --- passwords ----------------------------------------------------------------------------------


def set_password(user: User, new_hash: str) -> None:
    """A password the user chose (hashed before the unit of work): it ends every other session
    (session_version)."""
    user.password_hash = new_hash
    user.must_change_password = False
    user.password_expires_at = None
    user.session_version = (user.session_version or 0) + 1


def request_password_reset(email: str) -> None:
    """Ask for a one-hour, single-use reset link by mail. The request does the same whether the
    account exists or not (one queued row); the sender composes the mail, or drops it."""
    queue_composed("password_reset", email.strip().lower())


@composer("password_reset")
def compose_password_reset(email: str) -> ComposedMail | None:
    user = find_by_email(email)
    if user is None or not user.is_enabled:
        return None
    token = make_token(user, "password-reset")
    record("auth.password_reset_requested", user, actor=None)
    return render_mail(
        "password_reset",
        "Восстановление пароля",
        user=user,
        reset_url=absolute_url("auth.reset_password", token=token),
        valid_minutes=current_app.config["RESET_TOKEN_SECONDS"] // 60,
    )


def create_staff(
    email: str,
    role: str,
    credentials: TemporaryPassword,
    *,
    last_name: str = "",
    first_name: str = "",
    middle_name: str = "",
    position: str = "",
    created_by: User | None = None,
) -> User:
    if role not in (Role.operator.value, Role.admin.value):
        raise ValueError("role must be operator or admin")
    user = User(
        email=email.strip().lower(),
        role=role,
        registered_via="command" if created_by is None else "office",
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        **({"position": position} if position else {}),
        created_at=now(),
        created_by_id=created_by.id if created_by else None,
    )
    issue_temporary_password(user, credentials)
    user.session_version = 1
    user.refresh_search_text()
    db.session.add(user)
    db.session.flush()
    return user


# --- change of the login email ----------------------------------------------------------------


def mask_email(email: str) -> str:
    """'m***@example.ru': enough for the owner to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address and a notice to the current one.

    A new address that belongs to another account gets a warning instead of a link, and
    the page says the same thing either way, so it never tells which addresses exist."""
    new_email = new_email.strip().lower()
    other = find_by_email(new_email)
    if other is not None:
        if other.id != user.id:
            queue_mail(
                other.email,
                "email_change_attempt",
                "Ваш адрес пытались указать в другой учётной записи",
                user=other,
                forgot_url=absolute_url("auth.forgot_password"),
            )
        record("auth.email_change_refused", user, reason="address taken" if other.id != user.id else "same address")
        return
    token = make_token(user, "email-change", e=new_email)
    hours = current_app.config["EMAIL_CHANGE_TOKEN_SECONDS"] // 3600
    queue_mail(
        new_email,
        "email_change_confirm",
        "Подтвердите новый адрес для входа",
        user=user,
        confirm_url=absolute_url("auth.confirm_new_email", token=token),
        valid_hours=hours,
    )
    send_security_notice(
        user,
        "Запрошена смена адреса для входа",
        f"В вашем личном кабинете запрошена смена адреса электронной почты для входа на {mask_email(new_email)}. "
        f"Адрес изменится, только когда по ссылке из письма на новый адрес подтвердят смену (ссылка действует "
        f"{hours} ч). Если это были не вы, смените пароль и сообщите нам.",
    )
    record("auth.email_change_requested", user)


def confirm_email_change(user: User, new_email: str) -> bool:
    """Make `new_email` the login; False when someone took the address meanwhile."""
    if find_by_email(new_email) is not None:
        return False
    old_email = user.email
    user.email = new_email
    user.refresh_search_text()
    user.session_version = (user.session_version or 0) + 1
    queue_mail(
        old_email,
        "security_notice",
        "Адрес для входа изменён",
        user=user,
        message=f"Адрес электронной почты для входа в личный кабинет изменён на {mask_email(new_email)}. "
        "Если это были не вы, срочно обратитесь к нам.",
        login_url=absolute_url("auth.login"),
    )
    record("auth.email_changed", user, actor=user)
    return True


@dataclass(frozen=True)
class PasswordCheck:
    """What confirm_password() found: the Russian reason to refuse, if any, and whether it was
    a wrong password (counted by count_wrong_password, in a unit of work)."""

    problem: str | None = None
    wrong: bool = False


def confirm_password(user: User, password: str | None, ip: str) -> PasswordCheck:
    """Whether `password` is the user's own: reads and the slow check only (app/db.py).

    Sensitive changes ask for the password again; a wrong one counts as a failed login, so
    a stolen session cannot be used to guess it."""
    if throttle.blocked(user.email, ip):
        return PasswordCheck("Слишком много неверных попыток. Подождите 15 минут и попробуйте снова.")
    if verify_password(user.password_hash, password or ""):
        return PasswordCheck()
    return PasswordCheck("Текущий пароль введён неверно.", wrong=True)


def count_wrong_password(user: User, ip: str) -> None:
    throttle.record_attempt(user.email, ip, user.id, success=False)
    record("auth.password_confirm_failed", user)


def settle_password_check(user: User, check: PasswordCheck, ip: str) -> str | None:
    """The problem to show, after counting a wrong password in its own unit of work."""
    if check.wrong:
        with unit_of_work():
            count_wrong_password(user, ip)
    return check.problem
