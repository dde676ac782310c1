"""How long the weekly digest takes to compute, and how that grows with the data.

Seeds a team with N initiatives, 10 stakeholders each, two years of monthly touchpoints per stakeholder and their
answers (4 per touchpoint, so 1,000 initiatives make 10,000 stakeholders and about 1,000,000 answers), some shifts,
then times `digest.build` (every query the digest needs) and the Block Kit rendering.

    python -m bench.digest [--postgres URL] [--scale 1 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import insert, text

from bench.seed import LD_ADMIN, TEAM, fresh_database
from bot.blocks.digest import digest_messages
from bot.services import digest
from storage.db import Database
from storage.models import (
    Answer,
    Initiative,
    InitiativeStakeholder,
    Shift,
    ShiftSummary,
    Stakeholder,
    Touchpoint,
    table_of,
)

PER_INITIATIVE = 10
MONTHS = 25  # touchpoints per stakeholder: a kickoff and two years of check-ins and reviews
QUESTIONS = ("priorities_shifted", "matters_most", "on_track", "notes")
NOW = datetime(2027, 3, 8, 9, tzinfo=UTC)


def _bulk(db: Database, table, rows: Iterable[dict]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, executemany in chunks on SQLite."""
    count = 0
    if db.engine.dialect.name == "postgresql":
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        columns = list(first)
        raw = db.engine.raw_connection()
        try:
            driver = raw.driver_connection  # COPY is psycopg's own API, beyond the DB-API the pool declares
            assert isinstance(driver, psycopg.Connection)
            with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in _chain(first, iterator):
                    copy.write_row([row[c] for c in columns])
                    count += 1
            raw.commit()
        finally:
            raw.close()
        return count
    with db.engine.begin() as conn:
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 20_000:
                conn.execute(insert(table), chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            conn.execute(insert(table), chunk)
            count += len(chunk)
    return count


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def seed_history(db: Database, initiatives: int) -> dict[str, int]:
    people = initiatives * PER_INITIATIVE
    start = NOW - timedelta(days=30 * MONTHS)

    def pair_of(s: int) -> int:
        return s // PER_INITIATIVE + 1

    counts = {
        "initiatives": _bulk(
            db,
            table_of(Initiative),
            (
                dict(
                    id=i + 1,
                    team_id=TEAM,
                    name=f"Initiative {i:06d}",
                    name_key=f"initiative {i:06d}",
                    business_goal="Grow revenue per rep by 10% this year",
                    description="",
                    summary_channel_id="C0BENCH",
                    created_by=LD_ADMIN,
                    created_at=start,
                    active=True,
                )
                for i in range(initiatives)
            ),
        ),
        "stakeholders": _bulk(
            db,
            table_of(Stakeholder),
            (
                dict(
                    id=s + 1,
                    team_id=TEAM,
                    user_id=f"U{s:09d}",
                    display_name=f"Person {s}",
                    tz="Europe/London",
                    country="GB",
                    dm_channel_id=f"D{s:09d}",
                    active=True,
                    updated_at=start,
                )
                for s in range(people)
            ),
        ),
    }
    _bulk(
        db,
        table_of(InitiativeStakeholder),
        (
            dict(
                id=s + 1,
                team_id=TEAM,
                initiative_id=pair_of(s),
                stakeholder_id=s + 1,
                added_at=start,
                planned=True,
                has_impact=s % 5 != 0,
                has_tracking=s % 3 != 0,
                rating=1 + s % 5,
                silent_cycles=(s % 17 == 0) * 2,
                last_answered_at=NOW - timedelta(days=s % 60),
            )
            for s in range(people)
        ),
    )

    def touchpoints() -> Iterator[dict]:
        for s in range(people):
            for m in range(MONTHS + 1):
                due = start + timedelta(days=30 * m, hours=s % 24)
                status = "pending" if due > NOW else ("missed" if (s + m) % 7 == 0 else "answered")
                yield dict(
                    id=s * (MONTHS + 1) + m + 1,
                    team_id=TEAM,
                    initiative_id=pair_of(s),
                    stakeholder_id=s + 1,
                    kind="kickoff" if m == 0 else ("review" if m % 3 == 0 else "checkin"),
                    period=f"m{m}",
                    status=status,
                    due_at=due,
                    sent_at=due if status != "pending" else None,
                    answered_at=due + timedelta(hours=5) if status == "answered" else None,
                    expires_at=due + timedelta(days=14),
                    attempts=1,
                )

    counts["touchpoints"] = _bulk(db, table_of(Touchpoint), touchpoints())

    def answers() -> Iterator[dict]:
        for s in range(people):
            for m in range(MONTHS):  # the last month's are not answered yet
                touchpoint = s * (MONTHS + 1) + m + 1
                for _q, question in enumerate(QUESTIONS):
                    yield dict(
                        team_id=TEAM,
                        initiative_id=pair_of(s),
                        stakeholder_id=s + 1,
                        touchpoint_id=touchpoint,
                        question=question,
                        text=f"Answer {question} {s} {m}",
                        version=m + 1,
                        answered_at=start + timedelta(days=30 * m, hours=5),
                    )

    counts["answers"] = _bulk(db, table_of(Answer), answers())
    _bulk(
        db,
        table_of(ShiftSummary),
        (
            dict(
                id=i + 1,
                team_id=TEAM,
                initiative_id=i + 1,
                day="2027-03-05",
                channel_id="C0BENCH",
                status="posted",
                revision=1,
                posted_revision=1,
                attempts=1,
            )
            for i in range(initiatives)
        ),
    )
    counts["shifts"] = _bulk(
        db,
        table_of(Shift),
        (
            dict(
                team_id=TEAM,
                initiative_id=pair_of(s),
                stakeholder_id=s + 1,
                touchpoint_id=s * (MONTHS + 1) + m + 1,
                summary_id=pair_of(s),
                rule="said_shifted",
                question="priorities_shifted",
                before="No",
                after="Somewhat",
                evidence="answered “Somewhat”",
                strength=2 + (s % 2),
                detected_at=start + timedelta(days=30 * m),
                followed_up_by=None if m > MONTHS - 3 else LD_ADMIN,
            )
            for s in range(0, people, 3)
            for m in range(1, MONTHS, 4)
        ),
    )
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            for table in ("initiative", "stakeholder", "touchpoint", "initiative_stakeholder", "shift_summary"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            conn.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return counts


def measure(db: Database, runs: int = 5) -> tuple[float, float, int]:
    """Median seconds to compute the digest and to render it, and how many messages it makes."""
    computed, rendered = [], []
    for _ in range(runs):
        started = time.perf_counter()
        with db.reading() as session:
            found = digest.build(session, TEAM, NOW, "2027-03-08")
        computed.append(time.perf_counter() - started)
        started = time.perf_counter()
        messages = digest_messages(found)
        rendered.append(time.perf_counter() - started)
    return statistics.median(computed), statistics.median(rendered), len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure on too (its schema public is replaced)")
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 10], help="data sizes: 1 is 1,000 initiatives")
    args = parser.parse_args()
    print(
        "| database | initiatives | stakeholders | answers | touchpoints | seed s | digest compute s | render s | messages |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for url in [None] + ([args.postgres] if args.postgres else []):
        for scale in args.scale:
            db = fresh_database(url)
            started = time.perf_counter()
            counts = seed_history(db, 1000 * scale)
            seeded = time.perf_counter() - started
            compute, render, messages = measure(db)
            name = db.engine.dialect.name
            print(
                f"| {'SQLite' if name == 'sqlite' else 'PostgreSQL'} | {counts['initiatives']:,} | {counts['stakeholders']:,} "
                f"| {counts['answers']:,} | {counts['touchpoints']:,} | {seeded:.0f} | {compute:.3f} | {render:.3f} | {messages} |",
                flush=True,
            )
            db.dispose()


if __name__ == "__main__":
    main()
