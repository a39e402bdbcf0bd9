"""the exchange trusts less: the name the exchange lists for an agency kept apart from ours until the
administrator decides

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
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.add_column(sa.Column('listed_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('dismissed_name', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.drop_column('dismissed_name')
        batch_op.drop_column('listed_name')
