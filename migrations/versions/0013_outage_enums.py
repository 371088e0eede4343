"""outages: `status` and the addresses' `source` as enum columns (the CHECK constraints renamed after their enums)

Revision ID: 0013_outage_enums
Revises: 0012_application_enums
Create Date: 2026-12-03 13:00:00

The models declare these columns as sa.Enum(native_enum=False, create_constraint=True), which
names the CHECK after the enum: ck_outages_status becomes ck_outages_outage_status, and
ck_user_addresses_source ck_user_addresses_address_source. The stored strings and the column
types stay as they are; only the constraints are replaced.
"""
from alembic import op

revision = '0013_outage_enums'
down_revision = '0012_application_enums'
branch_labels = None
depends_on = None

STATUS = "status IN ('planned', 'changed', 'cancelled', 'done')"
SOURCE = "source IN ('manual', 'application')"


def upgrade():
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outages_status'), type_='check')
        batch_op.create_check_constraint('outage_status', STATUS)
    with op.batch_alter_table('user_addresses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_addresses_source'), type_='check')
        batch_op.create_check_constraint('address_source', SOURCE)


def downgrade():
    with op.batch_alter_table('user_addresses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_addresses_address_source'), type_='check')
        batch_op.create_check_constraint('source', SOURCE)
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outages_outage_status'), type_='check')
        batch_op.create_check_constraint('status', STATUS)
