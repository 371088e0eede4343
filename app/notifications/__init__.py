"""Notifications («Уведомления»): one row per event that concerns a consumer, shown in the
cabinet and, by the consumer's preference, mailed (SPEC §2.4)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import cli, privacy, routes, sections  # noqa: E402,F401


@bp.app_template_global()
def unread_notifications() -> int:
    """The header's badge, on every logged-in page."""
    from flask_login import current_user

    from app.notifications.services import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0
