"""The engine and the unit of work: one `session()` block is one transaction."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str, *, pool_size: int = 10, for_writing: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # A writing transaction takes SQLite's write lock at BEGIN, so concurrent writers queue for it instead of
        # failing with "database is locked" when a read later turns into a write. Readers never take it (WAL).
        begin = "BEGIN IMMEDIATE" if for_writing else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Owns the engine; hands out sessions that commit on success and roll back on any error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        sqlite = url.startswith("sqlite")
        self._read_engine = make_engine(url, for_writing=False) if sqlite else self.engine
        # SQLite has one writer at a time, and its busy handler sleeps in growing steps while it waits: queue this
        # process's writers on a lock instead, which hands over the moment a transaction ends.
        self._write_lock = threading.Lock() if sqlite else contextlib.nullcontext()
        self.single_writer = sqlite  # writers take turns: the shorter each writing transaction, the shorter the queue

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One writing transaction: committed when the block ends, rolled back if it raises."""
        with self._write_lock, Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction: a consistent snapshot that never waits for writers. Closing it ends the
        transaction and leaves what was read usable outside."""
        with Session(self._read_engine) as session:
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable" to a health check
            return False

    def migrate(self) -> None:
        from storage.migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) and len(url) > len(prefix) else None
