"""The pacer learns a method's rate from a 429 and keeps calls under it, then lets go after a quiet minute."""

from __future__ import annotations

import itertools
import threading

from bot.simulator.webapi import TOKEN
from bot.slack.gateway import SlackGateway, make_client
from bot.slack.pacing import Pacer, PatientRetryHandler, SharedPacing
from storage.db import Database
from tests.conftest import SAM


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_no_pacing_until_slack_says_slow_down():
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    for _ in range(500):
        pacer.wait_turn("chat.postMessage")
        pacer.record("chat.postMessage")
        t.now += 0.001
    assert t.slept == []


def test_after_a_429_calls_are_spaced_under_the_rate_reached():
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    for _ in range(100):  # 100 calls in 0.5 s, then Slack answers 429
        pacer.record("chat.postMessage")
        t.now += 0.005
    pacer.slow_down("chat.postMessage")
    starts = []
    for _ in range(50):
        pacer.wait_turn("chat.postMessage")
        starts.append(t.now)
        pacer.record("chat.postMessage")
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(starts)}
    assert gaps == {round(1 / 98, 6)}  # 98 a second: just under the 100 that drew the 429
    pacer.wait_turn("users.info")  # other methods are not held back
    assert t.now == starts[-1]

    pacer.slow_down("chat.postMessage")  # another 429 at that pace: slower still
    before = t.now
    pacer.wait_turn("chat.postMessage")
    pacer.wait_turn("chat.postMessage")
    assert t.now - before >= 1 / 98 * 1.25 - 1e-9

    t.now += 61  # a quiet minute: back to full speed
    slept = len(t.slept)
    pacer.wait_turn("chat.postMessage")
    pacer.wait_turn("chat.postMessage")
    assert len(t.slept) == slept


# Shared through the database: the pace of a workspace's method, kept by every process together.

METHOD = "chat.postMessage"


def _shared(db, t: FakeTime, team_id: str = "T0ONE") -> Pacer:
    """A process's pacer on the shared pace (each call makes another process's, as far as the pace can tell)."""
    return Pacer(t.clock, t.sleep, team_id=team_id, store=SharedPacing(db))


def test_a_rate_learnt_by_one_process_spaces_the_calls_of_every_process(db):
    t = FakeTime()
    t.now = 1_800_000_000.0
    one, two = _shared(db, t), _shared(db, t)
    for _ in range(50):  # both send in the same second: 100 calls together draw the 429
        for pacer in (one, two):
            pacer.wait_turn(METHOD)
        t.now += 0.01
    assert t.slept == []
    one.slow_down(METHOD)
    assert two.interval(METHOD) == 1 / 98  # learnt from both processes' calls: just under the 100 they reached
    starts = []
    for _ in range(20):
        for pacer in (one, two):
            pacer.wait_turn(METHOD)
            starts.append(t.now)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(starts)}
    assert gaps == {round(1 / 98, 6)}  # one spacing across both: together they keep the rate one would
    assert _shared(db, t, team_id="T0TWO").interval(METHOD) == 0  # another workspace has limits of its own


def test_429s_of_the_same_burst_slow_the_pace_once_and_a_429_under_it_slows_it_again(db):
    t = FakeTime()
    t.now = 1_800_000_000.0
    one, two = _shared(db, t), _shared(db, t)
    for _ in range(50):
        one.wait_turn(METHOD)
        two.wait_turn(METHOD)
        t.now += 0.01
    one.slow_down(METHOD)
    two.slow_down(METHOD)  # its call went out before the pace was learnt: nothing new
    assert one.interval(METHOD) == 1 / 98
    two.wait_turn(METHOD)  # a call under the learnt pace that still draws a 429: slower
    two.slow_down(METHOD)
    assert one.interval(METHOD) == 1 / 98 * 1.25
    t.now += 61
    one.wait_turn(METHOD)
    assert one.interval(METHOD) == 0 and two.interval(METHOD) == 0  # a quiet minute: full speed again


def test_concurrent_claims_each_get_a_slot_of_their_own(db):
    """Threads of several 'processes' claiming at the same instant: no two get the same slot (the claim is one
    atomic UPDATE), and the slots are the learnt spacing apart."""
    t = FakeTime()
    t.now = 1_800_000_000.0
    first = _shared(db, t)
    first.wait_turn(METHOD)
    first.slow_down(METHOD)  # one call in the second: a spacing of a second, easy to read below
    stores = [SharedPacing(db) for _ in range(4)]
    turns: list[float] = []
    lock = threading.Lock()

    def claim(store: SharedPacing) -> None:
        for _ in range(10):
            at, _interval = store.claim("T0ONE", METHOD, t.now, Pacer.QUIET)
            with lock:
                turns.append(at)

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(round(x - t.now, 6) for x in turns) == [float(k) for k in range(40)]


def test_a_retried_429_takes_a_slot_of_the_shared_pace_and_server_errors_back_off_with_jitter(slack, db):
    t = FakeTime()
    t.now = 1_800_000_000.0
    pacer = _shared(db, t)
    waits: list[float] = []
    client = make_client(TOKEN, slack.url, pacer=pacer, sleep=waits.append)
    gateway = SlackGateway(client, pacer)
    other = _shared(db, t)
    other.wait_turn(METHOD)
    other.slow_down(METHOD)  # another process learnt a spacing of a second
    other.wait_turn(METHOD)  # and holds the next slot
    slack.rate_limit(METHOD, times=1, retry_after=2)
    gateway.post(SAM, "hello")
    assert waits == [2.0]  # Retry-After, exactly
    # The call waited for the slot after the other process's, and its retry for the one after that.
    assert t.slept == [1.0, 1.0]
    slack.fail(METHOD, status=503, times=1)
    handler = next(h for h in client.retry_handlers if isinstance(h, PatientRetryHandler))
    handler.jitter = lambda: 1.0
    gateway.post(SAM, "again")
    assert waits == [2.0, 0.75]  # backoff 0.5 s, and up to half as much again: processes do not retry in step


def test_without_its_database_the_shared_pace_lets_calls_go_unpaced_rather_than_fail(tmp_path):
    t = FakeTime()
    down = Database(f"sqlite:///{tmp_path}/never-migrated.db")  # no slack_pacing table: every statement fails
    pacer = Pacer(t.clock, t.sleep, team_id="T0ONE", store=SharedPacing(down))
    pacer.wait_turn(METHOD)
    pacer.slow_down(METHOD)
    pacer.wait_turn(METHOD)
    assert t.slept == [] and pacer.interval(METHOD) == 0
    down.dispose()
