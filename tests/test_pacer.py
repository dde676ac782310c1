"""The pacer learns a method's rate from a 429 and keeps calls under it, then lets go after a quiet minute."""

from __future__ import annotations

import itertools

from bot.slack.pacing import Pacer


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
