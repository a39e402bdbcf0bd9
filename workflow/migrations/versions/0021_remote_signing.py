"""a leader's own SmartCA account, and the approval transactions a signing batch sends

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'remote_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('credential_id', sa.String(length=255), nullable=False),
        sa.Column('certificates', sa.Text(), nullable=False),
        sa.Column('subject', sa.String(length=512), nullable=False),
        sa.Column('issuer', sa.String(length=512), nullable=False),
        sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
        sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
        sa.Column('refresh_token', sa.Text(), nullable=False),
        sa.Column('access_token', sa.Text(), nullable=True),
        sa.Column('access_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id'),
    )
    op.create_table(
        'remote_transactions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('ref', sa.String(length=64), nullable=False),
        sa.Column('notify_key', sa.String(length=64), nullable=False),
        sa.Column('tran_id', sa.String(length=128), nullable=True),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('item_ids', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('polls', sa.Integer(), nullable=False),
        sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['signing_batches.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ref'),
        sa.UniqueConstraint('notify_key'),
    )
    op.create_index('ix_remote_transactions_batch_id', 'remote_transactions', ['batch_id'])
    op.create_index('ix_remote_transactions_next_poll_at', 'remote_transactions', ['next_poll_at'])


def downgrade() -> None:
    op.drop_index('ix_remote_transactions_next_poll_at', table_name='remote_transactions')
    op.drop_index('ix_remote_transactions_batch_id', table_name='remote_transactions')
    op.drop_table('remote_transactions')
    op.drop_table('remote_accounts')
