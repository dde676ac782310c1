"""The scheduling pass at scale: finding and claiming what is due, and fanning DMs out under a rate limit.

    .venv/bin/python -m bench.scheduling [--postgres URL]

1. Claim: N stakeholder-initiative pairs each with a planned check-in, of which D are due; the time to find and
   claim all D (in the pass's batches), on SQLite and, given --postgres, on PostgreSQL. Several (N, D) show whether
   the cost follows D or N.
2. Fan-out: 1,000 DMs through the real touchpoint DM use case (bot.usecases.touchpoint_dms) against the simulated Slack enforcing a rate on chat.postMessage
   (429 with Retry-After past it): total time against the ideal 1,000 / rate, duplicates and losses.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.seed import TEAM, bench_env, bench_settings, fresh_database
from bot.services import touchpoints
from storage.db import Database
from storage.models import Initiative, InitiativeStakeholder, Stakeholder, Touchpoint, table_of

NOW = datetime(2027, 2, 9, 10, tzinfo=UTC)


def seed_pairs(db: Database, pairs: int, due: int, per_initiative: int = 100, now: datetime = NOW) -> None:
    """`pairs` pairs, each with a sent kickoff and a planned check-in; `due` of the check-ins are due at `now`."""
    with db.engine.begin() as conn:
        conn.execute(
            insert(table_of(Initiative)),
            [
                dict(
                    id=i + 1,
                    team_id=TEAM,
                    name=f"I{i}",
                    name_key=f"i{i}",
                    business_goal="g",
                    description="",
                    summary_channel_id="C0BENCH",
                    created_by="U0BENCHLD",
                    created_at=now,
                    active=True,
                )
                for i in range(pairs // per_initiative + 1)
            ],
        )
        for start in range(0, pairs, 10_000):
            chunk = range(start, min(pairs, start + 10_000))
            conn.execute(
                insert(table_of(Stakeholder)),
                [
                    dict(
                        id=i + 1,
                        team_id=TEAM,
                        user_id=f"U{i:09d}",
                        display_name="",
                        tz="Europe/London",
                        dm_channel_id=f"D{i:09d}",
                        active=True,
                        updated_at=now,
                    )
                    for i in chunk
                ],
            )
            conn.execute(
                insert(table_of(InitiativeStakeholder)),
                [
                    dict(
                        team_id=TEAM,
                        initiative_id=i // per_initiative + 1,
                        stakeholder_id=i + 1,
                        added_at=now,
                        planned=True,
                    )
                    for i in chunk
                ],
            )
            conn.execute(
                insert(table_of(Touchpoint)),
                [
                    dict(
                        team_id=TEAM,
                        initiative_id=i // per_initiative + 1,
                        stakeholder_id=i + 1,
                        kind="kickoff",
                        period="kickoff",
                        status="sent",
                        due_at=now - timedelta(days=60),
                        sent_at=now - timedelta(days=60),
                        attempts=1,
                    )
                    for i in chunk
                ],
            )
            # Due ones spread over the last hour; the others over the coming month.
            conn.execute(
                insert(table_of(Touchpoint)),
                [
                    dict(
                        team_id=TEAM,
                        initiative_id=i // per_initiative + 1,
                        stakeholder_id=i + 1,
                        kind="checkin",
                        period="2027-02",
                        status="pending",
                        attempts=0,
                        due_at=now - timedelta(seconds=i % 3600) if i < due else now + timedelta(hours=1 + i % 700),
                    )
                    for i in chunk
                ],
            )
    if db.engine.dialect.name == "postgresql":  # as autovacuum would have left a table that is in use
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def claim_all(db: Database) -> tuple[float, int]:
    started = time.perf_counter()
    claimed = 0
    while True:
        with db.session() as session:
            batch, _ = touchpoints.claim_due(session, NOW, timedelta(hours=6), "UTC")
        if not batch:
            return time.perf_counter() - started, claimed
        claimed += len(batch)


def bench_claims(url: str | None, label: str) -> list[str]:
    lines = []
    for pairs, due in ((10_000, 1_000), (100_000, 100), (100_000, 1_000), (100_000, 10_000)):
        runs = []
        for _ in range(3):  # the median of three fresh databases
            db = fresh_database(url)
            seed_pairs(db, pairs, due)
            seconds, claimed = claim_all(db)
            assert claimed == due, (claimed, due)
            runs.append(seconds)
            db.dispose()
        lines.append(f"| {label} | {pairs:,} | {due:,} | {sorted(runs)[1] * 1000:.0f} |")
        print(lines[-1], flush=True)
    return lines


def bench_fanout(rate: int, count: int = 1_000) -> str:
    from bot.app import patient_gateway
    from bot.simulator import FakeSlackApi
    from bot.usecases.outbound import Outbound
    from schedules.touchpoint_pass import PassSettings, run_pass

    db = fresh_database(None)
    seed_pairs(db, count, count)
    slack = FakeSlackApi(TEAM).start()
    slack.limit_rate("chat.postMessage", rate)
    settings = bench_settings(slack.url, db.url)
    clock = lambda: NOW  # noqa: E731 - one frozen "now" for the pass and for what it records
    out = Outbound(db, patient_gateway(settings), clock, "UTC")
    started = time.perf_counter()
    report = run_pass(out, PassSettings(grace=timedelta(days=30)))
    seconds = time.perf_counter() - started
    slack.stop()
    assert report.sent == count and report.reminded == 0
    return _fanout_line(slack, count, rate, seconds)


def _touchpoint_of(metadata: dict | str | None) -> object:
    """The touchpoint a chat.postMessage was for (None for the pass's other messages, such as the L&D lead's DMs)."""
    parsed = json.loads(metadata) if isinstance(metadata, str) else metadata
    return ((parsed or {}).get("event_payload") or {}).get("touchpoint")


def _touchpoint_posts(slack) -> list:
    return [c for c in slack.calls_to("chat.postMessage") if _touchpoint_of(c.args.get("metadata")) is not None]


def _fanout_line(slack, count: int, rate: int, seconds: float, label: str = "") -> str:
    """The row of the fan-out table: time against the ideal, the 429s, and every DM delivered exactly once."""
    delivered = Counter(_touchpoint_of(m.metadata) for m in slack.messages if _touchpoint_of(m.metadata) is not None)
    duplicates = sum(n - 1 for n in delivered.values())
    lost = count - len(delivered)
    throttled = len(_touchpoint_posts(slack)) - sum(delivered.values())
    ideal = count / rate
    line = (
        f"| {label}{count:,} | {rate}/s | {ideal:.1f} | {seconds:.1f} | {seconds / ideal:.2f}x | {throttled} | "
        f"{duplicates} | {lost} |"
    )
    print(line, flush=True)
    return line


def bench_fanout_processes(url: str, rate: int, clocks: int, count: int = 1_000) -> str:
    """The same fan-out sent by `clocks` real processes at once (`touchpoint tick`, as the clock runs each pass) on
    one PostgreSQL database: Slack's limit is the workspace's, so together they must keep to it. Timed from Slack's
    first chat.postMessage to its last (process start-up left out; it is the same for one process or two)."""
    import subprocess
    import sys

    from bot.simulator import FakeSlackApi

    db = fresh_database(url)
    seed_pairs(db, count, count, now=datetime.now(UTC))
    slack = FakeSlackApi(TEAM).start()
    slack.limit_rate("chat.postMessage", rate)
    env = bench_env(slack.url, db.url)
    ticks = [
        subprocess.Popen([sys.executable, "-m", "bot.cli", "tick"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(clocks)
    ]
    outputs = [t.communicate(timeout=600)[0] for t in ticks]
    assert [t.returncode for t in ticks] == [0] * clocks, outputs
    sent = sum(int(out.split("sent ")[1].split(",")[0]) for out in outputs)
    posts = [c.at for c in _touchpoint_posts(slack)]
    slack.stop()
    db.dispose()
    assert sent == count, outputs
    return _fanout_line(slack, count, rate, max(posts) - min(posts), label=f"{clocks} clock{'s' * (clocks > 1)}: ")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema the benchmark may replace")
    args = parser.parse_args()
    print("| database | pairs | due | find and claim all due (ms) |\n|---|---:|---:|---:|")
    bench_claims(None, "SQLite")
    if args.postgres:
        bench_claims(args.postgres, "PostgreSQL")
    print(
        "\n| DMs | Slack's limit | ideal (s) | took (s) | ratio | 429s | duplicates | lost |\n|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for rate in (50, 100):
        bench_fanout(rate)
    if args.postgres:
        print("\nReal `touchpoint tick` processes on PostgreSQL, pacing shared through the database:")
        for rate in (25, 50):
            for clocks in (1, 2):
                bench_fanout_processes(args.postgres, rate, clocks)


if __name__ == "__main__":
    main()
