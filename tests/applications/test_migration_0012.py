"""Migration 0012 (the enum columns) keeps the data of applications, their documents and
history, on SQLite and PostgreSQL (DATABASE_URL), up and down."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.core import clock
from app.extensions import db
from tests.applications.conftest import application_data

BEFORE = "0011_mail_unconfirmed"
REVISION = "0012_application_enums"
TABLES = ("applications", "application_documents", "application_events")


def _consumer():
    from app.auth.models import User
    from app.auth.passwords import hash_password

    user = User(
        email="consumer@example.ru",
        password_hash=hash_password("correct horse battery"),
        role="consumer",
        applicant_type="individual",
        last_name="Петров",
        first_name="Иван",
        middle_name="Сергеевич",
        phone="+79001112233",
        snils="11223344595",
        created_at=clock.now(),
    )
    user.refresh_search_text()
    db.session.add(user)
    db.session.commit()
    return user


def _rows() -> dict[str, list[tuple]]:
    db.session.remove()
    with db.engine.connect() as conn:
        tables = [sa.Table(name, sa.MetaData(), autoload_with=conn) for name in TABLES]
        return {t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(t.c.id))] for t in tables}


def _add_later_columns() -> None:
    """The columns later migrations add (0017's signed_received_at, 0018's users.position, …),
    added here so today's models can write the rows at BEFORE; the migration under test
    carries them along. A later NOT NULL column comes with its server default."""
    with db.engine.begin() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            if name not in db.metadata.tables:
                continue
            present = {c["name"] for c in inspector.get_columns(name)}
            for column in db.metadata.tables[name].columns:
                if column.name not in present:
                    kind = column.type.compile(conn.dialect)
                    if column.nullable:
                        conn.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN {column.name} {kind}"))
                        continue
                    default = column.server_default
                    assert default is not None, f"{name}.{column.name}: a later NOT NULL column needs a server default"
                    literal = default.arg if isinstance(default.arg, str) else str(default.arg)
                    conn.execute(
                        sa.text(f"ALTER TABLE {name} ADD COLUMN {column.name} {kind} NOT NULL DEFAULT '{literal}'")
                    )


def _check_names(table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_check_constraints(table)}


def test_the_enum_migration_keeps_the_data_up_and_down(migrating_app):
    from app.applications import operations
    from app.applications.models import Application, ApplicationStatus

    upgrade(revision=BEFORE)
    _add_later_columns()
    consumer = _consumer()
    application = operations.save_application(consumer, application_data(), submit=True)
    operations.save_application(consumer, application_data(object_name="Баня"), submit=False)
    operations.withdraw(application, consumer, "Передумал.")
    db.session.commit()
    application_id = application.id
    before = _rows()
    assert len(before["application_events"]) == 2 and len(before["application_documents"]) == 5
    with db.engine.connect() as conn:
        linked = conn.execute(sa.text("SELECT count(*) FROM application_documents WHERE event_id IS NOT NULL"))
        assert linked.scalar() > 0, "a document linked to its event"

    upgrade(revision=REVISION)
    assert _rows() == before
    assert {"ck_application_events_from_status", "ck_application_events_to_status"} <= _check_names(
        "application_events"
    )
    assert {"ck_application_documents_kind", "ck_application_documents_stage"} <= _check_names("application_documents")
    assert {"ck_applications_kind", "ck_applications_status", "ck_applications_category"} <= _check_names(
        "applications"
    )
    stored = db.session.get(Application, application_id)
    assert stored.status is ApplicationStatus.withdrawn and stored.status == "withdrawn"
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE application_events SET to_status = 'lost'"))
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE application_documents SET stage = 'lost'"))

    downgrade(revision=BEFORE)
    assert _rows() == before
    assert "ck_application_events_to_status" not in _check_names("application_events")
    assert "ck_application_documents_stage" not in _check_names("application_documents")
