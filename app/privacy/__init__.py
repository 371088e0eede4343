"""Personal data (152-FZ): the consent document and its records, the privacy policy (SPEC §2.9)."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)

from app.privacy import routes  # noqa: E402,F401
