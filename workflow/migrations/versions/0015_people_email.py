"""e-mail for notifications: a person's address, and when each notification was sent by e-mail

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 00:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people') as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), server_default='', nullable=False))
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('emailed_at')
    with op.batch_alter_table('people') as batch_op:
        batch_op.drop_column('email')
