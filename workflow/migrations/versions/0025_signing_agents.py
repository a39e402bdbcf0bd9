"""the pairing of a leader's congvan-agent with congvan

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signing_agents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.Text(), nullable=True),
        sa.Column('paired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pending_code', sa.Text(), nullable=True),
        sa.Column('pending_nonce', sa.String(length=64), nullable=True),
        sa.Column('pending_key', sa.Text(), nullable=True),
        sa.Column('pending_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id'),
    )


def downgrade() -> None:
    op.drop_table('signing_agents')
