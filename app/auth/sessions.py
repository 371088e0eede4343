"""Who is logged in, and for how long (SPEC §2.10).

The login cookie carries the user's session_version (User.get_id), so bumping it ends
every session and remember-me cookie of the user. Staff sessions last at most 8 hours
and end after 30 idle minutes, and exist only after the second factor. A one-time
password must be replaced before anything else.

Between a correct password and the second factor the session holds a *pending* login
(who, which session_version, when), never a logged-in user."""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.models import User
from app.extensions import db, login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = "Войдите, чтобы открыть эту страницу."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

#: Endpoints a user with a one-time password may still reach.
_FORCED_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static", "privacy.policy", "privacy.consent", "public.healthz"}
_PENDING = "pending_login"
#: How precisely a staff session's last activity is kept (the idle limit is 30 minutes).
_SEEN_PRECISION_SECONDS = 60


#: Built once: every logged-in request runs it (bench/: a statement built anew costs as much
#: as running it).
_USER_OF_SESSION = sa.select(User).where(
    User.id == sa.bindparam("uid"), User.session_version == sa.bindparam("version"), User.is_enabled.is_(True)
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    uid, _, version = user_id.partition(".")
    if not uid.isdigit() or not version.isdigit():
        return None
    return db.session.scalar(_USER_OF_SESSION, {"uid": int(uid), "version": int(version)})


def start_session(user: User, remember: bool, *, second_factor: bool = False) -> None:
    """A fresh session for a login: nothing of the anonymous session is carried over.

    `second_factor` says the login passed it; staff sessions without it are refused."""
    session.clear()
    login_user(user, remember=remember and user.is_consumer, fresh=True)
    session["auth_at"] = int(time.time())
    session["seen_at"] = int(time.time())
    session["mfa"] = bool(second_factor)
    session.permanent = False


def end_session() -> None:
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    """Every session and remember-me cookie of the user stops working (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1


# --- the step between the password and the second factor ------------------------------------

def begin_pending_login(user: User, *, remember: bool, next_url: str | None) -> None:
    """The password was right; the second factor (or its enrolment) comes next."""
    session.clear()
    session[_PENDING] = {
        "uid": user.id, "v": user.session_version, "remember": bool(remember and user.is_consumer),
        "next": next_url or "", "at": int(time.time()), "fails": 0,
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
            end_session()
            flash("Войдите снова: сотрудникам нужен код подтверждения.", "info")
            return redirect(url_for("auth.login"))
        clock = int(time.time())
        config = current_app.config
        auth_at = session.get("auth_at", 0)
        seen_at = session.get("seen_at", 0)
        if clock - auth_at > config["STAFF_SESSION_MAX_SECONDS"] or clock - seen_at > config["STAFF_SESSION_IDLE_SECONDS"]:
            end_session()
            flash("Сеанс завершён по времени. Войдите снова.", "info")
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        # Polls do not count as activity, or an open tab would keep the session alive forever.
        # Recorded once a minute at most: each change re-signs and re-sends the cookie.
        if (clock - seen_at >= _SEEN_PRECISION_SECONDS and request.headers.get("HX-Trigger-Name") != "poll"
                and not request.path.endswith("/badge")):
            session["seen_at"] = clock
    if current_user.must_change_password and request.endpoint not in _FORCED_CHANGE_ALLOWED:
        if request.headers.get("HX-Request"):
            return "", 204
        return redirect(url_for("auth.change_password"))
    return None
