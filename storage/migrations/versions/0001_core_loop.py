"""core loop: initiatives, stakeholders, touchpoints, answers

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('business_goal', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('summary_channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'name_key', name='uq_initiative_team_name')
    )
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_team_id'), ['team_id'], unique=False)

    op.create_table('processed_event',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('stakeholder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('tz', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('dm_channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'user_id', name='uq_stakeholder_team_user')
    )
    op.create_table('initiative_stakeholder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('added_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'stakeholder_id', name='uq_initiative_stakeholder')
    )
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_stakeholder_stakeholder_id'), ['stakeholder_id'], unique=False)

    op.create_table('touchpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('claimed_at', UTCDateTime(), nullable=True),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'stakeholder_id', 'kind', 'period', name='uq_touchpoint_instance')
    )
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_touchpoint_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_touchpoint_stakeholder_id'), ['stakeholder_id'], unique=False)
        batch_op.create_index('ix_touchpoint_status_due', ['status', 'due_at'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'stakeholder_id', 'question', 'version', name='uq_answer_version')
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_stakeholder_id'), ['stakeholder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_touchpoint_id'), ['touchpoint_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_answer_stakeholder_id'))

    op.drop_table('answer')
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_touchpoint_status_due')
        batch_op.drop_index(batch_op.f('ix_touchpoint_stakeholder_id'))
        batch_op.drop_index(batch_op.f('ix_touchpoint_initiative_id'))

    op.drop_table('touchpoint')
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_stakeholder_stakeholder_id'))

    op.drop_table('initiative_stakeholder')
    op.drop_table('stakeholder')
    op.drop_table('processed_event')
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_team_id'))

    op.drop_table('initiative')
