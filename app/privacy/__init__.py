"""Personal data (152-FZ): the consent document and its records, «мои данные», withdrawal,
the purge, the privacy policy (SPEC §2.9). Features plug in through app.core.personal_data."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from app.privacy import cli, routes, rules  # noqa: E402,F401
