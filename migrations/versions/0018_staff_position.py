"""staff position (signs paper letters) and the outgoing number and date of a letter

Revision ID: 0018_staff_position
Revises: 0017_signed_contract
Create Date: 2026-12-03 15:40:00

users.position: a staff member's «Должность», printed under their name on the letter that
answers a post appeal. appeal_messages.letter_number / letter_date: the outgoing number
(ИСХ-2026-000001, gap-free per year, app/core/numbering.py) and the date of the letter,
assigned when the answer is first printed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_staff_position'
down_revision = '0017_signed_contract'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN (SQLite 3.35+ has both): a batch copy of `users` or
    # `appeal_messages` would trip the foreign keys that point at them.
    op.add_column('users', sa.Column('position', sa.String(length=200), server_default='', nullable=False))
    op.add_column('appeal_messages', sa.Column('letter_number', sa.String(length=20), nullable=True))
    op.add_column('appeal_messages', sa.Column('letter_date', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('appeal_messages', 'letter_date')
    op.drop_column('appeal_messages', 'letter_number')
    op.drop_column('users', 'position')
