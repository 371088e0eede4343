"""outbox: `unconfirmed` for a mail whose sender died between its claim and its outcome, `dropped` for one composed for nobody

Revision ID: 0011_mail_unconfirmed
Revises: 0010_login_sessions
Create Date: 2026-12-03 10:00:00

Until now such a mail was `failed`, like one the server refused, and staff resent it without being
told that it may have arrived. `dropped`: the recovery mail is composed by the sender, and the
address it was asked for may have no account.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_mail_unconfirmed'
down_revision = '0010_login_sessions'
branch_labels = None
depends_on = None

UNCONFIRMED_NOTE = "Отправка прервалась; доставка не подтверждена."


def upgrade():
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_mail_status'), type_='check')
        batch_op.alter_column('status', type_=sa.String(12), existing_type=sa.String(10))
        batch_op.create_check_constraint(
            'status', "status IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed', 'dropped')")
    outbox = sa.table('outbox_mail', sa.column('status', sa.String), sa.column('last_error', sa.String))
    op.execute(outbox.update().where(outbox.c.status == 'failed', outbox.c.last_error == UNCONFIRMED_NOTE)
               .values(status='unconfirmed'))


def downgrade():
    outbox = sa.table('outbox_mail', sa.column('status', sa.String))
    op.execute(outbox.update().where(outbox.c.status == 'unconfirmed').values(status='failed'))
    op.execute(outbox.delete().where(outbox.c.status == 'dropped'))
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_mail_status'), type_='check')
        batch_op.alter_column('status', type_=sa.String(10), existing_type=sa.String(12))
        batch_op.create_check_constraint('status', "status IN ('pending', 'sending', 'sent', 'failed')")
