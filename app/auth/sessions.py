"""Who is logged in, and for how long (SPEC §2.10).

Every completed login has a record (LoginSession) with a random secret; the session and
remember-me cookies carry "user id.session_version.secret" (User.get_id), and each
logged-in request loads the user only if that record is still open and unexpired and the
version is the user's, in one indexed select. A logout ends the record, so no copy of the
cookies works any more; bumping session_version (end_all_sessions) ends every login of the
user at once. Staff sessions last at most 8 hours and end after 30 idle minutes, and exist
only after the second factor. A one-time password must be replaced before anything else.

Between a correct password and the second factor the session holds a *pending* login
(who, which session_version, when), never a logged-in user and no record.

GET requests never write here: the staff limits end a session in the browser only (its
record expires by itself)."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.models import LoginSession, User
from app.core.clock import now
from app.extensions import db, login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = "Войдите, чтобы открыть эту страницу."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

#: Endpoints a user with a one-time password may still reach.
_FORCED_CHANGE_ALLOWED = {
    "auth.change_password",
    "auth.logout",
    "static",
    "privacy.policy",
    "privacy.consent",
    "public.healthz",
}
_PENDING = "pending_login"
#: How precisely a staff session's last activity is kept (the idle limit is 30 minutes).
_SEEN_PRECISION_SECONDS = 60
#: token_urlsafe(32): 43 characters; anything far from that is not ours.
_SECRET_LENGTHS = range(32, 65)


#: Built once: every logged-in request runs it (bench/: a statement built anew costs as much
#: as running it). The user by primary key, the record by its unique hash.
_USER_OF_SESSION = (
    sa.select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == sa.bindparam("uid"),
        User.session_version == sa.bindparam("version"),
        User.is_enabled.is_(True),
        LoginSession.secret_hash == sa.bindparam("secret_hash"),
        LoginSession.ended_at.is_(None),
        LoginSession.expires_at > sa.bindparam("now"),
    )
)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a session or remember-me cookie, while its login record is open."""
    parts = user_id.split(".")
    if len(parts) != 3:
        return None
    uid, version, secret = parts
    if (
        not (uid.isascii() and uid.isdigit() and version.isascii() and version.isdigit())
        or len(secret) not in _SECRET_LENGTHS
    ):
        return None
    user = db.session.scalar(
        _USER_OF_SESSION, {"uid": int(uid), "version": int(version), "secret_hash": _hash(secret), "now": now()}
    )
    if user is not None:
        user.login_secret = secret
    return user


def _lifetime(remember: bool) -> timedelta:
    if not remember:
        return current_app.permanent_session_lifetime
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def start_session(user: User, remember: bool, *, second_factor: bool = False) -> None:
    """A fresh session for a login, with its own record (the caller commits): nothing of
    the anonymous session is carried over.

    `second_factor` says the login passed it; staff sessions without it are refused."""
    remember = remember and user.is_consumer
    secret = secrets.token_urlsafe(32)
    moment = now()
    db.session.add(
        LoginSession(
            user_id=user.id,
            secret_hash=_hash(secret),
            created_at=moment,
            remembered=remember,
            expires_at=moment + _lifetime(remember),
        )
    )
    user.login_secret = secret
    session.clear()
    login_user(user, remember=remember, fresh=True)
    session["auth_at"] = int(time.time())
    session["seen_at"] = int(time.time())
    session["mfa"] = bool(second_factor)
    session.permanent = False


def _end_records(*where) -> None:
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.ended_at.is_(None), *where)
        .values(ended_at=now())
        .execution_options(synchronize_session=False)
    )


def end_session() -> None:
    """This browser logs out (a POST; the caller commits): its login record ends, so no
    copy of its cookies works any more, and the remember-me cookie is deleted."""
    if current_user.is_authenticated:
        _end_records(LoginSession.secret_hash == _hash(current_user.login_secret or ""))
    forget_session()


def forget_session() -> None:
    """This browser forgets the login and writes nothing, as a GET must: the record stays
    until it expires (the staff limits, checked on every request, refuse the cookie anyway)."""
    session.clear()
    # After clear(), or it would wipe logout_user's instruction to delete the remember-me cookie.
    logout_user()


def end_all_sessions(user: User) -> None:
    """Every session and remember-me cookie of the user stops working (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1
    _end_records(LoginSession.user_id == user.id)


def keep_session(user: User) -> None:
    """The logged-in user changed the password (set_password moved session_version on):
    their other logins end, this one goes on, its cookies re-issued with the new version
    (the caller commits). Its 8 hours (staff) and 30 days (remember-me) still count from
    the login."""
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.secret_hash == _hash(user.login_secret or "")))
    if login is None:  # cannot be while the user is logged in; if it were, nothing is kept
        end_all_sessions(user)
        forget_session()
        return
    _end_records(LoginSession.user_id == user.id, LoginSession.id != login.id)
    remaining = login.expires_at - now()
    login_user(user, remember=login.remembered, duration=remaining if login.remembered else None, fresh=True)


# --- the step between the password and the second factor ------------------------------------


def begin_pending_login(user: User, *, remember: bool, next_url: str | None) -> None:
    """The password was right; the second factor (or its enrolment) comes next."""
    session.clear()
    session[_PENDING] = {
        "uid": user.id,
        "v": user.session_version,
        "remember": bool(remember and user.is_consumer),
        "next": next_url or "",
        "at": int(time.time()),
        "fails": 0,
    }


def pending_login() -> tuple[User, dict] | None:
    """The user half-way through logging in, while the pending login is fresh and valid."""
    state = session.get(_PENDING)
    if not isinstance(state, dict):
        return None
    if int(time.time()) - int(state.get("at", 0)) > current_app.config["SECOND_FACTOR_PENDING_SECONDS"]:
        session.pop(_PENDING, None)
        return None
    user = db.session.get(User, state.get("uid"))
    if user is None or not user.is_enabled or user.session_version != state.get("v"):
        session.pop(_PENDING, None)
        return None
    return user, state


def update_pending(**values) -> dict:
    state = dict(session.get(_PENDING) or {})
    state.update(values)
    session[_PENDING] = state
    return state


def drop_pending_login() -> None:
    session.pop(_PENDING, None)


@bp.before_app_request
def guard_session():
    if not current_user.is_authenticated:
        return None
    if current_user.is_staff:
        if not session.get("mfa"):
            # A staff session that did not pass the second factor (made before it was
            # required, or forged by a bug elsewhere) is not a staff session.
            forget_session()
            flash("Войдите снова: сотрудникам нужен код подтверждения.", "info")
            return redirect(url_for("auth.login"))
        clock = int(time.time())
        config = current_app.config
        auth_at = session.get("auth_at", 0)
        seen_at = session.get("seen_at", 0)
        if (
            clock - auth_at > config["STAFF_SESSION_MAX_SECONDS"]
            or clock - seen_at > config["STAFF_SESSION_IDLE_SECONDS"]
        ):
            forget_session()
            flash("Сеанс завершён по времени. Войдите снова.", "info")
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        # Polls do not count as activity, or an open tab would keep the session alive forever.
        # Recorded once a minute at most: each change re-signs and re-sends the cookie.
        if (
            clock - seen_at >= _SEEN_PRECISION_SECONDS
            and request.headers.get("HX-Trigger-Name") != "poll"
            and not request.path.endswith("/badge")
        ):
            session["seen_at"] = clock
    if current_user.must_change_password and request.endpoint not in _FORCED_CHANGE_ALLOWED:
        if request.headers.get("HX-Request"):
            return "", 204
        return redirect(url_for("auth.change_password"))
    return None
