"""the certificate of a leader's own USB token, and the one-time tickets of the files its tool signs

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 20:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'token_certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('certificate', sa.Text(), nullable=False),
        sa.Column('subject', sa.String(length=512), nullable=False),
        sa.Column('issuer', sa.String(length=512), nullable=False),
        sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
        sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id'),
    )
    op.create_table(
        'token_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('secret_sha256', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['signing_batch_items.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('secret_sha256'),
    )
    op.create_index('ix_token_tickets_item_id', 'token_tickets', ['item_id'])


def downgrade() -> None:
    op.drop_index('ix_token_tickets_item_id', table_name='token_tickets')
    op.drop_table('token_tickets')
    op.drop_table('token_certificates')
