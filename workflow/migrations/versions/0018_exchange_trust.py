"""the exchange trusts less: a hub item's sent key (a replayed sendEdoc finds the first item), and the name the
exchange lists for an agency kept apart from ours until the administrator decides

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hub_messages') as batch_op:
        batch_op.add_column(sa.Column('sent_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_hub_messages_sent_key', ['sent_key'])
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.add_column(sa.Column('listed_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('dismissed_name', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.drop_column('dismissed_name')
        batch_op.drop_column('listed_name')
    with op.batch_alter_table('hub_messages') as batch_op:
        batch_op.drop_constraint('uq_hub_messages_sent_key', type_='unique')
        batch_op.drop_column('sent_key')
