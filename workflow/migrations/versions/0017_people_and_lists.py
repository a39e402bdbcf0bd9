"""deliveries to a person (Đ/c …, Giám đốc Sở, Lãnh đạo Sở) and the administrator's distribution lists

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries') as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_deliveries_person_id_people', 'people', ['person_id'], ['id'])
    op.create_table(
        'distribution_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('aliases', sa.Text(), nullable=False),
        sa.Column('members', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('agency_id', 'name'),
    )
    op.create_index('ix_distribution_lists_agency_id', 'distribution_lists', ['agency_id'])


def downgrade() -> None:
    op.drop_index('ix_distribution_lists_agency_id', table_name='distribution_lists')
    op.drop_table('distribution_lists')
    with op.batch_alter_table('deliveries') as batch_op:
        batch_op.drop_constraint('fk_deliveries_person_id_people', type_='foreignkey')
        batch_op.drop_column('person_id')
