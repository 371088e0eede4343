"""What applications add elsewhere: the cabinet block, the office dashboard widget, the
addresses of their objects for «мои адреса»."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from app.applications.models import Application, ApplicationStatus, list_columns
from app.extensions import db


def register_sections(app: Flask) -> None:
    from app.cabinet.sections import Section, add_cabinet_section
    from app.office.dashboard import DashboardWidget, add_dashboard_widget

    add_cabinet_section(app, Section("applications/_cabinet.html", cabinet_context, order=20))
    add_dashboard_widget(app, DashboardWidget("applications/office/_dashboard.html", dashboard_context, order=10))


def cabinet_context(user) -> dict:
    from app.core.clock import today

    rows = db.session.scalars(
        sa.select(Application)
        .options(list_columns())
        .where(
            Application.consumer_id == user.id,
            Application.status.notin_([ApplicationStatus.withdrawn.value, ApplicationStatus.annulled.value]),
        )
        .order_by(Application.id.desc())
        .limit(3)
    ).all()
    return {"recent_applications": rows, "today": today()}


def dashboard_context() -> dict:
    from app.applications.queries import dashboard_numbers
    from app.core.clock import today

    return dashboard_numbers(today())


def _object_addresses(user):
    """The objects of the consumer's submitted applications (not withdrawn or annulled)."""
    from app.outages.services import Address

    rows = db.session.execute(
        sa.select(Application.object_settlement, Application.object_street, Application.object_house)
        .where(
            Application.consumer_id == user.id,
            Application.status.notin_(
                [ApplicationStatus.draft.value, ApplicationStatus.withdrawn.value, ApplicationStatus.annulled.value]
            ),
        )
        .distinct()
    ).all()
    return [Address(r.object_settlement, r.object_street or "", r.object_house or "") for r in rows]


from app.outages.services import address_source  # noqa: E402

address_source(_object_addresses)
