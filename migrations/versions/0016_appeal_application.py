"""appeals: the optional link to one of the consumer's submitted applications (SPEC §2.3)

Revision ID: 0016_appeal_application
Revises: 0015_demo_totp_secret
Create Date: 2026-12-03 15:30:00

A nullable foreign key with its index (the application card lists the appeals about it).
When an application row goes (the purge), the appeal stays and loses the link (SET NULL).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_appeal_application"
down_revision = "0015_demo_totp_secret"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_appeals_application_id"), ["application_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_appeals_application_id_applications"),
            "applications",
            ["application_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appeals_application_id_applications"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_appeals_application_id"))
        batch_op.drop_column("application_id")
