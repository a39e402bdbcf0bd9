"""a delivery sent on paper (by post or by hand) when it could not go electronically: how, who, when

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch_op:
        batch_op.add_column(sa.Column('paper_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch_op:
        batch_op.drop_column('paper_note')
