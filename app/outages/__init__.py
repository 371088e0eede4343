"""Planned outages («График плановых отключений», SPEC §2.7): the public schedule with its
filter, printable view and iCalendar feed; staff publish and import outages; consumers
keep «мои адреса» and are notified of outages there."""

from flask import Blueprint, Flask

bp = Blueprint("outages", __name__, cli_group="outages")

from app.outages import cli, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.cabinet.sections import Section, add_cabinet_section, add_profile_section
    from app.outages.sections import cabinet_context, profile_context

    add_profile_section(app, Section("outages/_my_addresses.html", profile_context, order=40))
    add_cabinet_section(app, Section("outages/_cabinet_upcoming.html", cabinet_context, order=60))
