"""team settings (the L&D channel and members) in the database, and the record of their changes

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('team_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ld_channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('admin_user_ids', sa.Text(), nullable=False),
    sa.Column('usergroup_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id')
    )
    op.create_table('team_settings_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('changed_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('team_settings_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_settings_change_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('team_settings_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_settings_change_team_id'))

    op.drop_table('team_settings_change')
    op.drop_table('team_settings')
