"""the authority lines each person may sign under, and the one each document is signed under

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

PREFIXES = {'KT.': 'kt', 'TL.': 'tl', 'TUQ.': 'tuq', 'Q.': 'q'}


def _parsed(authority: str, position: str) -> tuple[str, str, str]:
    """A person's old free-text line ("KT. GIÁM ĐỐC") as kind, principal and title."""
    head, _, rest = authority.strip().partition(' ')
    kind = PREFIXES.get(head.upper())
    if kind is None:
        return 'own', '', authority.strip() or position
    return kind, rest.strip().capitalize(), '' if kind == 'q' else position


def upgrade() -> None:
    op.create_table(
        'signing_authorities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('principal', sa.String(length=128), nullable=False),
        sa.Column('title', sa.String(length=128), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('own', 'kt', 'tl', 'tuq', 'q')", name='ck_signing_authorities_kind'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_signing_authorities_person_id', 'signing_authorities', ['person_id'])
    op.add_column('documents', sa.Column('authority_kind', sa.String(length=8), server_default='own', nullable=False))
    op.add_column('documents', sa.Column('authority_line', sa.String(length=160), server_default='', nullable=False))
    op.add_column('documents', sa.Column('authority_title', sa.String(length=128), server_default='', nullable=False))
    op.add_column(
        'register_entries', sa.Column('signer_authority', sa.String(length=300), server_default='', nullable=False)
    )
    bind = op.get_bind()
    authorities = sa.table(
        'signing_authorities',
        sa.column('person_id', sa.Integer()),
        sa.column('kind', sa.String()),
        sa.column('principal', sa.String()),
        sa.column('title', sa.String()),
        sa.column('is_default', sa.Boolean()),
        sa.column('seq', sa.Integer()),
    )
    people = bind.execute(sa.text('SELECT id, position, authority, roles FROM people')).all()
    rows = []
    for person_id, position, authority, roles in people:
        if authority or 'leader' in roles.split():
            kind, principal, title = _parsed(authority, position)
            rows.append(
                {'person_id': person_id, 'kind': kind, 'principal': principal, 'title': title, 'is_default': True, 'seq': 0}
            )
    if rows:
        op.bulk_insert(authorities, rows)
    # Every document keeps the lines it was drawn with: the signer's line then, or their position alone.
    for person_id, position, authority, _roles in people:
        kind, principal, title = _parsed(authority, position)
        first = (title if kind == 'own' else authority.strip()).upper()
        second = (position if kind not in ('own', 'q') else '').upper()
        bind.execute(
            sa.text(
                'UPDATE documents SET authority_kind = :kind, authority_line = :first, authority_title = :second '
                'WHERE signer_id = :person_id'
            ),
            {'kind': kind, 'first': first, 'second': second, 'person_id': person_id},
        )
    bind.execute(
        sa.text(
            "UPDATE register_entries SET signer_authority = (SELECT CASE WHEN d.authority_title = '' "
            "THEN d.authority_line ELSE d.authority_line || ' / ' || d.authority_title END "
            'FROM documents d WHERE d.id = register_entries.document_id) WHERE document_id IS NOT NULL'
        )
    )
    op.drop_column('people', 'authority')


def downgrade() -> None:
    op.add_column('people', sa.Column('authority', sa.String(length=128), server_default='', nullable=False))
    bind = op.get_bind()
    # Python's upper(): SQLite's knows only ASCII and would leave "Giám đốc" half changed.
    names = {v: k for k, v in PREFIXES.items()}
    found = bind.execute(
        sa.text("SELECT person_id, kind, principal FROM signing_authorities WHERE is_default AND kind <> 'own'")
    ).all()
    for person_id, kind, principal in found:
        bind.execute(
            sa.text('UPDATE people SET authority = :line WHERE id = :person_id'),
            {'line': f'{names[kind]} {principal.upper()}', 'person_id': person_id},
        )
    op.drop_column('register_entries', 'signer_authority')
    op.drop_column('documents', 'authority_title')
    op.drop_column('documents', 'authority_line')
    op.drop_column('documents', 'authority_kind')
    op.drop_index('ix_signing_authorities_person_id', table_name='signing_authorities')
    op.drop_table('signing_authorities')
