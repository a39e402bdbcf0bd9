"""case files handed over to the agency's archive: when, who accepted, or why returned

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 02:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_files') as batch_op:
        batch_op.add_column(sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_case_files_accepted_by', 'people', ['accepted_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('case_files') as batch_op:
        batch_op.drop_constraint('fk_case_files_accepted_by', type_='foreignkey')
        for column in ('return_reason', 'accepted_at', 'accepted_by_id', 'handed_over_at'):
            batch_op.drop_column(column)
