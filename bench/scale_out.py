"""Scale-out on PostgreSQL: answer submissions with one and with two web processes behind one port, and the cost of a
scheduling pass as installations grow.

    .venv/bin/python -m bench.scale_out --postgres postgresql://…

1. Throughput: 10,000 stakeholders with an open kickoff; signed answer submissions (view_submission, as Slack sends
   them) from 50 concurrent connections through a round-robin TCP proxy on loopback to one, then two, real
   `python -m bot` processes (waitress) on one PostgreSQL; Slack's Web API simulated in a process of its own. Each
   answer is stored before the ack, and its summary and DM update follow from the web process's background worker.
2. The pass per installation: 1, 10 and 100 workspaces of 10 initiatives (10 stakeholders each) in one database; the
   time of a scheduling pass with nothing due (what every pass costs: planning, claims, reminders, the digests' and
   the outboxes' checks), the median of five after a first pass that posts each team's digest.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

from bench.ack_latency import SECRET, _slack_process, _start, measure
from bench.seed import (
    LD_ADMIN,
    bench_env,
    bench_installs_settings,
    bench_settings,
    fresh_database,
    install_teams,
    seed,
    team_of,
)
from tests.web_process import _free_port as free_port

ANSWERS, WARM_UP, CONCURRENCY = 3_000, 500, 50
WORKSPACES = (1, 10, 100)


def _proxy_process(backends: list[int], conn) -> None:
    """A round-robin TCP proxy on loopback: each new connection goes to the next backend's port."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    turn = {"next": 0}

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = backends[turn["next"] % len(backends)]
        turn["next"] += 1
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def main() -> None:
        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        conn.send(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        server.close()

    asyncio.run(main())


def _web(database_url: str, slack_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = bench_env(slack_url, database_url, SLACK_SIGNING_SECRET=SECRET, PORT=str(port), LOG_LEVEL="ERROR")
    process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.1)  # waiting for a process to start: nothing to poll but its port
    raise RuntimeError("the web process did not start")


def bench_throughput(url: str) -> list[str]:
    db = fresh_database(url)
    seed(db, initiatives=1_000, stakeholders_per_initiative=10, answered_share=0)
    database_url = db.url
    db.dispose()
    _slack, slack_conn, slack_url = _start(_slack_process)
    lines = []
    offset = 0
    for count in (1, 2):
        webs = [_web(database_url, slack_url) for _ in range(count)]
        _proxy, proxy_conn, proxy_url = _start(_proxy_process, [port for _, port in webs])
        measure(proxy_url, "answer submission", CONCURRENCY, 9_000 + (count - 1) * WARM_UP, count=WARM_UP)
        result = measure(proxy_url, "answer submission", CONCURRENCY, offset, count=ANSWERS)
        offset += ANSWERS
        lines.append(
            f"| {count} | {CONCURRENCY} | {result['throughput']:.0f} | {result['median_ms']:.1f} | {result['p99_ms']:.1f} |"
        )
        print(lines[-1], flush=True)
        proxy_conn.send("stop")
        for process, _ in webs:  # SIGTERM: each hands back the summaries still queued, as in a deploy
            process.terminate()
        for process, _ in webs:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    slack_conn.send("stop")
    return lines


def _pass_row(teams: int, first_seconds: float, first, quiet_runs: list[float]) -> str:
    """A table row: the sizes, the first pass (what it posted and sent) and the median quiet pass, in all and a team."""
    median = statistics.median(quiet_runs)
    row = (
        f"| {teams} | {10 * teams:,} | {100 * teams:,} | {first_seconds * 1000:.0f} "
        f"({first.digests} digests, {first.planning + first.calibration} DMs) | "
        f"{median * 1000:.0f} | {median * 1000 / teams:.1f} |"
    )
    print(row, flush=True)
    return row


def bench_pass_per_installation(url: str, workspaces: tuple[int, ...] = WORKSPACES, quiet: int = 5) -> list[str]:
    from bot.app import patient_gateway
    from bot.simulator import FakeSlackApi
    from bot.slack.pacing import SharedPacing
    from bot.usecases.outbound import Outbound
    from schedules.touchpoint_pass import PassSettings, run_pass
    from storage.types import utcnow

    lines = []
    for teams in workspaces:
        db = fresh_database(url)
        seed(db, initiatives=10 * teams, stakeholders_per_initiative=10, teams=teams)
        slack = FakeSlackApi("T0BENCH").start()
        slack.add_channel("C0BENCH")
        slack.add_user(LD_ADMIN, "Lena Bench")  # the L&D member, whose calibration packs go out as in installs mode
        settings = bench_settings(slack.url, db.url)
        out = Outbound(db, patient_gateway(settings, pacing=SharedPacing(db)), utcnow, "UTC")
        pass_settings = PassSettings(grace=timedelta(hours=6), ld_channel_id="C0BENCH")
        started = time.perf_counter()
        first = run_pass(out, pass_settings)
        first_seconds = time.perf_counter() - started
        runs = []
        for _ in range(quiet):
            started = time.perf_counter()
            run_pass(out, pass_settings)
            runs.append(time.perf_counter() - started)
        lines.append(_pass_row(teams, first_seconds, first, runs))
        slack.stop()
        db.dispose()
    return lines


def bench_pass_per_installation_installed(
    url: str, workspaces: tuple[int, ...] = WORKSPACES, quiet: int = 5
) -> list[str]:
    """The same workspaces, each installed through "Add to Slack" (rotating tokens), and the clock's own pass in
    installs mode: one pass per installed team, on that team's rows, with that team's token."""
    from bot.cli import _pass_runner
    from bot.simulator import FakeSlackApi

    lines = []
    for teams in workspaces:
        db = fresh_database(url)
        seed(db, initiatives=10 * teams, stakeholders_per_initiative=10, teams=teams)
        # Slack's default workspace is none of the teams': a call made with a wrong token would be answered there.
        slack = FakeSlackApi("T0NOTINSTALLED").start()
        slack.cloud.app.rotation = True
        settings = bench_installs_settings(slack, db.url)
        install_teams(db, slack, settings, sorted({team_of(i, teams) for i in range(10 * teams)}))
        run = _pass_runner(settings, db)  # what `touchpoint clock` builds once, then calls every minute
        started = time.perf_counter()
        first = run()
        first_seconds = time.perf_counter() - started
        runs = []
        for _ in range(quiet):
            started = time.perf_counter()
            report = run()
            runs.append(time.perf_counter() - started)
            assert not report.digests and not report.errors, report
        assert first.digests == teams and not first.errors, first
        assert not slack.calls, [c.method for c in slack.calls]  # every call reached its own team's workspace
        lines.append(_pass_row(teams, first_seconds, first, runs))
        slack.stop()
        db.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL whose public schema the benchmark replaces")
    parser.add_argument("--only", choices=["throughput", "pass"])
    parser.add_argument("--quiet", type=int, default=5, help="quiet passes after the first, of which the median")
    parser.add_argument(
        "--workspaces", type=int, nargs="+", default=list(WORKSPACES), help="the pass's sizes, in workspaces"
    )
    args = parser.parse_args()
    if args.only in (None, "throughput"):
        print("| web processes | concurrency | answers/s | median (ms) | p99 (ms) |\n|---:|---:|---:|---:|---:|")
        bench_throughput(args.postgres)
    if args.only in (None, "pass"):
        print(
            "\n| workspaces | initiatives | stakeholders | first pass (ms) | a quiet pass (ms) | per workspace (ms) |"
            "\n|---:|---:|---:|---:|---:|---:|"
        )
        bench_pass_per_installation(args.postgres, tuple(args.workspaces), args.quiet)
        print(
            "\nInstalls mode (one pass per installed workspace, each with its own token):\n"
            "\n| workspaces | initiatives | stakeholders | first pass (ms) | a quiet pass (ms) | per workspace (ms) |"
            "\n|---:|---:|---:|---:|---:|---:|"
        )
        bench_pass_per_installation_installed(args.postgres, tuple(args.workspaces), args.quiet)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
