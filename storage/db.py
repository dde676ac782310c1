"""The engine and the unit of work: one `session()` block is one transaction."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine


class DatabaseUnavailable(Exception):
    """The database at a URL cannot be used; the reason is one line and never holds the URL's password."""


def url_problem(url: str) -> str | None:
    """Why SQLAlchemy cannot use this URL (unreadable, or no such driver), or None if it can try to connect."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "is not a database URL (dialect+driver://user:password@host:port/database)"
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return f"names no database driver SQLAlchemy knows ({parsed.drivername})"
    except ImportError as exc:
        return f"needs a driver that is not installed ({exc.name or parsed.drivername})"
    return None


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*):[^@\s]*@")


def without_password(message: str, url: str) -> str:
    """A database's error message, with the URL's password blotted out wherever it appears."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        message = message.replace(str(password), "***")
    return _PASSWORD_IN_URL.sub(r"\1:***@", message)


def _reason(exc: Exception, url: str) -> str:
    """The driver's own first line (psycopg's and sqlite3's name the host, port, database or file), not SQLAlchemy's
    wrapper, which quotes the statement and a link."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return without_password(lines[0] if lines else type(original).__name__, url)


def make_engine(url: str, *, pool_size: int = 10, for_writing: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # A writing transaction takes SQLite's write lock at BEGIN, so concurrent writers queue for it instead of
        # failing with "database is locked" when a read later turns into a write. Readers never take it (WAL).
        begin = "BEGIN IMMEDIATE" if for_writing else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        if not for_writing:
            event.listen(engine, "connect", _sqlite_query_only)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_query_only(dbapi_connection, _record) -> None:
    # The reading engine's connections never write: SQLite refuses any write on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


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
        problem = url_problem(url)
        if problem:
            raise DatabaseUnavailable(problem)
        self.url = url
        self.engine = make_engine(url)
        sqlite = url.startswith("sqlite")
        # What reading() hands out cannot write, so a write there fails at once instead of being rolled back unseen.
        self._read_engine = (
            make_engine(url, for_writing=False) if sqlite else self.engine.execution_options(postgresql_readonly=True)
        )
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
        """Bring the schema to the current revision; DatabaseUnavailable if the database cannot be reached."""
        from storage.migrate import upgrade

        try:
            upgrade(self.engine)
        except (OperationalError, InterfaceError) as exc:  # refused, unknown host or database, wrong password
            raise DatabaseUnavailable(f"cannot open the database: {_reason(exc, self.url)}") from None

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()
