"""staff position (signs paper letters) and the outgoing number and date of a letter

Revision ID: 0018_staff_position
Revises: 0015_demo_totp_secret
Create Date: 2026-12-03 15:40:00

users.position: a staff member's «Должность», printed under their name on the letter that
answers a post appeal. appeal_messages.letter_number / letter_date: the outgoing number
(ИСХ-2026-000001, gap-free per year, app/core/numbering.py) and the date of the letter,
assigned when the answer is first printed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_staff_position'
down_revision = '0015_demo_totp_secret'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('appeal_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('letter_date', sa.Date(), nullable=True))
        batch_op.create_unique_constraint('uq_appeal_messages_letter_number', ['letter_number'])


def downgrade():
    with op.batch_alter_table('appeal_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_appeal_messages_letter_number', type_='unique')
        batch_op.drop_column('letter_date')
        batch_op.drop_column('letter_number')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('position')
