"""case files: the year's file list (danh mục hồ sơ) and its entries, case files and their documents

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 02:35:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'file_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['approved_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('agency_id', 'year'),
    )
    op.create_table(
        'file_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(32), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('retention_years', sa.Integer(), nullable=True),
        sa.Column('keeper_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['list_id'], ['file_lists.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['keeper_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('list_id', 'code'),
    )
    op.create_index('ix_file_plans_list_id', 'file_plans', ['list_id'])
    op.create_table(
        'case_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['file_plans.id']),
        sa.ForeignKeyConstraint(['opened_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_files_plan_id', 'case_files', ['plan_id'])
    op.create_table(
        'case_file_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('incoming_id', sa.Integer(), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['case_files.id']),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['incoming_id'], ['incoming_documents.id']),
        sa.ForeignKeyConstraint(['added_by_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_id', 'document_id'),
        sa.UniqueConstraint('file_id', 'incoming_id'),
    )
    op.create_index('ix_case_file_items_file_id', 'case_file_items', ['file_id'])
    op.create_index('ix_case_file_items_document_id', 'case_file_items', ['document_id'])
    op.create_index('ix_case_file_items_incoming_id', 'case_file_items', ['incoming_id'])


def downgrade() -> None:
    op.drop_table('case_file_items')
    op.drop_table('case_files')
    op.drop_table('file_plans')
    op.drop_table('file_lists')
