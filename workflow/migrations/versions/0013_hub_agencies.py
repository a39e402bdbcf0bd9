"""agencies registered at the hub through the VXP protocol (registerAgency, deleteAgency)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 18:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hub_agencies',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(32), nullable=False, unique=True),
        sa.Column('parent_code', sa.String(32), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('mail', sa.String(255), nullable=False),
        sa.Column('registered_by', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('hub_agencies')
