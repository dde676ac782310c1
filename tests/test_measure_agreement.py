"""Measures agreed together: a measure the L&D member confirms is proposed to its owner in a DM, once, after the
ack; the owner's "Yes, that's right" or correction makes it agreed (every version kept); the alignment index counts
agreed measures; a DM Slack refuses is retried by the scheduling pass, or reported to the L&D member."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from openpyxl import load_workbook
from sqlmodel import select

from bot.exports import workbook
from bot.ids import Action, Block
from bot.services import exporting
from bot.simulator.webapi import Message
from storage.models import Initiative, InitiativeStakeholder, Measure, MeasureProposal, MeasureVersion, PostStatus
from tests.conftest import CHECK_INS_OUT, LENA, OLU, SAM, TEAM
from tests.flows import all_text, notices_to, rows
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_view
from tests.test_measures import MEASURE, _confirm, _measures_modal
from tests.test_shifts import START

AT = START + timedelta(days=2)
LONDON = ZoneInfo("Europe/London")


def _proposals_to(app, user_id) -> list[Message]:
    return [
        m
        for m in app.slack.messages_in(app.slack.dm_channel(user_id))
        if (m.metadata or {}).get("event_type") == "measure_proposed"
    ]


def _confirmed(app) -> Message:
    reply = _confirmed_only(app)
    assert "ask its owner whether it is what they track" in str(reply.json())
    [dm] = _proposals_to(app, SAM)
    return dm


def _confirmed_only(app):
    """The L&D member confirms Sam's measure; what follows the ack runs on the same frozen clock."""
    view = _measures_modal(app)
    with freeze_time(AT, tick=True):
        reply = _confirm(app, view)
        app.settle()
    return reply


def _click(app, user_id, dm, action_id):
    with freeze_time(AT + timedelta(hours=1), tick=True):
        reply = app.workspace.click(user_id, dm.channel, dm.ts, action_id)
        app.settle()
    return reply


def _open_correction(app, dm) -> dict:
    before = len(app.slack.views_for(SAM))
    _click(app, SAM, dm, Action.MEASURE_CORRECT)
    return app.slack.wait_for(lambda: app.slack.views_for(SAM)[before:])[0]


def _versions(app):
    return [(v.version, v.kind, v.name, v.baseline, v.target, v.given_by) for v in rows(app, MeasureVersion)]


def _measures_sheet(app) -> tuple:
    out = io.BytesIO()
    with app.db.reading() as session:
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), AT + timedelta(days=1), "Europe/London"), out)
    [row] = load_workbook(io.BytesIO(out.getvalue()))["Measures"].iter_rows(min_row=2, values_only=True)
    return row


def _ld_home(app, event_id: str) -> str:
    with freeze_time(AT + timedelta(hours=2), tick=True):
        app.workspace.open_home(LENA, event_id=event_id)
        app.settle()
    view = app.slack.home_of(LENA)
    assert_valid_view(view)
    return str(view)


def _listed(app) -> str:
    return str(_measures_modal(app)["blocks"])


