"""measures agreed together: who agreed each measure and when, every version of it, and the DM asking its owner

Revision ID: 0014
Revises: 0013

Measures confirmed before this revision get their first version (as the L&D member confirmed them) and a pending
proposal: the next scheduling pass asks each owner to agree theirs, like a measure confirmed today.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('agreed_at', UTCDateTime(timezone=True), nullable=True))
    op.create_table('measure_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('baseline_on', sa.Date(), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('given_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('measure_id', 'version', name='uq_measure_version')
    )
    op.create_table('measure_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('posted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('measure_id')
    )
    with op.batch_alter_table('measure_proposal', schema=None) as batch_op:
        batch_op.create_index('ix_measure_proposal_status_claimed', ['status', 'claimed_at'], unique=False)
    op.execute(
        "INSERT INTO measure_version (team_id, measure_id, version, kind, name, baseline, baseline_on, target,"
        " target_on, given_by, given_at)"
        " SELECT team_id, id, 1, 'proposed', name, baseline, baseline_on, target, target_on, confirmed_by,"
        " confirmed_at FROM measure"
    )
    op.execute(
        "INSERT INTO measure_proposal (team_id, measure_id, status, created_at, attempts)"
        " SELECT team_id, id, 'pending', confirmed_at, 0 FROM measure WHERE active"
    )


def downgrade() -> None:
    with op.batch_alter_table('measure_proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_measure_proposal_status_claimed')
    op.drop_table('measure_proposal')
    op.drop_table('measure_version')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_column('agreed_at')
        batch_op.drop_column('agreed_by')
