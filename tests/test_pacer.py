"""The pacer learns a method's rate from a 429 and keeps calls under it, then lets go after a quiet minute."""

from __future__ import annotations

import itertools
import threading

import pytest

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
    assert gaps == {round(1 / 95, 6)}  # 95 a second: 5 % under the 100 that drew the 429
    pacer.wait_turn("users.info")  # other methods are not held back
    assert t.now == starts[-1]

    pacer.slow_down("chat.postMessage")  # another 429 at that pace: slower still
    before = t.now
    pacer.wait_turn("chat.postMessage")
    pacer.wait_turn("chat.postMessage")
    assert t.now - before >= 1 / 95 * 1.05 - 1e-9

    t.now += 61  # a quiet minute: back to full speed
    slept = len(t.slept)
    pacer.wait_turn("chat.postMessage")
    pacer.wait_turn("chat.postMessage")
    assert len(t.slept) == slept


def test_a_429_at_the_learnt_pace_slows_it_by_a_twentieth_each_time_and_a_quiet_minute_lets_it_go():
    """Calls reach Slack a little after their slot, so a second of its window can overflow at the learnt pace: that
    says the margin was short, not that the limit is far lower. Each such 429 slows the pace by 5 %, not a quarter
    (which left a fan-out at 80 % of the limit for the rest of its run)."""
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    for _ in range(40):
        pacer.record(METHOD)
        t.now += 0.02
    pacer.slow_down(METHOD)
    assert pacer.interval(METHOD) == 1 / 38  # 40 taken in the second before: 5 % under them
    expected = 1 / 38
    for _ in range(3):
        for _ in range(60):  # at the learnt pace, until one more 429
            pacer.wait_turn(METHOD)
            pacer.record(METHOD)
        pacer.wait_turn(METHOD)
        pacer.slow_down(METHOD)
        expected *= 1.05
        assert pacer.interval(METHOD) == pytest.approx(expected, rel=1e-12)
    starts = []
    for _ in range(5):
        pacer.wait_turn(METHOD)
        starts.append(t.now)
        pacer.record(METHOD)
    assert {round(b - a, 9) for a, b in itertools.pairwise(starts)} == {round(expected, 9)}
    t.now += 59  # the last 429 a minute ago is what counts, not the first
    assert pacer.interval(METHOD) == pytest.approx(expected, rel=1e-12)
    t.now += 2
    pacer.wait_turn(METHOD)
    assert pacer.interval(METHOD) == 0


# Shared through the database: the pace of a workspace's method, kept by every process together.

METHOD = "chat.postMessage"


def _shared(db, t: FakeTime, team_id: str = "T0ONE") -> Pacer:
    """A process's pacer on the shared pace (each call makes another process's, as far as the pace can tell)."""
    return Pacer(t.clock, t.sleep, team_id=team_id, store=SharedPacing(db))


def test_a_rate_learnt_by_one_process_spaces_the_calls_of_every_process(db):
    t = FakeTime()
    t.now = 1_800_000_000.0
    one, two = _shared(db, t), _shared(db, t)
    for _ in range(50):  # both send in the same second: Slack takes 100 calls together, and answers 429 to the next
        for pacer in (one, two):
            pacer.wait_turn(METHOD)
        t.now += 0.01
    one.wait_turn(METHOD)
    assert t.slept == []
    one.slow_down(METHOD)
    # Learnt from both processes' calls: 5 % under the 100 Slack took (the call it refused was counted, not taken).
    assert two.interval(METHOD) == 1 / 95
    starts = []
    for _ in range(20):
        for pacer in (one, two):
            pacer.wait_turn(METHOD)
            starts.append(t.now)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(starts)}
    assert gaps == {round(1 / 95, 6)}  # one spacing across both: together they keep the rate one would
    assert _shared(db, t, team_id="T0TWO").interval(METHOD) == 0  # another workspace has limits of its own


def test_429s_of_the_same_burst_slow_the_pace_once_and_a_429_under_it_slows_it_again(db):
    t = FakeTime()
    t.now = 1_800_000_000.0
    one, two = _shared(db, t), _shared(db, t)
    for _ in range(50):
        one.wait_turn(METHOD)
        two.wait_turn(METHOD)
        t.now += 0.01
    one.wait_turn(METHOD)
    one.slow_down(METHOD)
    two.slow_down(METHOD)  # its call went out before the pace was learnt: nothing new
    assert one.interval(METHOD) == 1 / 95
    two.wait_turn(METHOD)  # a call under the learnt pace that still draws a 429: a little slower
    two.slow_down(METHOD)
    assert one.interval(METHOD) == 1 / 95 * 1.05
    t.now += 61
    one.wait_turn(METHOD)
    assert one.interval(METHOD) == 0 and two.interval(METHOD) == 0  # a quiet minute: full speed again


def test_the_shared_pace_learns_slows_and_lets_go_as_a_process_s_own_pace_does(db):
    """The same calls and 429s through one process's own pace and through the shared one give the same spacing: the
    first 429, two at the learnt pace, then a quiet minute."""
    local_time, shared_time = FakeTime(), FakeTime()
    shared_time.now = 1_800_000_000.0
    local, shared = Pacer(local_time.clock, local_time.sleep), _shared(db, shared_time)
    pairs = ((local, local_time), (shared, shared_time))

    def taken(calls: int, apart: float = 0.0) -> None:
        for pacer, t in pairs:
            for _ in range(calls):
                pacer.wait_turn(METHOD)
                pacer.record(METHOD)
                t.now += apart

    def refused() -> None:
        for pacer, _t in pairs:
            pacer.wait_turn(METHOD)
            pacer.slow_down(METHOD)

    def intervals() -> tuple[float, float]:
        return local.interval(METHOD), shared.interval(METHOD)

    taken(60, apart=0.01)  # 60 in 0.6 s, unpaced
    refused()
    assert intervals() == pytest.approx((1 / 57, 1 / 57), rel=1e-12)
    for _ in range(2):
        before = intervals()[0]
        taken(100)
        refused()
        assert intervals() == pytest.approx((before * 1.05, before * 1.05), rel=1e-12)
    assert local_time.slept == pytest.approx(shared_time.slept, abs=1e-6)  # the same waits, call by call
    for _pacer, t in pairs:
        t.now += 61
    taken(1)
    assert intervals() == (0, 0)


def test_a_429_holds_back_every_process_s_calls_until_its_retry_after_has_passed(db):
    """Slack's window is the workspace's: a call another process sent before Retry-After had passed would find it
    still full, and draw a 429 at the pace just learnt (slowing it for nothing)."""
    t = FakeTime()
    t.now = 1_800_000_000.0
    one, two = _shared(db, t), _shared(db, t)
    for _ in range(25):  # Slack takes 50 calls of the two together, and answers 429 to the next
        one.wait_turn(METHOD)
        two.wait_turn(METHOD)
        t.now += 0.01
    one.wait_turn(METHOD)
    limited_at = t.now
    one.slow_down(METHOD, retry_after=1.0)
    assert one.interval(METHOD) == 1 / 47.5
    two.wait_turn(METHOD)  # the other process's next call waits Retry-After out too
    one.retry_turn(METHOD)  # and the retry, after its own wait, takes the slot after it
    assert t.slept == pytest.approx([1.0, 1 / 47.5], abs=1e-6)
    assert t.now == pytest.approx(limited_at + 1.0 + 1 / 47.5, abs=1e-6)


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
    # The call waited for the slot after the other process's, and its retry for the first slot after Retry-After
    # (the handler's own wait of it is not on this clock: the retry's slot is what the 429 held back for everyone).
    assert t.slept == [1.0, 2.0]
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
