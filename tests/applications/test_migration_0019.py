"""Migration 0019 (the applicant's group): existing applications get the group their stored facts
give and keep the procedure they were made in; the office search still finds them; up and down,
on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.applications.conftest import application_data
from tests.applications.test_migration_0012 import _consumer

BEFORE = "0018_staff_position"
REVISION = "0019_applicant_group"


def _stored() -> dict[str, tuple]:
    db.session.remove()
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT object_name, applicant_group, procedure FROM applications"))
        return {name: (group, procedure) for name, group, procedure in rows}


def test_existing_applications_get_their_group_and_keep_their_procedure(migrating_app):
    from app.applications import operations, queries

    upgrade()
    consumer = _consumer()
    for name, changes in (
        ("Дом", {}),
        ("Мастерская", {"power_kw": Decimal("50")}),  # made up to 150 kW: the personal-account procedure
        ("Склад", {"power_kw": Decimal("200"), "voltage_kv": "10"}),
    ):
        operations.save_application(consumer, application_data(object_name=name, **changes), submit=True)
    operations.save_application(consumer, application_data(object_name="Черновик", power_kw=None), submit=False)
    db.session.commit()

    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("applications")}
    assert "applicant_group" not in columns and "procedure" not in columns

    upgrade(revision=REVISION)
    assert _stored() == {
        "Дом": ("individual_15", "personal_account"),
        "Мастерская": ("general_670", "personal_account"),
        "Склад": ("general_670", "general"),
        "Черновик": (None, None),
    }
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE applications SET search_text = 'лебедева' WHERE object_name = 'Дом'"))
    from app.applications.models import Application

    found = db.session.scalars(sa.select(Application.object_name).where(queries._search("Лебедева"))).all()
    assert found == ["Дом"], "the search triggers of 0009 survive the migration"
