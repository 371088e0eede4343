"""Account rules: registration, one-time passwords, login, password changes.

Services flush and never commit; the route commits once."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from app.audit.services import record
from app.auth import throttle
from app.auth.models import Role, User
from app.auth.passwords import generate_temporary_password, hash_password, needs_rehash, verify_password
from app.auth.tokens import make_token
from app.core.clock import now
from app.extensions import db
from app.mail.services import queue_mail


def staff_members() -> list[User]:
    """Enabled operators and admins, by name: whom an application or appeal can be assigned to."""
    return db.session.scalars(
        sa.select(User).where(User.role.in_([Role.operator.value, Role.admin.value]), User.is_enabled.is_(True))
        .order_by(User.last_name, User.first_name, User.email)
    ).all()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def absolute_url(endpoint: str, **values) -> str:
    from app.company.services import get_company

    return get_company().site_url.rstrip("/") + url_for(endpoint, **values)


# --- registration -----------------------------------------------------------------------------

def issue_temporary_password(user: User) -> str:
    """A fresh one-time password, valid 72 hours; the next login must replace it."""
    password = generate_temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_expires_at = now() + timedelta(hours=current_app.config["TEMPORARY_PASSWORD_HOURS"])
    user.session_version = (user.session_version or 0) + 1
    return password


def send_credentials(user: User, password: str) -> None:
    queue_mail(
        user.email, "credentials", "Доступ в личный кабинет",
        user=user, password=password, login_url=absolute_url("auth.login"),
        expires_at=user.password_expires_at,
    )


def create_consumer(data: dict, *, via: str, created_by: User | None = None) -> tuple[User, str]:
    """Create a consumer from cleaned form data; returns the user and the one-time password."""
    user = User(role=Role.consumer.value, registered_via=via, created_at=now(),
                created_by_id=created_by.id if created_by else None, **data)
    password = issue_temporary_password(user)
    user.session_version = 1
    user.refresh_search_text()
    db.session.add(user)
    db.session.flush()
    return user, password


def register_online(data: dict) -> User | None:
    """Registration from the site. The answer is the same whether the email is taken or
    not: a new account gets its credentials, the owner of a taken one gets a warning."""
    existing = find_by_email(data["email"])
    if existing is not None:
        queue_mail(existing.email, "registration_attempt", "Попытка регистрации с вашим адресом",
                   user=existing, forgot_url=absolute_url("auth.forgot_password"))
        record("auth.register_existing_email", existing, actor=None)
        return None
    from app.privacy.services import record_consent

    user, password = create_consumer(data, via="online")
    record_consent(user, method="online")
    send_credentials(user, password)
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


def authenticate(email: str, password: str, ip: str) -> LoginResult:
    """Check the password. A correct one is not a login yet: complete_login() makes it one,
    right away or after the second factor."""
    email = email.strip().lower()
    if throttle.address_blocked(ip):
        return LoginResult(LoginOutcome.address_blocked)
    if throttle.account_blocked_for(email, ip):
        return LoginResult(LoginOutcome.account_blocked)
    user = find_by_email(email)
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.is_enabled:
        throttle.record_attempt(email, ip, user.id if user else None, success=False)
        record("auth.login_failed", user, actor=None, email_known=user is not None)
        return LoginResult(LoginOutcome.bad_credentials)
    if user.must_change_password and user.password_expires_at and user.password_expires_at < now():
        throttle.record_attempt(email, ip, user.id, success=False)
        record("auth.login_expired_password", user, actor=None)
        return LoginResult(LoginOutcome.expired_temporary, user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(LoginOutcome.ok, user)


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
    queue_mail(user.email, "security_notice", subject, user=user, message=message,
               login_url=absolute_url("auth.login"))


# --- passwords ----------------------------------------------------------------------------------

def set_password(user: User, new_password: str) -> None:
    """A password the user chose: it ends every other session (session_version)."""
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_expires_at = None
    user.session_version = (user.session_version or 0) + 1


def request_password_reset(email: str) -> None:
    """Mail a one-hour, single-use reset link when the account exists; silent otherwise."""
    user = find_by_email(email)
    if user is None or not user.is_enabled:
        return
    token = make_token(user, "password-reset")
    queue_mail(user.email, "password_reset", "Восстановление пароля",
               user=user, reset_url=absolute_url("auth.reset_password", token=token),
               valid_minutes=current_app.config["RESET_TOKEN_SECONDS"] // 60)
    record("auth.password_reset_requested", user, actor=None)


def create_staff(email: str, role: str, *, last_name: str = "", first_name: str = "", created_by: User | None = None) -> tuple[User, str]:
    if role not in (Role.operator.value, Role.admin.value):
        raise ValueError("role must be operator or admin")
    user = User(email=email.strip().lower(), role=role, registered_via="command" if created_by is None else "office",
                last_name=last_name, first_name=first_name, created_at=now(),
                created_by_id=created_by.id if created_by else None)
    password = issue_temporary_password(user)
    user.session_version = 1
    user.refresh_search_text()
    db.session.add(user)
    db.session.flush()
    return user, password


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
            queue_mail(other.email, "email_change_attempt", "Ваш адрес пытались указать в другой учётной записи",
                       user=other, forgot_url=absolute_url("auth.forgot_password"))
        record("auth.email_change_refused", user, reason="address taken" if other.id != user.id else "same address")
        return
    token = make_token(user, "email-change", e=new_email)
    hours = current_app.config["EMAIL_CHANGE_TOKEN_SECONDS"] // 3600
    queue_mail(new_email, "email_change_confirm", "Подтвердите новый адрес для входа",
               user=user, confirm_url=absolute_url("auth.confirm_new_email", token=token), valid_hours=hours)
    send_security_notice(
        user, "Запрошена смена адреса для входа",
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
    queue_mail(old_email, "security_notice", "Адрес для входа изменён", user=user,
               message=f"Адрес электронной почты для входа в личный кабинет изменён на {mask_email(new_email)}. "
                       "Если это были не вы, срочно обратитесь к нам.",
               login_url=absolute_url("auth.login"))
    record("auth.email_changed", user, actor=user)
    return True


def confirm_password(user: User, password: str | None, ip: str) -> str | None:
    """None when `password` is the user's own; else the Russian reason to show.

    Sensitive changes ask for the password again; a wrong one counts as a failed login, so
    a stolen session cannot be used to guess it (the caller commits either way)."""
    if throttle.blocked(user.email, ip):
        return "Слишком много неверных попыток. Подождите 15 минут и попробуйте снова."
    if verify_password(user.password_hash, password or ""):
        return None
    throttle.record_attempt(user.email, ip, user.id, success=False)
    record("auth.password_confirm_failed", user)
    return "Текущий пароль введён неверно."
