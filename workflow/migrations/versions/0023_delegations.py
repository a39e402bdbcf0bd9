"""a leader's work delegated while away, and the delegation a waiting document was handed over by

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 20:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('principal_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('scopes', sa.String(length=64), nullable=False),
        sa.Column('authority_kind', sa.String(length=8), nullable=False),
        sa.Column('authority_line', sa.String(length=160), nullable=False),
        sa.Column('authority_title', sa.String(length=128), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('began', sa.Boolean(), nullable=False),
        sa.Column('ended', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['principal_id'], ['people.id']),
        sa.ForeignKeyConstraint(['delegate_id'], ['people.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['people.id']),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_delegations_principal_id', 'delegations', ['principal_id'])
    op.create_index('ix_delegations_delegate_id', 'delegations', ['delegate_id'])
    op.create_index('ix_delegations_ends_at', 'delegations', ['ends_at'])
    op.add_column('documents', sa.Column('delegation_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('documents', 'delegation_id')
    op.drop_index('ix_delegations_ends_at', table_name='delegations')
    op.drop_index('ix_delegations_delegate_id', table_name='delegations')
    op.drop_index('ix_delegations_principal_id', table_name='delegations')
    op.drop_table('delegations')
