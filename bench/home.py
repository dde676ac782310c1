"""How long Touchpoint takes to build and publish the L&D member's App Home, with 200 active initiatives and 2,000
stakeholders (each with two years of touchpoints and answers: the digest benchmark's data at a fifth of its scale).

The clock runs from reading the database to views.publish returning from the simulated Slack on loopback; the
simulator's own share (parsing and storing the view) is measured apart and taken off, leaving Touchpoint's time.
The target is under 200 ms.

    python -m bench.home [--postgres URL] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from freezegun import freeze_time

from bench.digest import NOW, seed_history
from bench.seed import LD_ADMIN, TEAM, fresh_database
from bot.jobs import BackgroundJobs
from bot.simulator import FakeSlackApi
from bot.simulator.webapi import TOKEN
from bot.slack.gateway import SlackGateway, make_client
from bot.usecases.home import HomeTabs
from storage.db import Database

TARGET_MS = 200.0
INITIATIVES = 200  # 10 stakeholders each


def measure(db: Database, runs: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of Touchpoint's time per publish, and the blocks published."""
    with FakeSlackApi(TEAM) as api:
        api.add_user(LD_ADMIN, "Lena Park")
        slack = SlackGateway(make_client(TOKEN, api.url))
        tabs = HomeTabs(db, slack, BackgroundJobs(workers=1), lambda _: True, lambda: NOW, "UTC", (LD_ADMIN,))
        times = []
        with freeze_time(NOW, tick=True):
            for _ in range(runs + 1):  # the first warms caches and connections
                started = time.perf_counter()
                view = tabs.publish(TEAM, LD_ADMIN)
                total = time.perf_counter() - started
                simulator = api.calls_to("views.publish")[-1]
                times.append(total - _simulator_share(api, simulator.args))
        return statistics.median(times[1:]) * 1000, max(times[1:]) * 1000, len(view.blocks or [])


def _simulator_share(api: FakeSlackApi, args: dict) -> float:
    """What the simulated Slack spends answering one views.publish, measured by answering it again."""
    started = time.perf_counter()
    api._views_publish(dict(args))  # the simulator's own handler, timed alone
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure on too (its schema public is replaced)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| database | initiatives | stakeholders | median ms | worst ms | blocks | under 200 ms |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for url in [None, args.postgres] if args.postgres else [None]:
        db = fresh_database(url)
        counts = seed_history(db, INITIATIVES)
        median, worst, blocks = measure(db, args.runs)
        print(
            f"| {db.engine.dialect.name} | {counts['initiatives']:,} | {counts.get('stakeholders', 0):,} "
            f"| {median:.1f} | {worst:.1f} | {blocks} | {'yes' if worst < TARGET_MS else 'NO'} |"
        )
        db.dispose()


if __name__ == "__main__":
    main()
