"""initiatives change after they open: the change log, stakeholders removed from an initiative

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('initiative_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('changed_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('initiative_change', schema=None) as batch_op:
        batch_op.create_index('ix_initiative_change_initiative', ['initiative_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_change_team_id'), ['team_id'], unique=False)
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('initiative_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_change_team_id'))
        batch_op.drop_index('ix_initiative_change_initiative')
    op.drop_table('initiative_change')
