"""An answer's summary and its DM's "answered" survive the web process dying after the acknowledgement: real
processes, `python -m bot` killed between the answer's commit and the post, then `touchpoint tick`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.ids import MessageEvent
from bot.usecases.outbound import ATTEMPTS_MAX
from storage.models import Answer, AnswerPost, PostStatus
from tests.conftest import LD_CHANNEL, LENA, SAM
from tests.flows import all_text, answer, notices_to, open_initiative, rows
from tests.scheduling_world import World
from tests.web_process import WebProcess, tick

OLU = "U0DOLU"


def _summaries(slack) -> list:
    return [
        m
        for m in slack.messages_in(LD_CHANNEL)
        if (m.metadata or {}).get("event_type") == MessageEvent.ANSWER_SUMMARY_POSTED
    ]


def _posts(db) -> list[AnswerPost]:
    with db.reading() as session:
        return list(session.exec(select(AnswerPost)))


@pytest.mark.parametrize("killed_during", ["chat.update", "chat.postMessage"])
def test_a_web_process_killed_after_the_answer_is_stored_gets_its_summary_posted_once_by_the_next_pass(
    slack, db, tmp_path, killed_during
):
    world = World.make(slack, db)
    [touchpoint_id] = world.open_now([OLU])
    [dm] = slack.messages_in(slack.dm_channel(OLU))
    # Slack takes the call at once but answers slowly: the kill lands after the DM's update (or the summary's post)
    # reached Slack, before the web process could record it.
    slack.slow(killed_during, 30)
    before = len(slack.calls_to(killed_during))
    web = WebProcess(slack, db, tmp_path)
    assert web.submit_answer(OLU, touchpoint_id, "New reps close a deal in their first month").status == 200
    slack.wait_for(lambda: slack.calls_to(killed_during)[before:], timeout=20)
    web.kill()

    with db.reading() as session:
        assert len(list(session.exec(select(Answer)))) == 2  # stored before the acknowledgement
    [post] = _posts(db)
    assert post.status == PostStatus.SENDING and post.message_ts is None
    assert len(_summaries(slack)) == (1 if killed_during == "chat.postMessage" else 0)

    slack.slow(killed_during, 0)
    finished = tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")  # the dead process's claim is stale at once
    assert finished.returncode == 0, finished.stderr
    [summary] = _summaries(slack)
    assert "New reps close a deal in their first month" in str(summary.blocks)
    [post] = _posts(db)
    assert post.status == PostStatus.POSTED and post.message_ts == summary.ts and post.dm_done
    assert "Thanks" in slack.message(dm.channel, dm.ts).text or "thanks" in slack.message(dm.channel, dm.ts).text
    assert slack.calls_to("conversations.history"), "the summary was looked for before anything was posted again"

    again = tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")
    assert again.returncode == 0 and len(_summaries(slack)) == 1


def _pass_after(world, seconds: int):
    return world.run(datetime.now(UTC) + timedelta(seconds=seconds))  # past the lease of 0


def test_a_passing_failure_of_the_summary_is_tried_again_by_the_pass(app, slack, db):
    open_initiative(app, LENA, stakeholders=[SAM])
    slack.fail("chat.postMessage", "fatal_error", times=2, when=lambda args: args["channel"] == LD_CHANNEL)
    answer(app, SAM, "Faster ramp", "Quota attainment")
    assert not slack.messages_in(LD_CHANNEL)
    [post] = rows(app, AnswerPost)
    assert (post.status, post.attempts, post.dm_done, post.last_error) == (PostStatus.SENDING, 1, True, "fatal_error")

    world = World.make(slack, db, lease=timedelta(0))
    assert _pass_after(world, 1).answers == 0  # the second attempt fails too
    assert _pass_after(world, 2).answers == 1
    [summary] = slack.messages_in(LD_CHANNEL)
    [post] = rows(app, AnswerPost)
    assert (post.status, post.attempts, post.message_ts) == (PostStatus.POSTED, 3, summary.ts)
    assert not notices_to(slack, LENA)  # nothing for the owner to do
    assert len(slack.calls_to("chat.update")) == 1  # the DM was shown answered once, by the web process


def test_a_summary_that_keeps_failing_is_given_up_after_five_attempts_and_the_owner_told(app, slack, db):
    open_initiative(app, LENA, stakeholders=[SAM])
    slack.fail("chat.postMessage", "fatal_error", times=99, when=lambda args: args["channel"] == LD_CHANNEL)
    answer(app, SAM, "Faster ramp", "Quota attainment")
    world = World.make(slack, db, lease=timedelta(0))
    for n in range(1, ATTEMPTS_MAX + 2):
        _pass_after(world, n)
    [post] = rows(app, AnswerPost)
    assert (post.status, post.attempts) == (PostStatus.FAILED, ATTEMPTS_MAX)
    assert len([c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == LD_CHANNEL]) == ATTEMPTS_MAX
    [notice] = notices_to(slack, LENA)
    assert "couldn't post the summary" in all_text(notice)
