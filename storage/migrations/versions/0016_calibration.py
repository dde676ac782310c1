"""calibration sessions: the months of the financial year they fall in (per schedule), the packs their owners get,
the sessions recorded, and the DMs that tell stakeholders what a session agreed

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calibration_first', sa.Integer(), nullable=False, server_default='6'))
        batch_op.add_column(sa.Column('calibration_second', sa.Integer(), nullable=False, server_default='12'))
    op.create_table('calibration_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('to_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('parts_posted', sa.Integer(), nullable=False),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'due_on', name='uq_calibration_pack')
    )
    with op.batch_alter_table('calibration_pack', schema=None) as batch_op:
        batch_op.create_index('ix_calibration_pack_status_due', ['status', 'due_at'], unique=False)
    op.create_table('calibration_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('agreed', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('changes', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome_sent_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('outcome_sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calibration_session', schema=None) as batch_op:
        batch_op.create_index('ix_calibration_session_initiative', ['initiative_id', 'held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_calibration_session_team_id'), ['team_id'], unique=False)
    op.create_table('calibration_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('to_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['calibration_session.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'stakeholder_id', name='uq_calibration_outcome')
    )
    with op.batch_alter_table('calibration_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_calibration_outcome_status_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calibration_outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_calibration_outcome_status_due')
    op.drop_table('calibration_outcome')
    with op.batch_alter_table('calibration_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_session_team_id'))
        batch_op.drop_index('ix_calibration_session_initiative')
    op.drop_table('calibration_session')
    with op.batch_alter_table('calibration_pack', schema=None) as batch_op:
        batch_op.drop_index('ix_calibration_pack_status_due')
    op.drop_table('calibration_pack')
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.drop_column('calibration_second')
        batch_op.drop_column('calibration_first')
