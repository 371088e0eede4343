"""Appeals («Обращения», SPEC §2.3): consumers file complaints, statements and requests
and follow them; staff answer them in /office/appeals."""

from flask import Blueprint

bp = Blueprint("appeals", __name__)

from app.appeals import office, privacy, routes, sections  # noqa: E402,F401
