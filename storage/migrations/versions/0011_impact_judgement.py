"""a stakeholder judges their own revised impact statement: what they said is kept on the answer and on the shift

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('answer', sa.Column('judgement', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column('shift', sa.Column('judgement', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.create_index(
        'ix_answer_judgement', 'answer', ['judgement'],
        sqlite_where=sa.text('judgement IS NOT NULL'), postgresql_where=sa.text('judgement IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_answer_judgement', table_name='answer')
    op.drop_column('shift', 'judgement')
    op.drop_column('answer', 'judgement')
