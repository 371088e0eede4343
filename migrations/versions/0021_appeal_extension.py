"""the one extension of an appeal's answer term

Revision ID: 0021_appeal_extension
Revises: 0020_annulment_ground
Create Date: 2026-12-03 18:40:00

appeals.extension_days / extension_ground / extension_comment: the working days staff added to
the answer term (once per appeal), on which ground (app/appeals/rules.py EXTENSION_GROUNDS) and
why. appeal_events.extended_to: the new due date, on the history line of the extension, which
also says who extended and when.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_appeal_extension"
down_revision = "0020_annulment_ground"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN (SQLite 3.35+ has both): a batch copy of `appeals` would trip the
    # foreign keys that point at it. Who extended and when is the extension's appeal_events row.
    op.add_column("appeals", sa.Column("extension_days", sa.Integer(), nullable=True))
    op.add_column("appeals", sa.Column("extension_ground", sa.String(length=32), server_default="", nullable=False))
    op.add_column("appeals", sa.Column("extension_comment", sa.String(length=2000), server_default="", nullable=False))
    op.add_column("appeal_events", sa.Column("extended_to", sa.Date(), nullable=True))


def downgrade():
    op.drop_column("appeal_events", "extended_to")
    op.drop_column("appeals", "extension_comment")
    op.drop_column("appeals", "extension_ground")
    op.drop_column("appeals", "extension_days")
