"""SIGTERM, as a deploy sends it: `python -m bot` under a crowd of answers, and `touchpoint clock` mid-pass."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.ids import MessageEvent
from storage.models import AnswerPost, PostStatus, Touchpoint, TouchpointStatus
from tests.conftest import LD_CHANNEL
from tests.scheduling_world import World
from tests.web_process import WebProcess, env, tick

PEOPLE = 60  # answering at once, 20 at a time
STOP_BOUND_SECONDS = 30  # what a platform gives after SIGTERM before it kills


def _summaries(slack) -> Counter:
    return Counter(
        (m.metadata or {}).get("event_payload", {}).get("answer_post")
        for m in slack.messages_in(LD_CHANNEL)
        if (m.metadata or {}).get("event_type") == MessageEvent.ANSWER_SUMMARY_POSTED
    )


def test_sigterm_under_a_crowd_of_answers_exits_0_in_time_and_every_answer_is_published_once(slack, db, tmp_path):
    world = World.make(slack, db)
    people = [f"U0T{n:03d}" for n in range(PEOPLE)]
    ids: list[int] = []
    for k in range(0, PEOPLE, 20):
        ids += world.open_now(people[k : k + 20], name=f"Initiative {k}")
    with db.reading() as session:
        touchpoint_of = {t.id: t for t in session.exec(select(Touchpoint))}
    web = WebProcess(slack, db, tmp_path)
    # Summaries go out more slowly than answers come in, so that work is queued when SIGTERM arrives.
    slack.slow("chat.postMessage", 0.3)
    replies: dict[int, int] = {}

    def send(pair):
        user_id, touchpoint_id = pair
        try:
            replies[touchpoint_id] = web.submit_answer(user_id, touchpoint_id, f"Impact for {user_id}").status
        except OSError:  # arrived after the server stopped taking requests: Slack would show the person an error
            replies[touchpoint_id] = 0

    pool = ThreadPoolExecutor(max_workers=20)
    futures = [pool.submit(send, pair) for pair in zip(people, ids, strict=False)]
    slack.wait_for(lambda: sum(1 for s in replies.values() if s == 200) >= PEOPLE // 2, timeout=60)
    signalled = time.monotonic()
    web.process.send_signal(signal.SIGTERM)
    _, stderr = web.process.communicate(timeout=STOP_BOUND_SECONDS + 10)
    took = time.monotonic() - signalled
    for f in futures:
        f.result(timeout=30)
    pool.shutdown()
    assert web.process.returncode == 0, stderr
    assert took < STOP_BOUND_SECONDS, took
    assert "Traceback" not in stderr, stderr

    with db.reading() as session:
        posts = list(session.exec(select(AnswerPost)))
        answered = {
            t.id for t in session.exec(select(Touchpoint).where(Touchpoint.status == TouchpointStatus.ANSWERED))
        }
    acknowledged = {t for t, status in replies.items() if status == 200}
    assert acknowledged <= answered and len(acknowledged) >= PEOPLE // 2  # nothing acknowledged was lost
    assert {p.touchpoint_id for p in posts} == answered  # each stored answer has its post

    slack.slow("chat.postMessage", 0)
    finished = tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")
    assert finished.returncode == 0, finished.stderr
    with db.reading() as session:
        assert {p.status for p in session.exec(select(AnswerPost))} == {PostStatus.POSTED}
    assert _summaries(slack) == {p.id: 1 for p in posts}  # every summary exactly once
    updates = Counter((c.args["channel"], c.args["ts"]) for c in slack.calls_to("chat.update"))
    assert updates == {(touchpoint_of[t].channel_id, touchpoint_of[t].message_ts): 1 for t in answered}


def test_sigterm_lets_the_clocks_pass_finish_and_exits_0(slack, db):
    world = World.make(slack, db)
    people = {f"U0K{n:02d}": "Europe/London" for n in range(10)}
    opened = datetime.now(UTC) - timedelta(minutes=1)
    world.make_due(world.open(opened, people, send=False), opened)
    slack.slow("chat.postMessage", 0.3)  # the pass is still sending kickoffs when SIGTERM arrives
    clock = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "clock"],
        env=env(slack, db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 2, timeout=30)
    clock.send_signal(signal.SIGTERM)
    _, stderr = clock.communicate(timeout=STOP_BOUND_SECONDS)
    assert clock.returncode == 0, stderr
    assert "clock: stopped" in stderr
    kickoffs = [m for m in slack.messages if (m.metadata or {}).get("event_type") == MessageEvent.TOUCHPOINT_SENT]
    assert sorted(m.channel for m in kickoffs) == sorted(
        slack.dm_channel(u) for u in people
    )  # the pass under way sent every kickoff before the clock stopped (and, before a financial year, the planning
    # touchpoints: not counted here)
