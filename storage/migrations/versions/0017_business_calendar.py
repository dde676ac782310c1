"""the business calendar: a planning touchpoint per person and financial year, its answers, and the team's setting
of how many weeks before the year it goes out

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('team_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planning_weeks', sa.Integer(), nullable=False, server_default='8'))
    op.create_table('planning_ask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('year_start', sa.Date(), nullable=False),
    sa.Column('initiative_ids', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('posted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('busy_ranges', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stakeholder_id', 'year_start', name='uq_planning_ask')
    )
    with op.batch_alter_table('planning_ask', schema=None) as batch_op:
        batch_op.create_index('ix_planning_ask_status_due', ['status', 'due_at'], unique=False)
    op.create_table('planning_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('matters_most', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('busy_text', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('busy_ranges', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('given_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ask_id'], ['planning_ask.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('planning_answer', schema=None) as batch_op:
        batch_op.create_index('ix_planning_answer_ask_id', ['ask_id'], unique=False)
        batch_op.create_index('ix_planning_answer_team_given', ['team_id', 'given_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('planning_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_planning_answer_team_given')
        batch_op.drop_index('ix_planning_answer_ask_id')
    op.drop_table('planning_answer')
    with op.batch_alter_table('planning_ask', schema=None) as batch_op:
        batch_op.drop_index('ix_planning_ask_status_due')
    op.drop_table('planning_ask')
    with op.batch_alter_table('team_settings', schema=None) as batch_op:
        batch_op.drop_column('planning_weeks')
