"""follow-ups end in a decision: the outcomes recorded for them, and each shift's latest outcome

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shift_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['summary_id'], ['shift_summary.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shift_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_shift_outcome_follow_up', ['summary_id', 'stakeholder_id'], unique=False)
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_shift_outcome_id', 'shift_outcome', ['outcome_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_constraint('fk_shift_outcome_id', type_='foreignkey')
        batch_op.drop_column('outcome_id')
    with op.batch_alter_table('shift_outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_outcome_follow_up')
    op.drop_table('shift_outcome')
