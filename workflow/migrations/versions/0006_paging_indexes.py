"""paging indexes (newest first per agency, state, drafter, unit inbox), pending deliveries; body in search_text

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 03:00:00

Lists are read a page at a time in id order (keyset paging); these indexes let each page be read
without scanning the agency's documents. Existing documents get their body text into search_text.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN = "transport = 'delivered' AND status_code NOT IN ('02', '06', '13', '15')"
PENDING = "transport = 'pending'"


def upgrade() -> None:
    from workflow import catalog
    from workflow.documents.search import fold

    op.create_index('ix_documents_agency_id_id', 'documents', ['agency_id', 'id'])
    op.create_index('ix_documents_agency_id_state_id', 'documents', ['agency_id', 'state', 'id'])
    op.create_index('ix_documents_drafter_id_id', 'documents', ['drafter_id', 'id'])
    op.drop_index('ix_deliveries_unit_id', table_name='deliveries')
    op.create_index('ix_deliveries_unit_id_id', 'deliveries', ['unit_id', 'id'])
    op.create_index(
        'ix_deliveries_unit_open',
        'deliveries',
        ['unit_id'],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        'ix_deliveries_pending',
        'deliveries',
        ['created_at'],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, symbol, doc_type, summary, body FROM documents WHERE body IS NOT NULL")
    ).all()
    for row in rows:
        type_name = catalog.DOC_TYPES.get(row.doc_type, ("", None))[0]
        text = fold(" ".join(filter(None, [row.symbol or "", type_name, row.summary, row.body])))
        connection.execute(sa.text("UPDATE documents SET search_text = :t WHERE id = :id"), {"t": text, "id": row.id})


def downgrade() -> None:
    op.drop_index('ix_deliveries_pending', table_name='deliveries')
    op.drop_index('ix_deliveries_unit_open', table_name='deliveries')
    op.drop_index('ix_deliveries_unit_id_id', table_name='deliveries')
    op.create_index('ix_deliveries_unit_id', 'deliveries', ['unit_id'])
    op.drop_index('ix_documents_drafter_id_id', table_name='documents')
    op.drop_index('ix_documents_agency_id_state_id', table_name='documents')
    op.drop_index('ix_documents_agency_id_id', table_name='documents')
