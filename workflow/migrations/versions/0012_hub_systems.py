"""systems registered at the hub for the VXP protocol (system id and secret, as the national SDK signs)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 18:15:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hub_systems',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('system_id', sa.String(64), nullable=False, unique=True),
        sa.Column('organ_id', sa.String(32), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),  # encrypted at rest (workflow.encryption.Encrypted)
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_hub_systems_organ_id', 'hub_systems', ['organ_id'])


def downgrade() -> None:
    op.drop_table('hub_systems')
