"""the stakeholder map: each initiative stakeholder's influence, interest, cadence and previous rating, and the DMs
the map sends (status updates, alerts to owners)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing pairs become high/high (manage closely) with the quadrant's cadence: what they got before the map.
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('influence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='high')
        )
        batch_op.add_column(
            sa.Column('interest', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='high')
        )
        batch_op.add_column(
            sa.Column('cadence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='quadrant')
        )
        batch_op.add_column(sa.Column('previous_rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rated_touchpoint_id', sa.Integer(), nullable=True))
    op.create_table('map_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'stakeholder_id', 'kind', 'key', name='uq_map_message')
    )
    with op.batch_alter_table('map_message', schema=None) as batch_op:
        batch_op.create_index('ix_map_message_status_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('map_message', schema=None) as batch_op:
        batch_op.drop_index('ix_map_message_status_due')
    op.drop_table('map_message')
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.drop_column('rated_touchpoint_id')
        batch_op.drop_column('previous_rating')
        batch_op.drop_column('cadence')
        batch_op.drop_column('interest')
        batch_op.drop_column('influence')
