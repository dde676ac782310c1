"""The workbook: export time against openpyxl's own write-only mode writing the same cells, peak memory, and import.

    python -m bench.workbook [--postgres URL]

Export: 100 initiatives, 1,000 stakeholders, 100,000 answers, 20,000 readings (200 measures). "openpyxl alone" writes
exactly the cells of the data sheets (read beforehand into memory) with plain `ws.append`, in write-only mode; the
export does everything: the queries, the Plan, text safety, dates, styles, filters and charts. Peak memory is the
export's own process (a fresh Python running only the export), as the OS counts it (max RSS).
Import: a 10,000-row Stakeholders sheet (400 initiatives of 25), checked and imported into an empty database.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from datetime import date, timedelta

from openpyxl import Workbook

from bench.digest import NOW, _bulk, seed_history
from bench.seed import LD_ADMIN, TEAM, fresh_database
from bot.exports import workbook
from bot.services import export_sheets, exporting, importing
from bot.slack.profiles import Profile
from storage.db import Database
from storage.models import Measure, Reading, table_of

MEASURES_PER_INITIATIVE, READINGS_PER_MEASURE = 2, 100


def seed(db: Database) -> dict[str, int]:
    counts = seed_history(db, 100)  # 1,000 stakeholders, 100,000 answers
    counts["measures"] = _bulk(
        db,
        table_of(Measure),
        (
            dict(
                id=m + 1,
                team_id=TEAM,
                initiative_id=m // MEASURES_PER_INITIATIVE + 1,
                name=f"Measure {m}",
                name_key=f"measure {m}",
                owner_id=(m // MEASURES_PER_INITIATIVE) * 10 + 1,
                source="Salesforce",
                unit="%",
                direction="higher",
                baseline=40.0,
                baseline_on=date(2025, 1, 1),
                target=60.0,
                target_on=date(2027, 12, 31),
                confirmed_by=LD_ADMIN,
                confirmed_at=NOW,
                active=True,
            )
            for m in range(100 * MEASURES_PER_INITIATIVE)
        ),
    )
    counts["readings"] = _bulk(
        db,
        table_of(Reading),
        (
            dict(
                team_id=TEAM,
                measure_id=m + 1,
                touchpoint_id=None,
                status="value",
                value=40.0 + r * 0.2,
                read_on=date(2025, 1, 1) + timedelta(days=7 * r),
                given_by="U000000001",
                recorded_at=NOW,
            )
            for m in range(100 * MEASURES_PER_INITIATIVE)
            for r in range(READINGS_PER_MEASURE)
        ),
    )
    return counts


def export_seconds(db: Database) -> float:
    started = time.perf_counter()
    with db.reading() as session:
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), NOW, "UTC"), io.BytesIO())
    return time.perf_counter() - started


def openpyxl_seconds(db: Database) -> tuple[float, int]:
    """openpyxl's write-only mode writing the data sheets' cells, already in memory: the floor for any export."""
    with db.reading() as session:
        sheets = [
            (s.title, s.header, [tuple(r) for r in s.rows])
            for s in exporting.collect(session, exporting.Scope(TEAM), NOW, "UTC").sheets
        ]
    cells = sum(len(rows) * len(header) for _, header, rows in sheets)
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
    wb.save(io.BytesIO())
    return time.perf_counter() - started, cells


def peak_memory_mb(url: str) -> float:
    """Max RSS of a fresh process that does the export and nothing else."""
    code = (
        "import io,resource;from bench.workbook import *;from storage.db import Database;"
        f"db=Database({url!r});export_seconds(db);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1]) / 1024


def import_seconds(db: Database) -> float:
    wb = Workbook(write_only=True)
    initiatives = wb.create_sheet("Initiatives")
    initiatives.append(export_sheets.INITIATIVE_COLUMNS)
    for i in range(400):
        initiatives.append((f"Imported initiative {i:03d}", "Grow revenue per rep by 10% this year"))
    people = wb.create_sheet("Stakeholders")
    people.append(export_sheets.STAKEHOLDER_COLUMNS)
    for s in range(10_000):
        people.append((f"Imported initiative {s // 25:03d}", f"U{s:09d}", f"Person {s}", "Europe/London"))
    out = io.BytesIO()
    wb.save(out)
    directory = {f"U{s:09d}": Profile(f"Person {s}", "Europe/London", False, False) for s in range(10_000)}
    started = time.perf_counter()
    with db.session() as session:
        done = importing.run(session, TEAM, "stakeholders.xlsx", out.getvalue(), directory, LD_ADMIN, "C0BENCH", NOW)
    assert done.stakeholders == 10_000
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure on too (its schema public is replaced)")
    args = parser.parse_args()
    print(
        "| database | answers | readings | cells | openpyxl alone s | export s | ratio | export peak MB | import 10,000 rows s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for url in [None] + ([args.postgres] if args.postgres else []):
        db = fresh_database(url)
        counts = seed(db)
        floor, cells = openpyxl_seconds(db)
        ours = min(export_seconds(db) for _ in range(3))
        floor = min([floor] + [openpyxl_seconds(db)[0] for _ in range(2)])
        memory = peak_memory_mb(db.url)
        empty = fresh_database(url if url else None)
        imported = import_seconds(empty)
        name = "SQLite" if db.engine.dialect.name == "sqlite" else "PostgreSQL"
        print(
            f"| {name} | {counts['answers']:,} | {counts['readings']:,} | {cells:,} | {floor:.2f} | {ours:.2f} "
            f"| {ours / floor:.2f}x | {memory:.0f} | {imported:.2f} |",
            flush=True,
        )
        db.dispose()
        empty.dispose()


if __name__ == "__main__":
    main()
