"""Grid-connection applications («Подать заявку», «Поданные заявки», SPEC §2.2): consumers
fill, submit and follow them; staff run the stages in /office/applications."""

from flask import Blueprint

bp = Blueprint("applications", __name__, cli_group="applications")

from app.applications import cli, office, office_penalties, privacy, routes, sections, steps  # noqa: E402,F401
