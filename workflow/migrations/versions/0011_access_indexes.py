"""indexes for the access rules: a signer's and a drafting unit's newest documents

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 06:30:00
"""

from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_documents_signer_id_id', 'documents', ['signer_id', 'id'])
    op.create_index('ix_documents_drafting_unit_id_id', 'documents', ['drafting_unit_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_documents_drafting_unit_id_id', table_name='documents')
    op.drop_index('ix_documents_signer_id_id', table_name='documents')
