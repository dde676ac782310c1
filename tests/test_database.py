"""The database as the processes share it: migrations one process at a time, and reading() that cannot write."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from storage.db import without_password
from storage.migrate import alembic_config
from storage.models import ProcessedEvent
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).parent.parent
STARTERS = 3  # the web process, the clock, and one more for good measure

# Each process waits for the go file, so that all of them migrate at the same moment, not one per interpreter start.
_START = """
import sys, time
from pathlib import Path
from storage.db import Database
go, url, ready = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
ready.touch()
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
Database(url).migrate()
print("migrated")
"""


def _start_together(url: str, tmp_path: Path) -> list[subprocess.CompletedProcess]:
    go, ready = tmp_path / "go", [tmp_path / f"ready-{n}" for n in range(STARTERS)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _START, str(go), url, str(r)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    deadline = time.monotonic() + 30
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def _assert_migrated(engine, schema: str | None = None) -> None:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    tables = set(inspect(engine).get_table_names(schema=schema))
    assert tables == {t.name for t in SQLModel.metadata.sorted_tables} | {"alembic_version"}
    with engine.connect() as conn:
        versions = (
            conn.execute(text(f"SELECT version_num FROM {schema + '.' if schema else ''}alembic_version"))
            .scalars()
            .all()
        )
    assert versions == [head]


def test_processes_starting_together_on_a_fresh_sqlite_file_all_migrate_it(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    results = _start_together(url, tmp_path)
    assert [r.returncode for r in results] == [0] * STARTERS, [r.stderr for r in results]
    engine = create_engine(url)
    _assert_migrated(engine)
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_processes_starting_together_on_a_fresh_postgres_schema_all_migrate_it(tmp_path):
    assert POSTGRES_URL is not None  # the skipif above
    schema = f"fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1) + f"?options=-csearch_path%3D{schema}"
        results = _start_together(url, tmp_path)
        assert [r.returncode for r in results] == [0] * STARTERS, [r.stderr for r in results]
        _assert_migrated(admin, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_a_write_inside_reading_fails_loudly_and_writing_still_works_after(db):
    row = ProcessedEvent(event_id="Ev0READONLY", team_id="T0SIMULATED", received_at=datetime(2027, 1, 1, tzinfo=UTC))
    with db.reading() as session:
        session.add(row)
        with pytest.raises(DBAPIError, match=r"read-only|readonly"):
            session.flush()
    for _ in range(3):  # the pool hands the same connections out again: they must write as before
        with db.session() as session:
            session.merge(ProcessedEvent(**row.model_dump()))
        with db.reading() as session:
            assert session.get(ProcessedEvent, "Ev0READONLY") is not None


def test_a_password_the_database_echoes_is_not_repeated():
    url = "postgresql+psycopg://touchpoint:s3cr%40t@db.example:5432/tp"
    message = (
        'password authentication failed for user "touchpoint" (tried s3cr@t) via postgresql://touchpoint:s3cr@t@db'
    )
    cleaned = without_password(message, url)
    assert "s3cr" not in cleaned and 'user "touchpoint"' in cleaned
