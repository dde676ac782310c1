"""priority shifts and the weekly digest

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digest_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('thread_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('parts_posted', sa.Integer(), nullable=False),
    sa.Column('posted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'week', name='uq_digest_week')
    )
    op.create_table('digest_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('send_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id')
    )
    op.create_table('alignment_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'week', name='uq_alignment_week')
    )
    op.create_table('shift_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('posted_revision', sa.Integer(), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('posted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'day', name='uq_shift_summary_day')
    )
    with op.batch_alter_table('shift_summary', schema=None) as batch_op:
        batch_op.create_index('ix_shift_summary_status_claimed', ['status', 'claimed_at'], unique=False)

    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('before', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('after', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('strength', sa.Integer(), nullable=False),
    sa.Column('detected_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('followed_up_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('followed_up_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.ForeignKeyConstraint(['summary_id'], ['shift_summary.id'], ),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index('ix_shift_initiative_detected', ['initiative_id', 'detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_summary_id'), ['summary_id'], unique=False)
        batch_op.create_index('ix_shift_team_detected', ['team_id', 'detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_touchpoint_id'), ['touchpoint_id'], unique=False)

    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_impact', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('has_tracking', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_answered_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('silent_cycles', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.create_index('ix_touchpoint_team_due', ['team_id', 'due_at'], unique=False)

    # Where each stakeholder stands, from the answers and touchpoints already stored.
    op.execute(_BACKFILL)


_ANSWERED = "answer.initiative_id = initiative_stakeholder.initiative_id AND answer.stakeholder_id = initiative_stakeholder.stakeholder_id"
_BACKFILL = f"""
UPDATE initiative_stakeholder SET
  has_impact = EXISTS (SELECT 1 FROM answer WHERE {_ANSWERED} AND answer.question = 'impact'),
  has_tracking = EXISTS (SELECT 1 FROM answer WHERE {_ANSWERED} AND answer.question = 'tracking'),
  rating = (SELECT CAST(answer.text AS INTEGER) FROM answer WHERE {_ANSWERED}
            AND answer.question IN ('on_track', 'alignment') ORDER BY answer.answered_at DESC, answer.id DESC LIMIT 1),
  last_answered_at = (SELECT max(answer.answered_at) FROM answer WHERE {_ANSWERED})
"""



def downgrade() -> None:
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_touchpoint_team_due')

    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.drop_column('silent_cycles')
        batch_op.drop_column('last_answered_at')
        batch_op.drop_column('rating')
        batch_op.drop_column('has_tracking')
        batch_op.drop_column('has_impact')

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_touchpoint_id'))
        batch_op.drop_index('ix_shift_team_detected')
        batch_op.drop_index(batch_op.f('ix_shift_summary_id'))
        batch_op.drop_index('ix_shift_initiative_detected')

    op.drop_table('shift')
    with op.batch_alter_table('shift_summary', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_summary_status_claimed')

    op.drop_table('shift_summary')
    op.drop_table('alignment_snapshot')
    op.drop_table('digest_settings')
    op.drop_table('digest_post')
