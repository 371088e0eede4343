"""Per-address limits for the routes that write: apply them, do not hand-roll counters.

    from app.core.limits import limit_submissions, limit_uploads

    @bp.route("/appeals/new", methods=["GET", "POST"])
    @login_required
    @limit_submissions
    @limit_uploads
    def new_appeal(): ...

Each decorator counts POSTs per client address (Flask-Limiter; memory storage on one
server, Redis for several: RATELIMIT_STORAGE_URI) in one bucket shared by every route that
applies it, so spreading requests over routes does not help. Over the limit the answer is
429 with the Russian page of app.core.errors. The limits are configuration:
SUBMISSION_LIMIT, UPLOAD_LIMIT, EXPORT_LIMIT ("30 per hour;10 per minute" syntax).

Staff are not limited: an office behind one address registers many visitors a day.
Behind a reverse proxy set TRUSTED_PROXIES, or every client shares the proxy's address."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from app.extensions import limiter


def _is_staff() -> bool:
    try:
        return bool(current_user.is_authenticated and current_user.is_staff)
    except Exception:
        return False


def _files_sent() -> int:
    """The number of non-empty files in the request: each counts against the upload limit."""
    return sum(1 for f in request.files.values() if f and f.filename)


def _no_files() -> bool:
    return _is_staff() or _files_sent() == 0


#: Forms that create or change something: applications, appeals, clarifications, profile.
limit_submissions = limiter.shared_limit(
    lambda: current_app.config["SUBMISSION_LIMIT"],
    scope="submissions",
    methods=["POST"],
    exempt_when=_is_staff,
)

#: Requests that carry files; every file counts once.
limit_uploads = limiter.shared_limit(
    lambda: current_app.config["UPLOAD_LIMIT"],
    scope="uploads",
    methods=["POST"],
    exempt_when=_no_files,
    cost=lambda: max(_files_sent(), 1),
)

#: Heavy downloads built on request (the archive of my data).
limit_exports = limiter.shared_limit(
    lambda: current_app.config["EXPORT_LIMIT"],
    scope="exports",
    methods=["GET"],
    exempt_when=_is_staff,
)


def init_app(app) -> None:
    """Every limit of the portal is a decorator, and a decorator checks its own requests.
    Flask-Limiter also checks every request before it runs, for default and application-wide
    limits; the portal sets none, so that check only cost every page its time (bench/: about
    0.15 ms, 4 % of a simple page). Setting such limits brings the check back."""
    config = app.config
    if config.get("RATELIMIT_DEFAULT") or config.get("RATELIMIT_APPLICATION") or config.get("RATELIMIT_META"):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


__all__ = ["init_app", "limit_exports", "limit_submissions", "limit_uploads"]
