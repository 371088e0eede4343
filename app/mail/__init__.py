"""Outgoing mail: an outbox table written in the same transaction as the event, and a
sender that delivers after the commit, never twice (SPEC §2.4, §4.6)."""

from flask import Blueprint

bp = Blueprint("mail", __name__, template_folder="../templates")

from app.mail import cli  # noqa: E402,F401
