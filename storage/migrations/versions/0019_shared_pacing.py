"""the pace of each Web API method per workspace, shared by every process

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_pacing',
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('interval', sa.Float(), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.Column('limited_at', sa.Float(), nullable=False),
    sa.Column('window_at', sa.Float(), nullable=False),
    sa.Column('window_calls', sa.Integer(), nullable=False),
    sa.Column('previous_calls', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'method')
    )


def downgrade() -> None:
    op.drop_table('slack_pacing')
