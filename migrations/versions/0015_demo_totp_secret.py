"""demo accounts: the 160-bit TOTP secret of SPEC §4.5 in place of the 80-bit one

Revision ID: 0015_demo_totp_secret
Revises: 0014_appeal_enums
Create Date: 2026-12-03 13:15:00

pyotp 2.12.1 refuses secrets under 112 bits, so a demo database loaded before this change
would lock its staff out after the upgrade. Only the public demo secret is replaced; no real
account has it (the app makes 160-bit secrets).
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_demo_totp_secret'
down_revision = '0014_appeal_enums'
branch_labels = None
depends_on = None

OLD = 'JBSWY3DPEHPK3PXP'
NEW = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'


def _replace(old: str, new: str) -> None:
    users = sa.table('users', sa.column('totp_secret', sa.String), sa.column('totp_last_step', sa.Integer))
    op.execute(users.update().where(users.c.totp_secret == old).values(totp_secret=new, totp_last_step=None))


def upgrade():
    _replace(OLD, NEW)


def downgrade():
    _replace(NEW, OLD)
