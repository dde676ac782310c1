"""recurring touchpoints: schedules, pauses, reminders

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('checkins', sa.Boolean(), nullable=False),
    sa.Column('reviews', sa.Boolean(), nullable=False),
    sa.Column('day_rule', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('nth', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('send_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('fiscal_year_start', sa.Integer(), nullable=False),
    sa.Column('working_days', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('quiet_last_days', sa.Integer(), nullable=False),
    sa.Column('quiet_ranges', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('reminder_after', sa.Integer(), nullable=False),
    sa.Column('missed_after', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id')
    )
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_initiative_stakeholder_planned'), ['planned'], unique=False)

    with op.batch_alter_table('stakeholder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column('paused_until', sa.Date(), nullable=True))

    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', UTCDateTime(), nullable=True))
        batch_op.create_index('ix_touchpoint_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_touchpoint_status_remind', ['status', 'remind_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_touchpoint_status_remind')
        batch_op.drop_index('ix_touchpoint_status_expires')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('remind_at')

    with op.batch_alter_table('stakeholder', schema=None) as batch_op:
        batch_op.drop_column('paused_until')
        batch_op.drop_column('country')

    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_stakeholder_planned'))
        batch_op.drop_column('planned')

    op.drop_table('schedule')
