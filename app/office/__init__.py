"""The back-office at /office. Its before_request admits staff only; every feature nests
its staff routes inside this blueprint (app/<feature>/office.py), so no staff route can
forget the check."""

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

from app.office import access, routes  # noqa: E402,F401
