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
    throttle.record_attempt(email, ip, user.id, success=True)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now()
    record("auth.login", user, actor=user)
    return LoginResult(LoginOutcome.ok, user)


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
