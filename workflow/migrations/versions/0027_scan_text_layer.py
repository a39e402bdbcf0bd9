"""the scan of a registered incoming document with its words laid over it (an invisible text layer)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 02:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incoming_documents') as batch_op:
        batch_op.add_column(sa.Column('ocr_pdf_sha256', sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incoming_documents') as batch_op:
        batch_op.drop_column('ocr_pdf_sha256')
