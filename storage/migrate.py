"""Apply Alembic migrations from code, at start and in tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_lock's key for "migrating Touchpoint's schema": any fixed number other applications sharing the
# database are unlikely to pick.
MIGRATION_LOCK = 7_412_650_001


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate, one process at a time: the web and the clock processes start together and both migrate.

    On PostgreSQL an advisory lock, held on its own connection for the whole upgrade, makes the second process wait
    and then find the schema current. On SQLite the upgrade's own transaction begins with BEGIN IMMEDIATE (see
    storage.db.make_engine), which takes the database's write lock before Alembic reads the current revision.
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
