"""Pages for everyone: the home page with the service information, and /healthz."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import routes  # noqa: E402,F401
