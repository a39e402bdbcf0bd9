"""documents.search_text: number/symbol, type and summary without accents, for search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:05:00

Existing documents are indexed here with the same folding the application uses.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from workflow import catalog
    from workflow.documents.search import fold

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, symbol, doc_type, summary FROM documents")).all()
    for row in rows:
        type_name = catalog.DOC_TYPES.get(row.doc_type, ("", None))[0]
        text = fold(" ".join(filter(None, [row.symbol or "", type_name, row.summary])))
        connection.execute(sa.text("UPDATE documents SET search_text = :t WHERE id = :i"), {"t": text, "i": row.id})


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('search_text')
