"""The core loop end to end: signed requests in (to the app's WSGI callable), Web API calls out to the simulated Slack,
real database."""

from __future__ import annotations

from freezegun import freeze_time

from bot.ids import Action, Block
from bot.services.answer_forms import QUESTIONS
from storage.models import (
    Answer,
    Initiative,
    InitiativeStakeholder,
    Question,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
)
from tests.conftest import CHRIS, LD_CHANNEL, LENA, MEI, OLU, SAM, TEAM, WORKING_AFTERNOON
from tests.flows import all_text, answer, kickoff_dm, open_initiative, rows, stored_counts

IMPACT_Q = "What impact do you want this initiative to have?"
TRACKING_Q = "What are you already tracking that would help us monitor how well this is working?"


def test_the_questions_are_word_for_word():
    assert QUESTIONS[Question.IMPACT] == IMPACT_Q
    assert QUESTIONS[Question.TRACKING] == TRACKING_Q


def test_new_opens_the_modal_with_the_ld_channel_as_default(app):
    reply = app.workspace.slash(LENA, "new")
    assert reply.status == 200 and reply.body == ""
    view = app.slack.wait_for(lambda: app.slack.views_for(LENA))[0]
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert set(blocks) == {Block.NAME, Block.GOAL, Block.DESCRIPTION, Block.STAKEHOLDERS, Block.CHANNEL}
    assert blocks[Block.STAKEHOLDERS]["element"]["type"] == "multi_users_select"
    assert blocks[Block.CHANNEL]["element"]["initial_conversation"] == LD_CHANNEL


def test_opening_an_initiative_stores_it_and_dms_each_stakeholder_both_questions(app):
    reply = open_initiative(app, LENA, stakeholders=[SAM, OLU], description="Six weeks, blended")
    assert reply.status == 200 and reply.body == ""  # an empty ack closes the modal

    [initiative] = rows(app, Initiative)
    assert (initiative.team_id, initiative.name, initiative.created_by) == (TEAM, "Sales onboarding refresh", LENA)
    assert initiative.summary_channel_id == LD_CHANNEL
    assert {s.user_id for s in rows(app, Stakeholder)} == {SAM, OLU}
    assert all(r.team_id == TEAM for r in rows(app, InitiativeStakeholder) + rows(app, Touchpoint))
    stakeholder = {s.user_id: s for s in rows(app, Stakeholder)}[SAM]
    assert stakeholder.tz == "America/New_York" and stakeholder.display_name == "Sam"

    for user_id in (SAM, OLU):
        dm = kickoff_dm(app, user_id)
        text = all_text(dm)
        assert IMPACT_Q in text and TRACKING_Q in text
        assert "Sales onboarding refresh" in text and f"<@{LENA}>" in text
        assert "New reps reach quota in 4 months, not 6" in text
        buttons = [e for b in dm.blocks if b["type"] == "actions" for e in b["elements"]]
        assert [b["action_id"] for b in buttons] == [Action.OPEN_ANSWER]
        assert dm.metadata is not None and dm.metadata["event_type"] == "touchpoint_sent"
    assert {t.status for t in rows(app, Touchpoint)} == {TouchpointStatus.SENT}
    assert not app.slack.messages_in(LD_CHANNEL)  # nothing to summarise until someone answers


def test_answering_stores_the_answers_marks_the_dm_and_posts_a_summary(app):
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    view, reply = answer(app, SAM, "Reps close their first deal in week 3", "Time to first deal, in Salesforce")
    assert reply.status == 200 and reply.body == ""
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == [IMPACT_Q, TRACKING_Q]

    answers = {a.question: a for a in rows(app, Answer)}
    assert answers[Question.IMPACT].text == "Reps close their first deal in week 3"
    assert answers[Question.TRACKING].text == "Time to first deal, in Salesforce"
    assert {a.version for a in answers.values()} == {1}

    dm = kickoff_dm(app, SAM)
    assert dm.edits == 1
    assert "Answered" in all_text(dm) and "Reps close their first deal in week 3" in all_text(dm)
    assert [e["text"]["text"] for b in dm.blocks if b["type"] == "actions" for e in b["elements"]] == ["Revise answers"]

    [summary] = app.slack.messages_in(LD_CHANNEL)
    text = all_text(summary)
    assert f"<@{SAM}> answered" in text and "Sales onboarding refresh" in text
    assert ">Reps close their first deal in week 3" in text and ">Time to first deal, in Salesforce" in text
    touchpoints = {t.stakeholder_id: t.status for t in rows(app, Touchpoint)}
    assert sorted(touchpoints.values()) == [TouchpointStatus.ANSWERED, TouchpointStatus.SENT]


