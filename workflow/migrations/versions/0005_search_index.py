"""search index: SQLite FTS5 over documents.search_text; PostgreSQL pg_trgm GIN index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:40:00

On SQLite the FTS5 table is an external-content index kept by three triggers. A later migration
that rebuilds the documents table in batch mode must create the triggers again.
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_documents_search_trgm ON documents USING gin (search_text gin_trgm_ops)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE documents_fts USING fts5(search_text, content='documents', content_rowid='id')"
    )
    op.execute(
        "CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN "
        "INSERT INTO documents_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN "
        "INSERT INTO documents_fts(documents_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER documents_fts_update AFTER UPDATE OF search_text ON documents BEGIN "
        "INSERT INTO documents_fts(documents_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO documents_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_documents_search_trgm")
        return
    for trigger in ("documents_fts_insert", "documents_fts_delete", "documents_fts_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE documents_fts")
