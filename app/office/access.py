from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from app.extensions import login_manager
from app.office import bp


@bp.before_request
def staff_only():
    """Anonymous → /login; a consumer → 403, and the attempt is in the audit log."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        forbidden()
    return None


def forbidden():
    """403; the error handler (app.core.errors) writes the refusal to the audit log."""
    abort(403)


def admin_required(view):
    """Admins only (staff accounts, settings, tariffs, calendar)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            forbidden()
        return view(*args, **kwargs)

    return wrapped
