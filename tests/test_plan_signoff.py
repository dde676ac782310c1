"""A plan the stakeholders sign off, end to end against the simulator: the L&D Home's Plan button and
`/touchpoint plan` open the modal pre-filled from what Touchpoint knows; each save is a version; "Ask for sign-off"
queues a DM per stakeholder that the scheduling pass sends once (two passes at once, a pass killed after Slack took
it, Slack's failures); the stakeholder's three buttons; a change after sign-off asks again with what changed."""

from __future__ import annotations

import threading
from datetime import timedelta

from freezegun import freeze_time
from sqlmodel import select

from bot.app import patient_gateway
from bot.blocks import plans as plan_blocks
from bot.ids import Action, Block, Callback
from bot.services import plans, signoff_dms, signoffs
from bot.services.export_plan import FIELDS
from bot.usecases.outbound import Outbound
from schedules.touchpoint_pass import run_pass
from storage.db import Database
from storage.models import (
    ChangeKind,
    Initiative,
    InitiativeChange,
    InitiativeStakeholder,
    PlanSignoff,
    PlanVersion,
    PostStatus,
    Stakeholder,
)
from storage.types import utcnow
from tests.conftest import CHECK_INS_OUT, CHRIS, LENA, OLU, SAM, make_settings
from tests.flows import all_text, rows
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_view

AT = CHECK_INS_OUT + timedelta(days=1)  # Wed 10 Feb 2027, 15:00 UTC: working hours in London and New York


def _signoffs_to(app, user_id):
    return [
        m
        for m in app.slack.messages_in(app.slack.dm_channel(user_id))
        if (m.metadata or {}).get("event_type") == "plan_signoff" and not m.thread_ts
    ]


def _plan_modal(app, user_id=LENA, at=AT) -> dict:
    [initiative] = rows(app, Initiative)
    with freeze_time(at, tick=True):
        app.workspace.open_home(user_id, event_id=f"EvPlan{len(app.slack.published)}")
        app.settle()
        before = len(app.slack.views_for(user_id))
        assert app.workspace.click_home(user_id, Action.HOME_PLAN, value=str(initiative.id)).status == 200
        view = app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]
    assert_valid_view(view)
    assert view["callback_id"] == Callback.PLAN
    return view


def _initial(view) -> dict[str, str]:
    return {
        b["block_id"]: b["element"].get("initial_value") or ""
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    }


def _save(app, view, values=None, *, ask=True, user_id=LENA, at=AT):
    values = dict(values or {})
    if ask:
        values[Block.PLAN_ASK] = [plan_blocks.ASK]
    with freeze_time(at, tick=True):
        reply = app.workspace.submit(user_id, view, values)
        app.settle()
    return reply


def _click(app, user_id, dm, action_id, at=AT + timedelta(hours=1)):
    with freeze_time(at, tick=True):
        reply = app.workspace.click(user_id, dm.channel, dm.ts, action_id)
        app.settle()
    return reply


def _modal_after_click(app, user_id, dm, action_id) -> dict:
    before = len(app.slack.views_for(user_id))
    _click(app, user_id, dm, action_id)
    view = app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]
    assert_valid_view(view)
    return view


def _sent_plan(app, world):
    """Lena saves the pre-filled plan and asks for sign-off; the next pass DMs Sam and Olu."""
    reply = _save(app, _plan_modal(app))
    assert reply.json()["response_action"] == "update" and "2 stakeholders will be asked" in reply.body, reply.body
    world.run(AT + timedelta(minutes=1))
    [sam] = _signoffs_to(app, SAM)
    [olu] = _signoffs_to(app, OLU)
    return sam, olu


