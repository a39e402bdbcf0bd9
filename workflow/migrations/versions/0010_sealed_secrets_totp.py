"""stored secrets become text (encrypted at rest, longer); people get an optional TOTP second factor

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 06:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Values written before are read as they are; `congvan reseal` encrypts them (it needs the keys).
WIDENED = [('exchange_peers', 'token', 255), ('webhook_endpoints', 'secret', 128), ('hub_organs', 'token', 255)]


def upgrade() -> None:
    for table, column, length in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=sa.Text(), existing_type=sa.String(length=length))
    with op.batch_alter_table('people') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people') as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled')
        batch_op.drop_column('totp_secret')
    for table, column, length in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=sa.String(length=length), existing_type=sa.Text())
