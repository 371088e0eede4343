"""appeals: kinds, topics, channels, statuses as enum columns, checked in every table that stores them

Revision ID: 0014_appeal_enums
Revises: 0013_outage_enums
Create Date: 2026-12-05 10:00:00

The models declare these columns as `sa.Enum(..., native_enum=False, create_constraint=True)`:
the same VARCHAR(16) and the same stored strings. The CHECK of each is named after its column,
so `appeals` and `appeal_messages` keep theirs as they are (ck_appeals_kind, …: same names,
same definitions); the status history and the answer terms, which had none, get theirs. Batch
mode: SQLite adds a CHECK by copying the table, rows included.
"""

from alembic import op

revision = "0014_appeal_enums"
down_revision = "0013_outage_enums"
branch_labels = None
depends_on = None

STATUSES = ("registered", "in_progress", "answered", "closed", "declined")
KINDS = ("complaint", "statement", "request")
TOPICS = ("connection", "quality", "metering", "outages", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.create_check_constraint("from_status", _in("from_status", STATUSES))
        batch_op.create_check_constraint("to_status", _in("to_status", STATUSES))
    with op.batch_alter_table("appeal_terms", schema=None) as batch_op:
        batch_op.create_check_constraint("kind", _in("kind", KINDS))
        batch_op.create_check_constraint("topic", _in("topic", TOPICS))


def downgrade():
    with op.batch_alter_table("appeal_terms", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_appeal_terms_topic"), type_="check")
        batch_op.drop_constraint(op.f("ck_appeal_terms_kind"), type_="check")
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_appeal_events_to_status"), type_="check")
        batch_op.drop_constraint(op.f("ck_appeal_events_from_status"), type_="check")