def test_the_modal_is_pre_filled_from_what_touchpoint_knows_and_each_save_is_a_version(checked_in):
    app, _ = checked_in
    view = _plan_modal(app)
    initial = _initial(view)
    assert initial[plan_blocks.field_block("overview")].startswith("New reps reach quota in 4 months, not 6")
    assert "New reps close a deal in their first month" in initial[plan_blocks.field_block("needs")]
    assert "The business goal" in initial[plan_blocks.field_block("long_term")]
    assert initial[plan_blocks.field_block("audience")] == ""
    assert len(view["blocks"]) <= 100
    _save(app, view, {plan_blocks.field_block("audience"): "New sales reps in their first 6 months"}, ask=False)
    _save(app, _plan_modal(app), ask=False)  # nothing changed: no new version
    [version] = rows(app, PlanVersion)
    assert (version.version, version.saved_by, version.audience) == (1, LENA, "New sales reps in their first 6 months")
    assert rows(app, PlanSignoff) == []  # not asked for sign-off
    view = _plan_modal(app)
    assert _initial(view)[plan_blocks.field_block("audience")] == "New sales reps in their first 6 months"
    _save(app, view, {plan_blocks.field_block("deliver"): "A 6-week programme"}, ask=False)
    assert [v.version for v in rows(app, PlanVersion)] == [1, 2]
    logged = [c.text for c in rows(app, InitiativeChange) if c.kind == ChangeKind.PLAN]
    assert logged[-1] == "Plan version 2 saved (What the L&D team can deliver)" and len(logged) == 2


def test_an_empty_overview_or_one_too_long_is_refused_under_its_field(checked_in):
    app, _ = checked_in
    view = _plan_modal(app)
    overview = plan_blocks.field_block("overview")
    reply = _save(app, view, {overview: "  ", plan_blocks.field_block("needs"): "x" * 3001})
    errors = reply.json()["errors"]
    assert set(errors) == {overview, plan_blocks.field_block("needs")}
    assert "what this plan is for" in errors[overview] and "3000 characters" in errors[plan_blocks.field_block("needs")]
    assert rows(app, PlanVersion) == [] and rows(app, PlanSignoff) == []


def test_the_plan_is_for_ld_members_only(checked_in):
    app, _ = checked_in
    view = _plan_modal(app)
    reply = _save(app, view, user_id=CHRIS)
    assert reply.status == 200 and rows(app, PlanVersion) == []
    with freeze_time(AT, tick=True):
        answer = app.workspace.slash(CHRIS, "plan sales onboarding refresh")
    assert "only the L&amp;D team" in answer.body and not rows(app, PlanVersion)


def test_the_command_opens_the_modal_and_names_an_unknown_initiative(checked_in):
    app, _ = checked_in
    with freeze_time(AT, tick=True):
        before = len(app.slack.views_for(LENA))
        assert app.workspace.slash(LENA, "plan Sales onboarding refresh").status == 200
        app.settle()
        [view] = app.slack.views_for(LENA)[before:]
        assert view["callback_id"] == Callback.PLAN
        assert "can't find an initiative" in app.workspace.slash(LENA, "plan nothing like it").body
        assert "plan <initiative>" in app.workspace.slash(LENA, "help").body


