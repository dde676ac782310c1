"""Slack failing: retried where that helps, otherwise recorded and reported; never losing the initiative or others' DMs."""

from __future__ import annotations

import logging
import re

from sqlalchemy import text

from bot.ids import Block
from storage.models import Answer, Initiative, Stakeholder, Touchpoint, TouchpointStatus
from tests.conftest import CHRIS, LD_CHANNEL, LENA, OLU, SAM
from tests.flows import all_text, answer, kickoff_dm, notices_to, open_initiative, rows


def _to(slack, user_id):
    """Whether a chat.postMessage call's arguments address user_id's DM (by their user id or the DM's id)."""
    return lambda args: args.get("channel") in (user_id, slack.dm_channel(user_id))


def _dm_posts_to(slack, user_id):
    return [c for c in slack.calls_to("chat.postMessage") if _to(slack, user_id)(c.args)]


def test_a_stakeholder_who_cannot_be_reached_is_reported_and_the_others_still_get_their_dm(app, slack):
    slack.fail("chat.postMessage", "user_not_found", when=_to(slack, OLU))
    reply = open_initiative(app, LENA, stakeholders=[SAM, OLU, CHRIS])
    assert reply.body == ""

    assert len(rows(app, Initiative)) == 1
    kickoff_dm(app, SAM), kickoff_dm(app, CHRIS)
    statuses = {t.stakeholder_id: (t.status, t.last_error) for t in rows(app, Touchpoint)}
    olu = next(s for s in rows(app, Stakeholder) if s.user_id == OLU)
    assert statuses[olu.id] == (TouchpointStatus.FAILED, "user_not_found") and olu.active is False

    [report] = notices_to(slack, LENA)
    assert f"<@{OLU}>: isn't in this workspace any more" in all_text(report)
    assert "Sales onboarding refresh" in all_text(report)


def test_rate_limited_dms_are_retried_after_retry_after_and_sent_once(app, slack):
    slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    assert len(slack.messages_in(slack.dm_channel(SAM))) == 1
    assert len(slack.messages_in(slack.dm_channel(OLU))) == 1
    posts = _dm_posts_to(slack, SAM)
    assert len(posts) == 3 and app.waits.seconds == [1.0, 1.0]  # waited as Retry-After said, before each retry
    assert {t.status for t in rows(app, Touchpoint)} == {TouchpointStatus.SENT}


def test_server_errors_are_retried(app, slack):
    slack.fail("chat.postMessage", "internal_error", status=500, times=1)
    open_initiative(app, LENA, stakeholders=[SAM])
    assert len(slack.messages_in(slack.dm_channel(SAM))) == 1
    assert rows(app, Touchpoint)[0].status == TouchpointStatus.SENT
    assert app.waits.seconds == [0.5]  # backed off before the retry


def test_a_dm_that_keeps_failing_is_recorded_and_reported(app, slack):
    slack.fail("chat.postMessage", "msg_too_long", times=99, when=_to(slack, SAM))
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    [touchpoint] = [t for t in rows(app, Touchpoint) if t.status == TouchpointStatus.FAILED]
    assert touchpoint.last_error == "msg_too_long"
    assert len(slack.messages_in(slack.dm_channel(OLU))) == 1
    [report] = notices_to(slack, LENA)
    assert "Slack answered “msg_too_long”" in all_text(report)
    assert next(s for s in rows(app, Stakeholder) if s.user_id == SAM).active  # not the person's fault


def test_answers_are_kept_when_the_summary_cannot_be_posted(app, slack):
    open_initiative(app, LENA, stakeholders=[SAM])
    slack.fail("chat.postMessage", "channel_not_found", when=lambda args: args["channel"] == LD_CHANNEL)
    answer(app, SAM, "Faster ramp", "Quota attainment")
    assert len(rows(app, Answer)) == 2
    assert not slack.messages_in(LD_CHANNEL)
    [notice] = notices_to(slack, LENA)
    assert "couldn't post the summary" in all_text(notice) and "The answers are stored" in all_text(notice)


def test_an_unexpected_error_shows_an_error_id_and_logs_it_with_a_traceback(app, slack, caplog):
    slack.fail("views.open", "internal_error")
    with caplog.at_level(logging.ERROR):
        reply = app.workspace.slash(LENA, "new")
    assert reply.status == 200  # acknowledged: Slack shows no failure of its own
    notice = slack.wait_for(lambda: slack.responses)[-1]
    shown = re.search(r"error id `([0-9a-f]{10})`", notice["text"])
    assert shown is not None, notice["text"]
    error_id = shown.group(1)
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info is not None


def test_a_database_failure_before_the_ack_answers_the_modal_and_stores_nothing_half_way(app, slack):
    open_initiative(app, LENA, stakeholders=[SAM])
    dm = kickoff_dm(app, SAM)
    app.workspace.click(SAM, dm.channel, dm.ts, "touchpoint_open_answer")
    view = slack.wait_for(lambda: slack.views_for(SAM))[0]
    with app.db.engine.begin() as conn:  # the answers table goes missing between opening the modal and submitting
        conn.execute(text("ALTER TABLE answer RENAME TO answer_away"))
    try:
        reply = app.workspace.submit(SAM, view, {Block.IMPACT: "Faster ramp", Block.TRACKING: "Quota"})
    finally:
        with app.db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE answer_away RENAME TO answer"))
    body = reply.json()
    assert reply.status == 200 and body["response_action"] == "update"
    assert re.search(r"error id `[0-9a-f]{10}`", str(body["view"]["blocks"]))
    assert rows(app, Touchpoint)[0].status == TouchpointStatus.SENT  # the whole transaction rolled back
    assert not slack.messages_in(LD_CHANNEL)
