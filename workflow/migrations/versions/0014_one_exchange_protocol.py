"""one exchange protocol (VXP): congvan's own transports go — direct peers' URLs and tokens, the hub's
agencies with push URLs, and the detached signatures that travelled beside each package

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 20:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('hub_organs')
    with op.batch_alter_table('exchange_peers') as batch_op:
        batch_op.drop_column('url')
        batch_op.drop_column('token')
    with op.batch_alter_table('exchange_messages') as batch_op:
        batch_op.drop_column('signature')
    with op.batch_alter_table('hub_messages') as batch_op:
        batch_op.drop_column('signature')
        batch_op.drop_column('attempts')
        batch_op.drop_column('next_attempt_at')


def downgrade() -> None:
    with op.batch_alter_table('hub_messages') as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('signature', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('exchange_messages') as batch_op:
        batch_op.add_column(sa.Column('signature', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('exchange_peers') as batch_op:
        batch_op.add_column(sa.Column('token', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('url', sa.String(length=255), server_default='', nullable=False))
    op.create_table(
        'hub_organs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('organ_id', sa.String(length=32), nullable=False, unique=True),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('token', sa.Text(), nullable=False),
        sa.Column('certificate', sa.Text(), nullable=False),
        sa.Column('push_url', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