def test_each_stakeholder_gets_the_plan_once_signs_it_or_says_what_is_off_and_commits(checked_in):
    app, world = checked_in
    sam, olu = _sent_plan(app, world)
    text = all_text(sam)
    assert "Executive overview" in text and "New reps close a deal in their first month" in text
    buttons = [e["text"]["text"] for b in sam.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["This matches our plan", "Something's off", "What I will do to help"]
    world.run(AT + timedelta(minutes=2))  # nothing more goes out
    assert len(_signoffs_to(app, SAM)) == 1 and len(_signoffs_to(app, OLU)) == 1

    # Only the stakeholder it was sent to may answer it.
    _click(app, OLU, sam, Action.PLAN_MATCHES)
    assert "Only the stakeholder this plan was sent to" in str(app.slack.responses[-1])

    _click(app, SAM, sam, Action.PLAN_MATCHES)
    assert "You said this matches your plan" in all_text(app.slack.message(sam.channel, sam.ts))

    view = _modal_after_click(app, OLU, olu, Action.PLAN_OFF)
    with freeze_time(AT + timedelta(hours=1), tick=True):
        errors = app.workspace.submit(OLU, view, {Block.PLAN_COMMENT: " "}).json()["errors"]
        assert "Say what is off" in errors[Block.PLAN_COMMENT]
        assert (
            app.workspace.submit(OLU, view, {Block.PLAN_COMMENT: "<!channel> the budget is <@U0SAM>'s"}).status == 200
        )
        app.settle()
    updated = all_text(app.slack.message(olu.channel, olu.ts))
    assert "something's off" in updated and "&lt;!channel&gt;" in updated and "<!channel>" not in updated

    view = _modal_after_click(app, OLU, olu, Action.PLAN_COMMIT)
    with freeze_time(AT + timedelta(hours=1), tick=True):
        assert app.workspace.submit(OLU, view, {Block.PLAN_COMMITMENT: "Give reps two hours a week"}).status == 200
        app.settle()
    assert "Give reps two hours a week" in all_text(app.slack.message(olu.channel, olu.ts))

    by_user = {s.user_id: s for s in _statuses(app)}
    assert (by_user[SAM].state, by_user[OLU].state) == (signoffs.SIGNED, signoffs.OFF)
    assert by_user[OLU].comment == "<!channel> the budget is <@U0SAM>'s"
    assert by_user[OLU].commitment == "Give reps two hours a week"
    assert_everything_sent_is_valid(app.slack)


def _statuses(app, now=AT + timedelta(hours=2)):
    [initiative] = rows(app, Initiative)
    with app.db.reading() as session:
        return signoff_dms.statuses(session, initiative.team_id, initiative.id, now)


def test_a_change_after_sign_off_says_what_changed_and_asks_again(checked_in):
    app, world = checked_in
    sam, _olu = _sent_plan(app, world)
    _click(app, SAM, sam, Action.PLAN_MATCHES)
    later = AT + timedelta(days=1)
    reply = _save(
        app, _plan_modal(app, at=later), {plan_blocks.field_block("audience"): "Reps in <#C123>"}, ask=False, at=later
    )
    assert "1 stakeholder will be asked" in reply.body and "signed an earlier version" in reply.body
    world.run(later + timedelta(minutes=1))
    [_, again] = _signoffs_to(app, SAM)
    text = all_text(again)
    assert "What changed since you approved" in text and "*Audience* (changed)" in text
    assert "Reps in &lt;#C123&gt;" in text and "Executive overview* (changed)" not in text
    assert len(_signoffs_to(app, OLU)) == 1  # Olu had not signed: not asked again
    assert {s.user_id: s.state for s in _statuses(app)}[SAM] == signoffs.WAITING
    # The old DM can no longer be answered: the newer one is the one to answer.
    _click(app, SAM, sam, Action.PLAN_MATCHES, at=later + timedelta(hours=1))
    assert "The plan has changed since this message" in str(app.slack.responses[-1])


def test_who_must_sign_follows_the_quadrant(checked_in):
    app, world = checked_in
    with app.db.session() as session:
        olu = next(s for s in session.exec(select(Stakeholder)).all() if s.user_id == OLU)
        pair = next(p for p in session.exec(select(InitiativeStakeholder)).all() if p.stakeholder_id == olu.id)
        pair.influence = "low"  # keep informed
        session.add(pair)
    _sent_plan(app, world)
    must = {s.user_id: s.must_sign for s in _statuses(app)}
    assert must == {SAM: True, OLU: False}
    [olu_dm] = _signoffs_to(app, OLU)
    assert "for your information" in all_text(olu_dm)
    assert signoffs.must_sign("high") and not signoffs.must_sign("low")


def test_two_passes_at_once_send_each_dm_once(checked_in, slack, db):
    from storage.repositories import outbox

    app, world = checked_in
    _save(app, _plan_modal(app))
    with app.db.reading() as session:  # the metrics' outbox depth counts them until they go
        assert outbox.depth(session, AT + timedelta(minutes=1))["plan_signoffs"] == 2
    slack.slow("chat.postMessage", 0.3)
    settings = make_settings(slack, db)
    other = Database(db.url)
    outs = [world.outbound, Outbound(other, patient_gateway(settings, sleep=world.waits), utcnow, "UTC")]
    with freeze_time(AT + timedelta(minutes=1)):
        threads = [threading.Thread(target=run_pass, args=(out, world.settings)) for out in outs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    slack.slow("chat.postMessage", 0)
    other.dispose()
    assert len(_signoffs_to(app, SAM)) == 1 and len(_signoffs_to(app, OLU)) == 1
    assert {s.status for s in rows(app, PlanSignoff)} == {PostStatus.POSTED}
    with app.db.reading() as session:
        assert outbox.depth(session, AT + timedelta(minutes=2))["plan_signoffs"] == 0


def test_a_pass_killed_after_slack_took_the_dm_is_recovered_without_a_second_dm(checked_in):
    app, world = checked_in
    _sent_plan(app, world)
    with app.db.session() as session:  # as if the sender died between Slack's answer and its record
        for s in session.exec(select(PlanSignoff)).all():
            s.status, s.message_ts, s.claimed_at = PostStatus.SENDING, None, AT + timedelta(minutes=1)
            session.add(s)
    world.run(AT + timedelta(minutes=3))  # within the lease: left alone
    assert {s.status for s in rows(app, PlanSignoff)} == {PostStatus.SENDING}
    world.run(AT + timedelta(minutes=10))
    assert len(_signoffs_to(app, SAM)) == 1 and len(_signoffs_to(app, OLU)) == 1
    assert {s.status for s in rows(app, PlanSignoff)} == {PostStatus.POSTED}
    assert all(s.message_ts for s in rows(app, PlanSignoff))


def test_a_passing_failure_is_retried_and_an_unreachable_stakeholder_reported(checked_in):
    app, world = checked_in
    app.slack.fail(
        "chat.postMessage",
        "internal_error",
        status=500,
        times=10,
        when=lambda a: "plan_signoff" in str(a.get("metadata")),
    )
    _save(app, _plan_modal(app))
    world.run(AT + timedelta(minutes=1))
    assert _signoffs_to(app, SAM) == [] and {s.status for s in rows(app, PlanSignoff)} == {PostStatus.SENDING}
    world.run(AT + timedelta(minutes=10))
    world.run(AT + timedelta(minutes=20))
    assert len(_signoffs_to(app, SAM)) == 1 and len(_signoffs_to(app, OLU)) == 1

    app.slack.fail("chat.postMessage", "user_not_found", when=lambda a: "plan_signoff" in str(a.get("metadata")))
    later = AT + timedelta(days=1)
    _save(app, _plan_modal(app, at=later), {plan_blocks.field_block("deliver"): "More"}, at=later)
    world.run(later + timedelta(minutes=1))
    failed = [s for s in rows(app, PlanSignoff) if s.status == PostStatus.FAILED]
    assert len(failed) == 1 and failed[0].last_error == "user_not_found"
    reports = [m for m in app.slack.messages_in(app.slack.dm_channel(LENA)) if "couldn't send the plan" in all_text(m)]
    assert len(reports) == 1


def test_away_stakeholders_wait_and_closed_initiatives_are_skipped_at_the_moment_of_sending(checked_in):
    app, world = checked_in
    _save(app, _plan_modal(app))
    with app.db.session() as session:
        for person in session.exec(select(Stakeholder)).all():
            if person.user_id == SAM:
                person.paused_until = (AT + timedelta(days=3)).date()
                session.add(person)
    world.run(AT + timedelta(minutes=1))
    assert _signoffs_to(app, SAM) == [] and len(_signoffs_to(app, OLU)) == 1
    [sam_row] = [s for s in rows(app, PlanSignoff) if s.status == PostStatus.PENDING]
    assert sam_row.due_at.date() > (AT + timedelta(days=3)).date()
    with app.db.session() as session:
        initiative = session.exec(select(Initiative)).one()
        initiative.active = False
        session.add(initiative)
    world.run(AT + timedelta(days=6))
    assert _signoffs_to(app, SAM) == []
    assert [s.last_error for s in rows(app, PlanSignoff) if s.status == "skipped"] == ["initiative_closed"]


def test_one_reminder_goes_to_those_who_must_sign_and_have_not_answered(checked_in):
    app, world = checked_in
    sam, olu = _sent_plan(app, world)
    _click(app, OLU, olu, Action.PLAN_MATCHES)
    world.run(AT + timedelta(days=2))  # before the third working day
    assert app.slack.thread(sam.channel, sam.ts) == [sam]
    world.run(AT + timedelta(days=6))
    world.run(AT + timedelta(days=7))
    replies = [m for m in app.slack.thread(sam.channel, sam.ts) if m.thread_ts]
    assert len(replies) == 1 and "waiting for your sign-off" in all_text(replies[0])
    assert [m for m in app.slack.thread(olu.channel, olu.ts) if m.thread_ts] == []
    assert not {s.user_id: s.overdue for s in _statuses(app)}[SAM]  # before its reminder
    assert {s.user_id: s.overdue for s in _statuses(app, AT + timedelta(days=7))}[SAM]


def test_the_longest_plan_is_split_within_slacks_limits_and_escaped():
    from datetime import UTC, datetime

    from slack_sdk.models.blocks import Block as SlackBlock

    text = ("<!channel> & <@U0EVIL> " * 140)[:3000]
    fields = tuple((label, text) for _, label in FIELDS)
    dm = signoff_dms.SignoffDm(
        1, "T", 1, "<!here>" * 10, SAM, None, True, LENA, datetime(2027, 1, 1, tzinfo=UTC), 1, 2, fields, fields
    )
    message = plan_blocks.signoff_message(dm)
    assert len(message.blocks) <= 50
    for block in message.blocks:
        SlackBlock.parse(block.to_dict()).validate_json()  # type: ignore[union-attr]
    rendered = str([b.to_dict() for b in message.blocks])
    assert "<!channel>" not in rendered and "<!here>" not in rendered and "<@U0EVIL>" not in rendered
    assert "did not fit in one message" in rendered


def test_changes_are_told_field_by_field():
    before = {"overview": "A", "audience": "Reps", "needs": ""}
    after = {"overview": "A ", "audience": "All reps", "needs": "Faster ramp"}
    assert plans.changes(before, after) == (
        ("Audience", "All reps"),
        ("Needs of the business and its people", "Faster ramp"),
    )


def _alignment(app, at=AT + timedelta(hours=2)) -> str:
    with freeze_time(at, tick=True):
        return str(app.workspace.slash(LENA, "alignment sales onboarding refresh").json())


def test_the_index_counts_those_who_must_sign_once_a_plan_was_sent(checked_in):
    app, world = checked_in
    assert "*Plan signed off* (weight 15): left out · no plan sent for sign-off yet" in _alignment(app)
    sam, _ = _sent_plan(app, world)
    assert "*Plan signed off* (weight 15): 0% · 0 of 2 stakeholders who must sign" in _alignment(app)
    _click(app, SAM, sam, Action.PLAN_MATCHES)
    assert "*Plan signed off* (weight 15): 50% · 1 of 2 stakeholders who must sign" in _alignment(app)
    with app.db.session() as session:  # Olu moves to keep informed: only Sam must sign now
        olu = next(s for s in session.exec(select(Stakeholder)).all() if s.user_id == OLU)
        pair = next(p for p in session.exec(select(InitiativeStakeholder)).all() if p.stakeholder_id == olu.id)
        pair.influence = "low"
        session.add(pair)
    assert "*Plan signed off* (weight 15): 100% · 1 of 1 stakeholders who must sign" in _alignment(app)


def test_the_index_part_is_left_out_without_a_plan_and_weights_sum_to_100():
    from bot.services.alignment import WEIGHTS, alignment
    from bot.services.signoffs import SignoffCounts
    from storage import reporting

    assert sum(WEIGHTS.values()) == 100
    standing = reporting.Standing(
        1, "X", stakeholders=2, with_impact=2, with_tracking=2, rated=0, rating_sum=0, silent=0
    )
    without = alignment(standing, reporting.Traffic(), reporting.ShiftCounts())
    signed = alignment(standing, reporting.Traffic(), reporting.ShiftCounts(), SignoffCounts(True, 2, 2))
    unsigned = alignment(standing, reporting.Traffic(), reporting.ShiftCounts(), SignoffCounts(True, 2, 0))
    # impact 1.0 (weight 20), measures 0 (20), shifts with an outcome 1.0 (10); no responses or ratings yet
    assert without.value == round(100 * 30 / 50)
    assert signed.value == round(100 * 45 / 65) and unsigned.value == round(100 * 30 / 65)


def test_the_digest_and_the_homes_show_where_sign_off_stands(checked_in):
    from bot.services import digest

    app, world = checked_in
    sam, olu = _sent_plan(app, world)
    view = _modal_after_click(app, OLU, olu, Action.PLAN_OFF)
    with freeze_time(AT + timedelta(hours=1), tick=True):
        app.workspace.submit(OLU, view, {Block.PLAN_COMMENT: "The audience is wrong"})
        app.settle()
    later = AT + timedelta(days=7)  # past Sam's reminder
    world.run(later)
    [initiative] = rows(app, Initiative)
    with app.db.reading() as session:
        found = digest.build(session, initiative.team_id, later, "2027-02-15")
    reasons = [(a.reason, a.user_ids) for a in found.attention]
    assert ("plan_off", (OLU,)) in reasons and ("plan_waiting", (SAM,)) in reasons
    from bot.blocks.digest import attention_line, initiative_text

    lines = [attention_line(a) for a in found.attention]
    assert any(f"<@{OLU}> said something's off in the plan" in line for line in lines)
    assert any(f"<@{SAM}> must sign the plan and has not, past the reminder" in line for line in lines)
    assert "Plan sign-off: 0 of 2 who must sign · something's off: <@U0OLU> · waiting: 1 (1 past the reminder)" in (
        initiative_text(found.initiatives[0])
    )

    with freeze_time(later, tick=True):
        app.workspace.open_home(SAM, event_id="EvPlanHomeSam")
        app.workspace.open_home(LENA, event_id="EvPlanHomeLena")
        app.settle()
    sam_home = app.slack.home_of(SAM)
    assert_valid_view(sam_home)
    assert "Plans waiting for your sign-off" in str(sam_home) and "Sales onboarding refresh* (version 1)" in str(
        sam_home
    )
    lena_home = str(app.slack.home_of(LENA))
    assert "Plan sign-off: 0 of 2 who must sign" in lena_home and "home_plan" in lena_home
    _click(app, SAM, sam, Action.PLAN_MATCHES, at=later + timedelta(hours=1))
    with freeze_time(later + timedelta(hours=2), tick=True):
        app.workspace.open_home(SAM, event_id="EvPlanHomeSam2")
        app.settle()
    assert "Plans waiting for your sign-off" not in str(app.slack.home_of(SAM))


def test_the_workbook_has_the_plans_elements_and_a_sign_off_sheet(checked_in):
    import io

    from openpyxl import load_workbook

    from bot.exports import workbook
    from bot.services import exporting
    from tests.conftest import TEAM

    app, world = checked_in
    overview = plan_blocks.field_block("overview")
    reply = _save(app, _plan_modal(app), {overview: '=HYPERLINK("x") grow the reps'})
    assert reply.status == 200
    world.run(AT + timedelta(minutes=1))
    [sam] = _signoffs_to(app, SAM)
    _click(app, SAM, sam, Action.PLAN_MATCHES)
    out = io.BytesIO()
    with app.db.reading() as session:
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), AT + timedelta(days=1), "Europe/London"), out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    plan = list(wb["Plan"].iter_rows(values_only=True))
    assert any(str(r[0]).startswith("The plan (version 1") for r in plan)
    assert any(str(r[0]).strip() == "Executive overview" and r[1] == '=HYPERLINK("x") grow the reps' for r in plan)
    sheet = list(wb["Sign-off"].iter_rows(values_only=True))
    assert sheet[0][:5] == ("Initiative", "Stakeholder", "Slack user ID", "Plan version", "Must sign")
    statuses = {r[2]: r[7] for r in sheet[1:]}
    assert statuses == {SAM: "signed", OLU: "waiting"}


def test_an_answer_stands_when_slack_refuses_to_update_the_dm(checked_in):
    app, world = checked_in
    sam, _ = _sent_plan(app, world)
    app.slack.fail("chat.update", "internal_error", status=500, times=10)
    _click(app, SAM, sam, Action.PLAN_MATCHES)
    assert {s.user_id: s.state for s in _statuses(app)}[SAM] == signoffs.SIGNED
    assert "You said this matches your plan" not in all_text(app.slack.message(sam.channel, sam.ts))


def test_a_stakeholder_removed_before_sending_is_not_sent_the_plan(checked_in):
    app, world = checked_in
    _save(app, _plan_modal(app))
    with app.db.session() as session:
        olu = next(s for s in session.exec(select(Stakeholder)).all() if s.user_id == OLU)
        pair = next(p for p in session.exec(select(InitiativeStakeholder)).all() if p.stakeholder_id == olu.id)
        pair.removed_at = AT
        session.add(pair)
    world.run(AT + timedelta(minutes=1))
    assert _signoffs_to(app, OLU) == [] and len(_signoffs_to(app, SAM)) == 1
    assert [s.last_error for s in rows(app, PlanSignoff) if s.status == "skipped"] == ["stakeholder_removed"]
