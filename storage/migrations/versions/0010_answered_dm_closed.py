"""an answered check-in's or review's DM loses its "Change my answer" button when the touchpoint closes

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('touchpoint', sa.Column('dm_closed_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('touchpoint', 'dm_closed_at')
