"""installations into many workspaces: slack_sdk's installation and OAuth state stores' tables, and each team's status

Revision ID: 0018
Revises: 0017

The three slack_* tables are the ones slack_sdk's SQLAlchemy stores declare (their create_tables is never called).
team_status starts empty: a team without a row is active, as every team was before this revision.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from storage.types import UTCDateTime


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_bots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('app_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('enterprise_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('team_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('bot_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('bot_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('bot_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('bot_scopes', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('bot_refresh_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('bot_token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('slack_bots', schema=None) as batch_op:
        batch_op.create_index('slack_bots_idx', ['client_id', 'enterprise_id', 'team_id', 'installed_at'], unique=False)

    op.create_table('slack_installations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('app_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('enterprise_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('enterprise_url', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('team_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('bot_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('bot_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('bot_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('bot_scopes', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('bot_refresh_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('bot_token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('user_scopes', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('user_refresh_token', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('user_token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('incoming_webhook_url', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('incoming_webhook_channel', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('incoming_webhook_channel_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('incoming_webhook_configuration_url', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('token_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('slack_installations', schema=None) as batch_op:
        batch_op.create_index('slack_installations_idx', ['client_id', 'enterprise_id', 'team_id', 'user_id', 'installed_at'], unique=False)

    op.create_table('slack_oauth_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('expire_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('team_status',
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('installed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('changed_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('delete_after', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('team_id')
    )


def downgrade() -> None:
    op.drop_table('team_status')
    op.drop_table('slack_oauth_states')
    with op.batch_alter_table('slack_installations', schema=None) as batch_op:
        batch_op.drop_index('slack_installations_idx')

    op.drop_table('slack_installations')
    with op.batch_alter_table('slack_bots', schema=None) as batch_op:
        batch_op.drop_index('slack_bots_idx')

    op.drop_table('slack_bots')
