"""The layering of HOUSE_STYLE.md, and the schema, kept true as the code grows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

ROOT = Path(__file__).parent.parent


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_migrations_build_exactly_the_tables_the_models_describe(db):
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path}/wal.db")
    db.migrate()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.migrate()  # a second start on the same database is a no-op


@pytest.mark.parametrize("folder", ["handlers", "schedules"])
def test_listeners_and_pass_steps_never_open_a_database_session(folder):
    """A listener or a pass step calls one use case, which owns the transaction: no module in handlers/ or
    schedules/ reaches the database itself, neither through `deps.db` or `out.db` (`.session()`, `.reading()`, the
    engine) nor by importing the session's modules."""
    reaching = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr in {"db", "session", "reading", "engine"}:
                reaching.append(f"{where}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for module in modules:
                    if module.split(".")[0] in {"sqlmodel", "sqlalchemy"} or module == "storage.db":
                        reaching.append(f"{where}:{node.lineno} import {module}")
    assert reaching == []
