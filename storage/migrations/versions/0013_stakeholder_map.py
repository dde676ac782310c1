"""the stakeholder map: each initiative stakeholder's influence, interest and cadence

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


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


def downgrade() -> None:
    with op.batch_alter_table('initiative_stakeholder', schema=None) as batch_op:
        batch_op.drop_column('cadence')
        batch_op.drop_column('interest')
        batch_op.drop_column('influence')
