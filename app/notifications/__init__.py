"""Notifications («Уведомления»): one row per event that concerns a consumer, shown in the
cabinet and, by the consumer's preference, mailed (SPEC §2.4)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import cli, routes  # noqa: E402,F401
