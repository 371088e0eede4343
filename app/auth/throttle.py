"""Failed-login throttling kept in the database, so every worker sees the same counts.

An address that failed 10 times in 15 minutes is refused (429). An account accepts at
most 5 failed logins in 15 minutes from addresses that never logged into it; the
addresses it has logged in from still get in, so an attacker cannot lock its owner out
(SPEC §2.10). Counts are kept by the login typed, whether or not the account exists, so
the answer never tells which logins exist. A wrong second-factor code counts as a failed
login too, so codes cannot be guessed faster than passwords."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import LoginAttempt
from app.core.clock import now
from app.extensions import db


def _window_start():
    return now() - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def address_blocked(ip: str) -> bool:
    failures = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at >= _window_start())
    )
    return failures >= current_app.config["LOGIN_FAILURES_PER_ADDRESS"]


def known_address(email: str, ip: str) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                sa.exists().where(LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.success.is_(True))
            )
        )
        is True
    )


def account_blocked_for(email: str, ip: str) -> bool:
    """True when `email` has had too many failures from strangers and `ip` is a stranger too."""
    if known_address(email, ip):
        return False
    known_ips = sa.select(LoginAttempt.ip).where(LoginAttempt.email == email, LoginAttempt.success.is_(True))
    failures = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.success.is_(False),
            LoginAttempt.at >= _window_start(),
            LoginAttempt.ip.not_in(known_ips),
        )
    )
    return failures >= current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]


def record_attempt(email: str, ip: str, user_id: int | None, success: bool, factor: str = "password") -> None:
    db.session.add(
        LoginAttempt(at=now(), email=email[:254], ip=ip[:45], user_id=user_id, success=success, factor=factor)
    )


def blocked(email: str, ip: str) -> bool:
    """Whether a login step from `ip` for `email` must be refused now (429)."""
    return address_blocked(ip) or account_blocked_for(email, ip)
