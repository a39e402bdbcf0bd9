"""the incoming chain: documents registered from any source, searchable; assignees with roles, deadlines and
progress; extensions

Existing assignments become assignee rows (the lead unit, each supporting unit, the one deadline), and
existing incoming documents get their search text.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 01:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from workflow.documents.search import fold

    with op.batch_alter_table('incoming_documents') as batch_op:
        batch_op.add_column(sa.Column('received_via', sa.String(16), server_default='exchange', nullable=False))
        batch_op.add_column(sa.Column('confidentiality', sa.String(16), server_default='thuong', nullable=False))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('instruction', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ocr_state', sa.String(16), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('ocr_text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answers_document_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_incoming_duplicate_of', 'incoming_documents', ['duplicate_of_id'], ['id']
        )
        batch_op.create_foreign_key('fk_incoming_answered_by', 'documents', ['answered_by_id'], ['id'])
        batch_op.create_foreign_key('fk_incoming_answers_document', 'documents', ['answers_document_id'], ['id'])
        batch_op.create_index('ix_incoming_documents_answers_document_id', ['answers_document_id'])
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(sa.Column('replies_to_incoming_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_documents_replies_to_incoming_id', ['replies_to_incoming_id'])
    op.create_table(
        'incoming_assignees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incoming_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(8), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('progress', sa.String(16), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminders', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['incoming_id'], ['incoming_documents.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.ForeignKeyConstraint(['parent_id'], ['incoming_assignees.id']),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_incoming_assignees_incoming_id', 'incoming_assignees', ['incoming_id'])
    op.create_index('ix_incoming_assignees_unit_id', 'incoming_assignees', ['unit_id'])
    op.create_index('ix_incoming_assignees_person_id', 'incoming_assignees', ['person_id'])
    op.create_table(
        'incoming_extensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('old_deadline', sa.Date(), nullable=True),
        sa.Column('wanted', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['assignee_id'], ['incoming_assignees.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['people.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_incoming_extensions_assignee_id', 'incoming_extensions', ['assignee_id'])
    if op.get_bind().dialect.name == "postgresql":  # substring search (pg_trgm is there since migration 0005)
        op.execute("CREATE INDEX ix_incoming_search_trgm ON incoming_documents USING gin (search_text gin_trgm_ops)")

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, symbol, sender_name, type_name, subject, state, lead_unit_id, supporting_unit_ids, deadline, "
            "updated_at FROM incoming_documents"
        )
    ).all()
    assignees = sa.table(
        'incoming_assignees',
        sa.column('incoming_id', sa.Integer()),
        sa.column('unit_id', sa.Integer()),
        sa.column('role', sa.String()),
        sa.column('deadline', sa.Date()),
        sa.column('note', sa.Text()),
        sa.column('progress', sa.String()),
        sa.column('reminders', sa.Integer()),
        sa.column('active', sa.Boolean()),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('done_at', sa.DateTime(timezone=True)),
    )
    import json

    for row in rows:
        text = fold(" ".join(filter(None, [row.symbol, row.sender_name, row.type_name, row.subject])))
        connection.execute(
            sa.text("UPDATE incoming_documents SET search_text = :t WHERE id = :id"), {"t": text, "id": row.id}
        )
        if row.lead_unit_id is None:
            continue
        supporting = row.supporting_unit_ids
        if isinstance(supporting, str):
            supporting = json.loads(supporting)
        progress = {"in_progress": "working", "done": "done"}.get(row.state, "unseen")
        common = {
            'incoming_id': row.id, 'deadline': row.deadline, 'note': '', 'reminders': 0, 'active': True,
            'created_at': row.updated_at, 'done_at': row.updated_at if progress == "done" else None,
        }
        op.bulk_insert(
            assignees,
            [common | {'unit_id': row.lead_unit_id, 'role': 'lead', 'progress': progress}]
            + [common | {'unit_id': u, 'role': 'support', 'progress': 'unseen', 'done_at': None}
               for u in supporting or []],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_incoming_search_trgm")
    op.drop_table('incoming_extensions')
    op.drop_table('incoming_assignees')
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_index('ix_documents_replies_to_incoming_id')
        batch_op.drop_column('replies_to_incoming_id')
    with op.batch_alter_table('incoming_documents') as batch_op:
        batch_op.drop_index('ix_incoming_documents_answers_document_id')
        batch_op.drop_constraint('fk_incoming_answers_document', type_='foreignkey')
        batch_op.drop_constraint('fk_incoming_answered_by', type_='foreignkey')
        batch_op.drop_constraint('fk_incoming_duplicate_of', type_='foreignkey')
        for column in ('answers_document_id', 'answered_by_id', 'search_text', 'ocr_text', 'ocr_state',
                       'instruction', 'duplicate_of_id', 'confidentiality', 'received_via'):
            batch_op.drop_column(column)
