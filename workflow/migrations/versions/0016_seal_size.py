"""the seal's real diameter in millimetres, so it is drawn at its size on issued documents

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.add_column(sa.Column('seal_mm', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.drop_column('seal_mm')
