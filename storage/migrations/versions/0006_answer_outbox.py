"""the outbox of answers' Slack messages (summary and DM), written with the answers

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answer_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('dm_done', sa.Boolean(), nullable=False),
    sa.Column('posted_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answer_post', schema=None) as batch_op:
        batch_op.create_index('ix_answer_post_status_claimed', ['status', 'claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_post_touchpoint_id'), ['touchpoint_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answer_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_post_touchpoint_id'))
        batch_op.drop_index('ix_answer_post_status_claimed')

    op.drop_table('answer_post')
