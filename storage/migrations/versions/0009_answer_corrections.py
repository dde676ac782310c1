"""answers can be corrected: a shift a corrected answer no longer shows is withdrawn, not deleted

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('shift', sa.Column('withdrawn_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('shift', 'withdrawn_at')
