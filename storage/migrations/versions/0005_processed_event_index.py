"""processed events: an index on received_at, to forget old event ids

Revision ID: 0005
Revises: 0004
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_event_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_event_received_at'))