def test_revising_adds_a_new_version_and_keeps_the_old_one(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    answer(app, SAM, "Faster ramp", "Quota attainment")
    view, _ = answer(
        app, SAM, "Faster ramp and fewer early leavers", "Quota attainment; 90-day attrition", judged="changed"
    )

    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert prefilled == {Block.IMPACT: "Faster ramp", Block.TRACKING: "Quota attainment", Block.IMPACT_JUDGEMENT: None}
    history = sorted((a.question, a.version, a.text) for a in rows(app, Answer))
    assert history == [
        (Question.IMPACT, 1, "Faster ramp"),
        (Question.IMPACT, 2, "Faster ramp and fewer early leavers"),
        (Question.TRACKING, 1, "Quota attainment"),
        (Question.TRACKING, 2, "Quota attainment; 90-day attrition"),
    ]
    first, second = app.slack.messages_in(LD_CHANNEL)
    assert f"<@{SAM}> answered" in all_text(first)
    assert f"<@{SAM}> updated their answers" in all_text(second) and "Version 2" in all_text(second)


def test_summary_goes_to_the_chosen_channel_joining_it_when_needed(app):
    open_initiative(app, LENA, stakeholders=[SAM], channel="C0SALES")
    answer(app, SAM, "More revenue per rep", "Revenue per rep")
    assert [c.args["channel"] for c in app.slack.calls_to("conversations.join")] == ["C0SALES"]
    assert len(app.slack.messages_in("C0SALES")) == 1
    assert not app.slack.messages_in(LD_CHANNEL)


def test_list_shows_each_initiative_with_how_many_answered(app):
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    open_initiative(app, LENA, name="Leadership programme", goal="Keep our best managers", stakeholders=[MEI])
    answer(app, SAM, "Faster ramp", "Quota attainment")
    answer(app, SAM, "Faster ramp, revised", "Quota attainment")  # a revision is not a second answer
    reply = app.workspace.slash(LENA, "list")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    text = "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    assert "*Sales onboarding refresh* · 1/2 answered" in text
    assert "*Leadership programme* · 0/1 answered" in text


def test_list_pages_through_many_initiatives(app):
    for n in range(13):
        open_initiative(app, LENA, name=f"Initiative {n:02d}", stakeholders=[SAM])
    first = app.workspace.slash(LENA, "list").json()
    assert "Page 1 of 2" in str(first["blocks"]) and "Initiative 12" in str(first["blocks"])
    last = app.workspace.slash(LENA, "list 9").json()  # past the end: the last page
    assert "Page 2 of 2" in str(last["blocks"]) and "Initiative 00" in str(last["blocks"])


def test_help_and_unknown_subcommands_show_the_commands(app):
    for text in ("", "help", "HELP"):
        body = app.workspace.slash(CHRIS, text).json()
        assert "/touchpoint new" in body["text"] and "/touchpoint list" in body["text"]
        assert body["response_type"] == "ephemeral"
    body = app.workspace.slash(CHRIS, "frobnicate now").json()
    assert "I don't know `frobnicate`" in body["text"] and "/touchpoint new" in body["text"]


def test_people_outside_the_ld_team_are_refused_politely_and_nothing_is_stored(app):
    for command in ("new", "list"):
        body = app.workspace.slash(CHRIS, command).json()
        assert (
            body["response_type"] == "ephemeral" and "only the L&amp;D team" in body["text"]
        )  # mrkdwn: Slack shows "L&D"
    assert not app.slack.calls_to("views.open")

    # A forged submission of the modal, as if CHRIS had got hold of it.
    app.workspace.slash(LENA, "new")
    lena_view = app.slack.wait_for(lambda: app.slack.views_for(LENA))[0]
    reply = app.workspace.submit(CHRIS, lena_view, {Block.NAME: "Sneaky", Block.GOAL: "x", Block.STAKEHOLDERS: [SAM]})
    assert reply.json()["response_action"] == "update"
    assert "only the L&amp;D team" in str(reply.json()["view"]["blocks"])  # mrkdwn-escaped
    app.settle()
    assert stored_counts(app) == (0, 0, 0)
    assert not app.slack.calls_to("chat.postMessage")


def test_members_of_the_ld_user_group_may_manage(server, slack):
    slack.usergroups["S0LDTEAM"] = [CHRIS]
    server.settings = {"ld_usergroup_id": "S0LDTEAM"}
    app = server.start()
    body = app.workspace.slash(CHRIS, "list").json()
    assert "No initiatives yet" in body["text"] or "No initiatives yet" in str(body["blocks"])
    assert slack.calls_to("usergroups.users.list")[0].args["usergroup"] == "S0LDTEAM"


def test_the_loop_survives_a_restart_on_the_same_database(server, slack):
    with freeze_time(WORKING_AFTERNOON, tick=True):  # so that the first DMs go at once
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM, OLU])
        answer(app, SAM, "Faster ramp", "Quota attainment")
        server.stop()

        app = server.start()  # a new process would see exactly this: the same database, a new app
        answer(app, OLU, "Fewer escalations", "Escalations per week")
        body = app.workspace.slash(LENA, "list").json()
    assert "2/2 answered" in str(body["blocks"])
    assert len(slack.messages_in(LD_CHANNEL)) == 2
    assert len(rows(app, Answer)) == 4


