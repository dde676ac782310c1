"""plan sign-off: the versions of each initiative's plan, and its stakeholders asked to sign it (with their answers)

Revision ID: 0015
Revises: 0014

No plan existed before this revision: nothing to fill in.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('overview', sa.Text(), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('deliver', sa.Text(), nullable=False),
    sa.Column('short_term', sa.Text(), nullable=False),
    sa.Column('long_term', sa.Text(), nullable=False),
    sa.Column('obstacles', sa.Text(), nullable=False),
    sa.Column('saved_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('saved_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'version', name='uq_plan_version')
    )
    op.create_table('plan_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('approved_version_id', sa.Integer(), nullable=True),
    sa.Column('must_sign', sa.Boolean(), nullable=False),
    sa.Column('asked_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('posted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('remind_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('commitment', sqlmodel.sql.sqltypes.AutoString(length=3000), nullable=False),
    sa.Column('committed_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_version_id'], ['plan_version.id'], ),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_version.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_version_id', 'stakeholder_id', name='uq_plan_signoff')
    )
    with op.batch_alter_table('plan_signoff', schema=None) as batch_op:
        batch_op.create_index('ix_plan_signoff_initiative', ['initiative_id', 'stakeholder_id'], unique=False)
        batch_op.create_index('ix_plan_signoff_status_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_signoff', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_signoff_status_due')
        batch_op.drop_index('ix_plan_signoff_initiative')
    op.drop_table('plan_signoff')
    op.drop_table('plan_version')
