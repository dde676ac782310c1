"""Time from request to acknowledgement, for Touchpoint and for a bare Bolt app that only acknowledges.

    .venv/bin/python -m bench.ack_latency [--database-url URL]

Seeds 1,000 initiatives and 10,000 stakeholders, serves the app on waitress in its own process, plays Slack's
simulated Web API in another, and sends signed requests from client processes on loopback: at concurrency 1 and 50.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from urllib.parse import urlencode, urlparse

from bench.seed import LD_ADMIN, TEAM, fresh_database, seed
from bot.simulator.workspace import sign

SECRET = "bench-signing-secret"
INITIATIVES, PER_INITIATIVE = 1_000, 10
REQUESTS = {1: 500, 50: 5_000}
WARM_UP_FROM = 9_000


# The servers, each in a process of its own


def _slack_process(conn) -> None:
    from bot.simulator import FakeSlackApi

    api = FakeSlackApi(TEAM, any_trigger=True)
    api.add_channel("C0BENCH")
    api.start()
    conn.send(api.url)
    conn.recv()


def _touchpoint_process(database_url: str, slack_url: str, conn) -> None:
    import logging

    from bot.app import create_app
    from bot.server import SWITCH_INTERVAL_SECONDS, ServerThread
    from bot.settings import load_settings
    from bot.simulator.webapi import TOKEN
    from storage.db import Database

    logging.basicConfig(level=logging.ERROR)  # waitress warns of every queued task under load
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)  # as serve() sets it in production
    settings = load_settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack_url,
        database_url=database_url,
        ld_channel_id="C0BENCH",
        ld_admin_user_ids=LD_ADMIN,
    )
    touchpoint = create_app(settings, db=Database(settings.database_url))
    server = ServerThread(touchpoint, threads=settings.web_threads).start()
    conn.send(server.url)
    while conn.recv() != "stop":  # "idle?": let the work queued after acks finish, so phases do not overlap
        touchpoint.deps.interactive.wait_idle(600)
        touchpoint.deps.background.wait_idle(600)
        conn.send("idle")
    server.stop()
    touchpoint.close()


def _bare_process(slack_url: str, conn) -> None:
    import logging

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient
    from waitress.server import create_server

    from bot.simulator.webapi import TOKEN

    logging.basicConfig(level=logging.ERROR)
    app = App(
        client=WebClient(token=TOKEN, base_url=slack_url),
        signing_secret=SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )
    app.command("/touchpoint")(lambda ack: ack())
    app.action("touchpoint_open_answer")(lambda ack: ack())
    app.view("touchpoint_answer")(lambda ack: ack())
    server = create_server(SlackRequestHandler(app), host="127.0.0.1", port=0, threads=8, asyncore_loop_timeout=0.05)
    threading.Thread(target=server.run, daemon=True).start()
    conn.send(f"http://127.0.0.1:{server.effective_port}")
    while conn.recv() != "stop":
        conn.send("idle")


def _start(target, *args):
    parent, child = mp.Pipe()
    process = mp.Process(target=target, args=(*args, child), daemon=True)
    process.start()
    return process, parent, parent.recv()


# The requests, signed as Slack signs them


def _form(form: dict) -> tuple[bytes, str]:
    return urlencode(form).encode(), "application/x-www-form-urlencoded"


def _command(text: str) -> tuple[bytes, str]:
    return _form(
        {
            "team_id": TEAM,
            "user_id": LD_ADMIN,
            "command": "/touchpoint",
            "text": text,
            "trigger_id": "1.2.bench",
            "response_url": "http://127.0.0.1:9/respond",
            "channel_id": "C0BENCH",
        }
    )


def _button(n: int) -> tuple[bytes, str]:
    return _form(
        {
            "payload": json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": TEAM},
                    "user": {"id": f"U{n:09d}"},
                    "trigger_id": "1.2.bench",
                    "container": {"type": "message"},
                    "response_url": "http://127.0.0.1:9/respond",
                    "actions": [
                        {
                            "type": "button",
                            "action_id": "touchpoint_open_answer",
                            "block_id": "touchpoint_open_answer",
                            "value": str(n + 1),
                            "action_ts": "1",
                        }
                    ],
                }
            )
        }
    )


def _submission(n: int) -> tuple[bytes, str]:
    values = {
        "impact": {"value": {"type": "plain_text_input", "value": f"Faster ramp, take {n}"}},
        "tracking": {"value": {"type": "plain_text_input", "value": "Quota attainment in Salesforce"}},
    }
    return _form(
        {
            "payload": json.dumps(
                {
                    "type": "view_submission",
                    "team": {"id": TEAM},
                    "user": {"id": f"U{n:09d}"},
                    "view": {
                        "id": "V1",
                        "type": "modal",
                        "callback_id": "touchpoint_answer",
                        "private_metadata": json.dumps({"touchpoint": n + 1}),
                        "state": {"values": values},
                    },
                }
            )
        }
    )


BUILDERS = {
    "/touchpoint new": lambda n: _command("new"),
    "/touchpoint list": lambda n: _command("list"),
    "answer button": _button,
    "answer submission": _submission,
}


# The client


def _client_process(url: str, requests: list[tuple[bytes, str]], threads: int, out) -> None:
    parsed = urlparse(url)
    host = parsed.hostname
    assert host is not None, url
    latencies: list[float] = []
    lock = threading.Lock()
    shares = [requests[i::threads] for i in range(threads)]

    def worker(share):
        conn = http.client.HTTPConnection(host, parsed.port, timeout=30)
        mine = []
        for body, content_type in share:
            headers = {"Content-Type": content_type, **sign(SECRET, body)}
            started = time.perf_counter()
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            assert response.status == 200, response.status
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(s,)) for s in shares]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.send(latencies)


def measure(url: str, name: str, concurrency: int, offset: int, count: int | None = None) -> dict:
    count = count or REQUESTS[concurrency]
    requests = [BUILDERS[name](offset + i) for i in range(count)]
    processes = min(concurrency, 5)
    pipes, procs = [], []
    started = time.perf_counter()
    for p in range(processes):
        parent, child = mp.Pipe()
        proc = mp.Process(target=_client_process, args=(url, requests[p::processes], concurrency // processes, child))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    latencies = [x for pipe in pipes for x in pipe.recv()]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    latencies.sort()
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "throughput": len(latencies) / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--only", action="append", choices=list(BUILDERS), help="measure only these requests")
    args = parser.parse_args()
    db = fresh_database(args.database_url)
    url = db.url
    counts = seed(db, initiatives=INITIATIVES, stakeholders_per_initiative=PER_INITIATIVE)
    db.dispose()
    print(f"seeded {counts} in {url.split('://')[0]}")

    _slack_proc, slack_conn, slack_url = _start(_slack_process)
    rows = []
    for kind in ("touchpoint", "bare"):
        proc, conn, app_url = (
            _start(_touchpoint_process, url, slack_url) if kind == "touchpoint" else _start(_bare_process, slack_url)
        )
        for name in args.only or BUILDERS:
            # Each stakeholder answers once per run: the warm-up takes the last 1,000, the measured runs the others.
            measure(app_url, name, 50, WARM_UP_FROM, count=1_000)
            offset = 0
            for concurrency in (1, 50):
                conn.send("idle?")
                conn.recv()
                result = measure(app_url, name, concurrency, offset)
                offset += REQUESTS[concurrency]
                rows.append({"app": kind, "request": name, "concurrency": concurrency, **result})
                print(
                    f"{kind:10} {name:18} c={concurrency:<3} median {result['median_ms']:6.2f} ms  "
                    f"p99 {result['p99_ms']:6.2f} ms  {result['throughput']:7.0f} req/s",
                    flush=True,
                )
        conn.send("stop")
        proc.join(timeout=10)
    slack_conn.send("stop")

    bare = {(r["request"], r["concurrency"]): r for r in rows if r["app"] == "bare"}
    print("\n| request | concurrency | median (ms) | p99 (ms) | req/s | bare Bolt median (ms) | ratio to bare |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["app"] != "touchpoint":
            continue
        b = bare[(r["request"], r["concurrency"])]
        print(
            f"| {r['request']} | {r['concurrency']} | {r['median_ms']:.1f} | {r['p99_ms']:.1f} | {r['throughput']:.0f} | "
            f"{b['median_ms']:.1f} | {r['median_ms'] / b['median_ms']:.2f}x |"
        )


if __name__ == "__main__":
    main()