def test_a_touchpoint_only_takes_answers_from_its_own_stakeholder(app):
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    sams_dm = kickoff_dm(app, SAM)
    reply = app.workspace.click(OLU, sams_dm.channel, sams_dm.ts, Action.OPEN_ANSWER)
    assert reply.status == 200
    app.settle()
    refusal = app.slack.wait_for(lambda: app.slack.responses)[-1]
    assert "sent to someone else" in refusal["text"] and refusal["response_type"] == "ephemeral"
    assert not app.slack.views_for(OLU)

    # A forged submission carrying SAM's touchpoint id, from OLU.
    view, _ = answer(app, SAM, "Faster ramp", "Quota attainment")
    reply = app.workspace.submit(OLU, view, {Block.IMPACT: "Hijack", Block.TRACKING: "Hijack"})
    assert reply.json()["response_action"] == "errors"
    assert "sent to someone else" in reply.json()["errors"][Block.IMPACT]
    assert "Hijack" not in {a.text for a in rows(app, Answer)}


def test_the_list_buttons_page_through_in_place(app):
    for n in range(12):
        open_initiative(app, LENA, name=f"Initiative {n:02d}", stakeholders=[SAM])
    first = app.workspace.slash(LENA, "list").json()
    [next_button] = [e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]]
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": LENA},
        "response_url": app.slack.response_url(),
        "trigger_id": app.slack.new_trigger(LENA),
        "container": {"type": "message", "is_ephemeral": True},
        "actions": [{**next_button, "block_id": "initiative_list_page"}],
    }
    reply = app.workspace.post_payload(payload)
    assert reply.status == 200 and reply.body == ""  # acknowledged at once; the page follows through the response URL
    app.settle()
    page_two = app.slack.responses[-1]
    assert page_two["replace_original"] is True and "Page 2 of 2" in str(page_two["blocks"])
    assert "Initiative 00" in str(page_two["blocks"]) and "Initiative 11" not in str(page_two["blocks"])
    app.workspace.post_payload({**payload, "user": {"id": CHRIS}})
    # the refusal of a button goes out after the ack, through the response URL
    app.slack.wait_for(lambda: len(app.slack.responses) > 1, timeout=10)
    assert "only the L&amp;D team" in app.slack.responses[-1]["text"]
