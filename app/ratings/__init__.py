"""Quality ratings («Оценить качество и доступность», SPEC §2.6): consumers rate their
applications and answered appeals; staff read the report, its chart and CSV, and the
annual report of appeals, in /office/ratings."""

from flask import Blueprint

bp = Blueprint("ratings", __name__)

from app.ratings import routes  # noqa: E402,F401