def test_a_confirmed_measure_is_proposed_to_its_owner_who_agrees_it(checked_in):
    app, _ = checked_in
    dm = _confirmed(app)
    text = all_text(dm)
    assert "Is this what you track? Are this baseline and target right?" in text
    assert (
        MEASURE in text and "Baseline: *45 days* on 1 Jan 2027" in text and "Target: *30 days* by 31 Dec 2027" in text
    )
    buttons = [e["text"]["text"] for b in dm.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Yes, that's right", "Correct it"]
    [proposal] = rows(app, MeasureProposal)
    assert (proposal.status, proposal.attempts, proposal.message_ts) == (PostStatus.POSTED, 1, dm.ts)
    assert f"waiting for <@{SAM}>" in _listed(app)
    assert rows(app, Measure)[0].agreed_at is None
    assert _measures_sheet(app)[11:] == ("waiting for Sam", None)
    assert f"Measures: {MEASURE}: waiting for <@{SAM}>" in _ld_home(app, "EvAgree1")

    # Only its owner may agree it.
    _click(app, OLU, dm, Action.MEASURE_AGREE)
    assert rows(app, Measure)[0].agreed_at is None
    assert "Only the stakeholder who reports this measure" in str(app.slack.responses[-1])

    _click(app, SAM, dm, Action.MEASURE_AGREE)
    [measure] = rows(app, Measure)
    assert measure.agreed_by == SAM and measure.agreed_at is not None
    assert _versions(app) == [(1, "proposed", MEASURE, 45, 30, LENA), (2, "confirmed", MEASURE, 45, 30, SAM)]
    updated = app.slack.message(dm.channel, dm.ts)
    assert "you agreed this success measure" in all_text(updated)
    agreed_on = f"{measure.agreed_at:%-d %b %Y}"
    assert f"agreed by <@{SAM}> on {agreed_on}" in all_text(
        updated
    ) and f"agreed by <@{SAM}> on {agreed_on}" in _listed(app)
    assert_everything_sent_is_valid(app.slack)


def test_the_owner_corrects_it_in_a_modal_checked_like_the_ld_members_and_history_is_kept(checked_in):
    app, _ = checked_in
    dm = _confirmed(app)
    view = _open_correction(app, dm)
    assert_valid_view(view)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs[Block.MEASURE_NAME]["initial_value"] == MEASURE
    assert (inputs[Block.BASELINE]["initial_value"], inputs[Block.TARGET]["initial_value"]) == ("45", "30")
    assert inputs[Block.TARGET_ON]["initial_date"] == "2027-12-31"
    values = {
        Block.MEASURE_NAME: "Days to first <!channel> deal",
        Block.BASELINE: "41",
        Block.BASELINE_ON: "2027-01-01",
        Block.TARGET: "about thirty",
        Block.TARGET_ON: "2027-12-31",
    }
    with freeze_time(AT + timedelta(hours=1), tick=True):
        errors = app.workspace.submit(SAM, view, values).json()["errors"]
        assert set(errors) == {Block.TARGET} and "must be a number" in errors[Block.TARGET]
        assert app.workspace.submit(SAM, view, {**values, Block.TARGET: "28"}).status == 200
        app.settle()
    [measure] = rows(app, Measure)
    assert (measure.name, measure.baseline, measure.target, measure.agreed_by) == (
        "Days to first <!channel> deal",
        41,
        28,
        SAM,
    )
    assert _versions(app) == [
        (1, "proposed", MEASURE, 45, 30, LENA),
        (2, "corrected", "Days to first <!channel> deal", 41, 28, SAM),
    ]
    updated = all_text(app.slack.message(dm.channel, dm.ts))
    assert "corrected and agreed" in updated and "Days to first &lt;!channel&gt; deal" in updated
    assert "<!channel>" not in updated
    assert_everything_sent_is_valid(app.slack)


def test_the_alignment_index_counts_agreed_measures(checked_in):
    app, _ = checked_in
    dm = _confirmed(app)

    def part():
        with freeze_time(AT + timedelta(hours=2), tick=True):
            reply = app.workspace.slash(LENA, "alignment sales onboarding refresh")
        return str(reply.json())

    assert "*Measures agreed* (weight 20): 0% · 0 of 2 stakeholders own a success measure they have agreed" in part()
    _click(app, SAM, dm, Action.MEASURE_AGREE)
    assert "*Measures agreed* (weight 20): 50% · 1 of 2 stakeholders" in part()


def test_a_proposal_slack_refuses_is_retried_by_the_pass_and_sent_once(checked_in):
    app, world = checked_in
    app.slack.fail(
        "chat.postMessage",
        "internal_error",
        status=500,
        times=10,
        when=lambda a: a.get("metadata") is not None and "measure_proposed" in str(a.get("metadata")),
    )
    _confirmed_only(app)
    assert _proposals_to(app, SAM) == []
    [proposal] = rows(app, MeasureProposal)
    assert proposal.status == PostStatus.SENDING  # claimed, waiting for its lease to pass
    world.run(AT + timedelta(minutes=2))  # within the lease: nothing yet
    assert _proposals_to(app, SAM) == []
    world.run(AT + timedelta(minutes=10))
    world.run(AT + timedelta(minutes=20))
    assert len(_proposals_to(app, SAM)) == 1
    assert rows(app, MeasureProposal)[0].status == PostStatus.POSTED


def test_a_proposal_already_in_slack_is_recorded_by_the_pass_not_sent_again(checked_in):
    app, world = checked_in
    _confirmed(app)
    [stored] = rows(app, MeasureProposal)
    with app.db.session() as session:  # as if the sender died between Slack's answer and its record
        proposal = session.get(MeasureProposal, stored.id)
        proposal.status, proposal.message_ts, proposal.claimed_at = PostStatus.SENDING, None, AT
        session.add(proposal)
    world.run(AT + timedelta(minutes=10))
    assert len(_proposals_to(app, SAM)) == 1
    assert rows(app, MeasureProposal)[0].status == PostStatus.POSTED


def test_a_proposal_nobody_can_deliver_is_reported_to_the_ld_member(checked_in):
    app, _ = checked_in
    app.slack.fail("chat.postMessage", "user_not_found", when=lambda a: "measure_proposed" in str(a.get("metadata")))
    _confirmed_only(app)
    assert rows(app, MeasureProposal)[0].status == PostStatus.FAILED
    [report] = [m for m in notices_to(app.slack, LENA) if "couldn't ask" in all_text(m)]
    assert f"<@{SAM}>" in all_text(report) and MEASURE in all_text(report)
    assert f"waiting for <@{SAM}>" in _listed(app)


def test_the_check_in_still_asks_for_a_reading_while_the_measure_waits(checked_in):
    app, world = checked_in
    _confirmed(app)
    from tests.flows import open_form

    view = open_form(app, SAM, world.touchpoint_dms(SAM)[-1], CHECK_INS_OUT + timedelta(minutes=10))
    assert "latest value" in str(view["blocks"])


def _set_proposal(app, **values) -> None:
    [stored] = rows(app, MeasureProposal)
    with app.db.session() as session:
        proposal = session.get(MeasureProposal, stored.id)
        for key, value in values.items():
            setattr(proposal, key, value)
        session.add(proposal)


def test_a_proposal_handed_back_is_sent_by_the_next_pass_and_a_retired_measure_is_not_proposed(checked_in):
    app, world = checked_in
    down = [True]  # Slack refuses the web process's every try, then takes the pass's
    app.slack.fail(
        "chat.postMessage",
        "internal_error",
        status=500,
        times=99,
        when=lambda a: down[0] and "measure_proposed" in str(a.get("metadata")),
    )
    _confirmed_only(app)
    _set_proposal(app, status=PostStatus.PENDING)  # as a stopping web process (or the migration) leaves it
    down[0] = False
    world.run(AT + timedelta(minutes=1))
    assert len(_proposals_to(app, SAM)) == 1 and rows(app, MeasureProposal)[0].status == PostStatus.POSTED

    [stored] = rows(app, Measure)
    with app.db.session() as session:
        measure = session.get(Measure, stored.id)
        measure.active = False
        session.add(measure)
    _set_proposal(app, status=PostStatus.PENDING, message_ts=None)
    world.run(AT + timedelta(minutes=2))
    assert len(_proposals_to(app, SAM)) == 1
    assert (rows(app, MeasureProposal)[0].status, rows(app, MeasureProposal)[0].last_error) == (
        "failed",
        "measure_retired",
    )


def test_a_proposal_whose_owner_left_the_initiative_or_whose_initiative_closed_is_not_sent(checked_in):
    app, world = checked_in
    _confirmed(app)
    [stored] = rows(app, Measure)
    with app.db.session() as session:
        [part] = [
            p
            for p in session.exec(select(InitiativeStakeholder)).all()
            if p.stakeholder_id == stored.owner_id and p.initiative_id == stored.initiative_id
        ]
        part.removed_at = AT
        session.add(part)
    _set_proposal(app, status=PostStatus.PENDING, message_ts=None)  # handed back before it went out
    world.run(AT + timedelta(minutes=2))
    assert len(_proposals_to(app, SAM)) == 1  # only the first DM: a removed owner is not asked again
    assert (rows(app, MeasureProposal)[0].status, rows(app, MeasureProposal)[0].last_error) == (
        "failed",
        "owner_removed",
    )

    with app.db.session() as session:
        part = session.get(InitiativeStakeholder, part.id)
        part.removed_at = None
        session.add(part)
        initiative = session.get(Initiative, stored.initiative_id)
        initiative.active = False
        session.add(initiative)
    _set_proposal(app, status=PostStatus.PENDING, message_ts=None, last_error=None)
    world.run(AT + timedelta(minutes=3))
    assert len(_proposals_to(app, SAM)) == 1
    assert rows(app, MeasureProposal)[0].last_error == "initiative_closed"
