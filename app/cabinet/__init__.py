"""The consumer's personal account: its home page and the profile."""

from flask import Blueprint

bp = Blueprint("cabinet", __name__)

from app.cabinet import routes  # noqa: E402,F401
