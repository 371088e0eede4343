"""The account's part of «мои данные» and of the purge (see app.core.personal_data)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import ApplicantType, LoginAttempt, LoginSession
from app.core.personal_data import on_anonymise, personal_data_exporter, purge_rule
from app.extensions import db


@personal_data_exporter("account", order=10)
def export_account(user) -> dict:
    return {
        "email": user.email,
        "phone": user.phone,
        "applicant_type": ApplicantType(user.applicant_type).label if user.applicant_type else None,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "middle_name": user.middle_name,
        "organisation": user.org_name or None,
        "snils": user.snils,
        "inn": user.inn,
        "kpp": user.kpp,
        "ogrn": user.ogrn,
        "registered_at": user.created_at,
        "registered_via": {"online": "на сайте", "office": "в офисе", "command": "администратором"}.get(
            user.registered_via, user.registered_via
        ),
        "last_login_at": user.last_login_at,
        "second_factor_enabled_at": user.totp_enabled_at,
    }


@personal_data_exporter("login_history", order=30)
def export_login_history(user) -> list[dict]:
    rows = db.session.scalars(
        sa.select(LoginAttempt).where(LoginAttempt.user_id == user.id).order_by(LoginAttempt.id.desc())
    )
    return [
        {
            "at": r.at,
            "ip": r.ip,
            "success": r.success,
            "step": "пароль" if r.factor == "password" else "код подтверждения",
        }
        for r in rows
    ]


@purge_rule("login_attempts", order=60)
def purge_login_attempts(moment: datetime) -> int:
    """Failed attempts are kept for throttling and investigation (90 days); successful ones
    are the login history and the «known addresses» that keep owners from being locked out
    (1 year)."""
    config = current_app.config
    failed = db.session.execute(
        sa.delete(LoginAttempt).where(
            LoginAttempt.success.is_(False),
            LoginAttempt.at < moment - timedelta(days=config["FAILED_LOGIN_RETENTION_DAYS"]),
        )
    )
    succeeded = db.session.execute(
        sa.delete(LoginAttempt).where(
            LoginAttempt.success.is_(True),
            LoginAttempt.at < moment - timedelta(days=config["LOGIN_HISTORY_RETENTION_DAYS"]),
        )
    )
    return failed.rowcount + succeeded.rowcount


@purge_rule("login_sessions", order=61)
def purge_login_sessions(moment: datetime) -> int:
    """A login record is of no use once it ended (logout, logout everywhere, a password
    change, a disabled account) or expired; it goes a short while later. An open record
    stays: it is a login going on."""
    cutoff = moment - timedelta(days=current_app.config["LOGIN_SESSION_RETENTION_DAYS"])
    result = db.session.execute(
        sa.delete(LoginSession).where(sa.or_(LoginSession.ended_at < cutoff, LoginSession.expires_at < cutoff))
    )
    return result.rowcount


@on_anonymise
def forget_login_sessions(user) -> None:
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))


def recent_logins(user, limit: int = 5) -> list[LoginAttempt]:
    """The last attempts on the account, for the profile: the owner spots strangers."""
    return list(
        db.session.scalars(
            sa.select(LoginAttempt).where(LoginAttempt.user_id == user.id).order_by(LoginAttempt.id.desc()).limit(limit)
        )
    )
