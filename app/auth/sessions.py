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
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_url, login_user, logout_user

from app.auth import bp
from app.auth.models import LoginSession, User
from app.core.clock import now
from app.core.htmx import is_htmx, is_poll, send_to
from app.extensions import db, login_manager

login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"
LOGIN_MESSAGE = "Войдите, чтобы открыть эту страницу."

#: Endpoints a user with a one-time password may still reach.
_FORCED_CHANGE_ALLOWED = {
    "auth.change_password",
    "auth.logout",
    "auth.recovery_codes",  # shown once, right after the second factor's enrolment at login
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


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class PollsLeaveTheCookie(SecureCookieSessionInterface):
    """A background poll never writes the session cookie (nor deletes it). Its answer may
    arrive after that of the page the browser opened next, and its cookie would overwrite that
    page's: the «Войдите…» message, a fresh login."""

    def save_session(self, app, session, response):
        if is_poll():
            return
        super().save_session(app, session, response)


@bp.record_once
def _install_session_interface(state) -> None:
    state.app.session_interface = PollsLeaveTheCookie()


def _back_to_login(message: str, *, keep_next: bool = True):
    """A request that needs a login it does not have. A background poll gets 401 and nothing
    else: it neither takes the message meant for the page the person opens next nor drags an
    open tab away. An htmx action sends the whole window to the login page (not into the
    fragment), to come back to the page it was made from."""
    if is_poll():
        return "", 401
    flash(message, "info")
    next_url = None
    if keep_next:
        if is_htmx():
            next_url = request.headers.get("HX-Current-URL")
        elif request.method == "GET":
            next_url = request.url
    return send_to(login_url("auth.login", next_url) if next_url else url_for("auth.login"))


@login_manager.unauthorized_handler
def login_needed():
    return _back_to_login(LOGIN_MESSAGE)


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
    # One indexed statement on every logged-in request: the user by id, the login by its hash.
    user = db.session.scalar(
        sa.select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(uid),
            User.session_version == int(version),
            User.is_enabled.is_(True),
            LoginSession.secret_hash == _hash(secret),
            LoginSession.ended_at.is_(None),
            LoginSession.expires_at > now(),
        )
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
            if is_poll():
                return "", 401
            forget_session()
            return _back_to_login("Войдите снова: сотрудникам нужен код подтверждения.", keep_next=False)
        clock = int(time.time())
        config = current_app.config
        auth_at = session.get("auth_at", 0)
        seen_at = session.get("seen_at", 0)
        if (
            clock - auth_at > config["STAFF_SESSION_MAX_SECONDS"]
            or clock - seen_at > config["STAFF_SESSION_IDLE_SECONDS"]
        ):
            if is_poll():
                return "", 401  # the message waits for the page the person opens next
            forget_session()
            return _back_to_login("Сеанс завершён по времени. Войдите снова.")
        # Polls do not count as activity, or an open tab would keep the session alive forever.
        # Recorded once a minute at most: each change re-signs and re-sends the cookie.
        if clock - seen_at >= _SEEN_PRECISION_SECONDS and not is_poll():
            session["seen_at"] = clock
    if current_user.must_change_password and request.endpoint not in _FORCED_CHANGE_ALLOWED:
        if request.headers.get("HX-Request"):
            return "", 204
        return redirect(url_for("auth.change_password"))
    return None
