"""applications: when the applicant's signed contract arrived through the cabinet

Revision ID: 0017_signed_contract
Revises: 0016_appeal_application
Create Date: 2026-12-03 15:40:00

Above 150 kW the applicant may upload the signed contract on the card; staff confirm it, and
the contract is concluded on the local date it arrived (Decree 861 p.15). Null for every
existing row: their contracts came on paper.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_signed_contract"
down_revision = "0016_appeal_application"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_received_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("signed_received_at")
