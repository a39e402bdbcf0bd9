"""the case file a drafter chose for a document, filed at its issuance

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 02:55:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'filing_choices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('case_file_id', sa.Integer(), nullable=True),
        sa.Column('chosen_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['case_file_id'], ['case_files.id']),
        sa.ForeignKeyConstraint(['chosen_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id'),
    )


def downgrade() -> None:
    op.drop_table('filing_choices')
