"""CHECK constraints on the state columns: a document's state, a signing batch's, a batch item's, a delivery's
transport each hold one of their named values

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# The values as of this revision (workflow.states and routing.states): a later state needs its own migration.
CHECKS = (
    ('documents', 'ck_documents_state', 'state',
     ('drafting', 'in_review', 'awaiting_signature', 'signed', 'issued', 'dispatched', 'withdrawn', 'recalled')),
    ('signing_batches', 'ck_signing_batches_state', 'state', ('open', 'signing', 'done', 'partial')),
    ('signing_batch_items', 'ck_signing_batch_items_status', 'status', ('pending', 'signed', 'failed')),
    ('deliveries', 'ck_deliveries_transport', 'transport', ('pending', 'delivered', 'failed', 'unresolved', 'paper')),
)



def _sqlite_copy(table: str, change) -> None:
    """SQLite adds or drops a CHECK only by copying the table: what hangs on it but is not part of its definition
    (the search index's triggers, partial indexes) is read before and made again after, exactly as it was."""
    bind = op.get_bind()
    kept = bind.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL",
        (table,),
    ).all()
    with op.batch_alter_table(table, recreate='always') as batch_op:
        change(batch_op)
    for kind, name, sql in kept:
        op.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
        op.execute(sql)
    if table == 'documents':
        op.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, name, column, values in CHECKS:
        if not sqlite:
            op.create_check_constraint(name, table, _condition(column, values))
            continue
        _sqlite_copy(table, lambda batch_op: batch_op.create_check_constraint(name, _condition(column, values)))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, name, _column, _values in CHECKS:
        if not sqlite:
            op.drop_constraint(name, table, type_='check')
            continue
        _sqlite_copy(table, lambda batch_op: batch_op.drop_constraint(name, type_='check'))
