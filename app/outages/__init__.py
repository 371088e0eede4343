"""Planned outages («График плановых отключений», SPEC §2.7): the public schedule with its
filter, printable view and iCalendar feed; staff publish and import outages; consumers
keep «мои адреса» and are notified of outages there."""

from flask import Blueprint

bp = Blueprint("outages", __name__, cli_group="outages")

from app.outages import cli, office, privacy, routes, sections  # noqa: E402,F401
