"""applications: the enum columns are sa.Enum; the statuses of history rows and documents get their CHECK

Revision ID: 0012_application_enums
Revises: 0011_mail_unconfirmed
Create Date: 2026-12-03 13:00:00

The stored strings stay as they are. The CHECK constraints of applications (kind, status,
category, load_character) and of application_documents.kind keep their names and definitions:
sa.Enum(..., create_constraint=True) renders the same ones. New are the CHECKs of the columns
that held a status without one: application_documents.stage, application_events.from_status and
to_status.

On SQLite batch mode copies application_events into a new table and drops the old one; with
foreign keys on (app/db.py), that drop sets application_documents.event_id to NULL (ON DELETE SET
NULL). The links are kept aside in a temporary table and put back.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_application_enums"
down_revision = "0011_mail_unconfirmed"
branch_labels = None
depends_on = None

STATUSES = (
    "draft",
    "submitted",
    "needs_info",
    "offer_sent",
    "contract_concluded",
    "in_progress",
    "tu_fulfilled",
    "connected",
    "completed",
    "withdrawn",
    "annulled",
)


def _in(column: str) -> str:
    return f"{column} IN ({', '.join(repr(s) for s in STATUSES)})"


def _keep_document_events():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TEMP TABLE _document_events AS "
            "SELECT id, event_id FROM application_documents WHERE event_id IS NOT NULL"
        )


def _restore_document_events():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE application_documents SET event_id = "
            "(SELECT k.event_id FROM _document_events k WHERE k.id = application_documents.id) "
            "WHERE id IN (SELECT id FROM _document_events)"
        )
        op.execute("DROP TABLE _document_events")


def upgrade():
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.create_check_constraint("stage", _in("stage"))
    _keep_document_events()
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.create_check_constraint("from_status", _in("from_status"))
        batch_op.create_check_constraint("to_status", _in("to_status"))
    _restore_document_events()


def downgrade():
    _keep_document_events()
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_events_to_status"), type_="check")
        batch_op.drop_constraint(op.f("ck_application_events_from_status"), type_="check")
    _restore_document_events()
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_documents_stage"), type_="check")
