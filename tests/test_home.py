"""The App Home tab end to end: app_home_opened over signed HTTP, the buttons on the tab, and the views published to
the simulated Slack, validated with slack_sdk's models and read for what each person sees."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.blocks import home as home_blocks
from bot.ids import Action, Block, Callback
from bot.services import home
from bot.simulator import FakeSlackApi
from bot.simulator.manifest import MANIFEST_PATH, Manifest, SlackRefused
from bot.simulator.transcript import render_home
from bot.simulator.webapi import TOKEN
from storage.models import (
    Answer,
    Initiative,
    InitiativeStakeholder,
    Measure,
    Reading,
    Shift,
    ShiftRule,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
    saved_id,
)
from tests.conftest import CHECK_INS_OUT, CHRIS, LENA, SAM, TEAM
from tests.flows import open_initiative, rows

AT = CHECK_INS_OUT + timedelta(minutes=10)


def _valid(view: dict) -> View:
    model = View(**view)
    model.validate_json()  # raises on anything Slack would refuse: types, lengths, block counts
    assert model.type == "home" and len(view["blocks"]) <= 100
    return model


def _text(view: dict) -> str:
    return json.dumps(view["blocks"])


def _elements(view: dict, action_id: str) -> list[dict]:
    return [
        e
        for b in view["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
    ]


def _opened(app, user_id: str, event_id: str) -> dict:
    before = len(app.slack.published)
    reply = app.workspace.open_home(user_id, event_id=event_id)
    assert reply.status == 200, reply
    app.settle()
    assert len(app.slack.published) > before, "nothing was published"
    view = app.slack.home_of(user_id)
    _valid(view)
    return view


def _touchpoint(app, user_id: str, status: str, kind: str) -> Touchpoint:
    [person] = [s.id for s in rows(app, Stakeholder) if s.user_id == user_id]
    found = [t for t in rows(app, Touchpoint) if (t.stakeholder_id, t.status, t.kind) == (person, status, kind)]
    assert found, f"no {kind} touchpoint {status} for {user_id}"
    return found[-1]


def test_a_stakeholder_on_two_initiatives_sees_both_answers_from_the_tab_and_skips(checked_in, slack):
    app, _world = checked_in
    with freeze_time(AT, tick=True):
        open_initiative(app, LENA, name="Leadership programme", goal="Managers hold monthly 1:1s", stakeholders=[SAM])
        view = _opened(app, SAM, "EvHome01")
        text = _text(view)
        assert "Sales onboarding refresh" in text and "Leadership programme" in text
        assert "New reps close a deal in their first month" in text and "Time to first deal in Salesforce" in text
        checkin = _touchpoint(app, SAM, TouchpointStatus.SENT, "checkin")
        kickoff = _touchpoint(app, SAM, TouchpointStatus.SENT, "kickoff")
        answers = {e["value"] for e in _elements(view, Action.OPEN_ANSWER)}
        assert answers == {str(checkin.id), str(kickoff.id)}  # each open touchpoint with the DM's own button
        assert [e["value"] for e in _elements(view, Action.SKIP)] == [str(checkin.id)]
        assert len(_elements(view, Action.SNOOZE)) == 1 and _elements(view, Action.HOME_AWAY)

        # Answer from the tab: the DM's listener opens the modal, and the tab is refreshed with the new words.
        before = len(slack.views_for(SAM))
        assert app.workspace.click_home(SAM, Action.OPEN_ANSWER, value=str(kickoff.id)).status == 200
        modal = slack.wait_for(lambda: slack.views_for(SAM)[before:])[0]
        values = {Block.IMPACT: "Fewer regretted leavers <!channel>", Block.TRACKING: "Attrition in Workday"}
        assert app.workspace.submit(SAM, modal, values).status == 200
        app.settle()
        text = _text(slack.home_of(SAM))
        assert "Fewer regretted leavers &lt;!channel&gt;" in text and "<!channel>" not in text
        assert {e["value"] for e in _elements(slack.home_of(SAM), Action.OPEN_ANSWER)} == {str(checkin.id)}

        # Skip from the tab: no message to replace, so what the listener says shows at the top of the tab.
        assert app.workspace.click_home(SAM, Action.SKIP, value=str(checkin.id)).status == 200
        app.settle()
    assert next(t for t in rows(app, Touchpoint) if t.id == checkin.id).status == TouchpointStatus.SKIPPED
    view = slack.home_of(SAM)
    _valid(view)
    assert not _elements(view, Action.SKIP) and "skipped" in view["blocks"][0]["text"]["text"].lower()
    assert any("Home of @" in line for line in render_home(view, {SAM: "Sam"}, SAM))


def test_a_stakeholder_sees_the_measures_they_report(checked_in, slack):
    app, _world = checked_in
    with app.db.session() as session:
        sam = session.exec(select(Stakeholder).where(Stakeholder.user_id == SAM)).one()
        initiative = session.exec(select(Initiative)).first()
        measure = Measure(
            team_id=TEAM,
            initiative_id=initiative.id,
            name="Time to first deal",
            name_key="time to first deal",
            owner_id=sam.id,
            unit="days",
            direction="lower",
            baseline=45,
            target=30,
            target_on=date(2027, 12, 31),
            confirmed_by=LENA,
        )
        session.add(measure)
        session.flush()
        session.add(
            Reading(team_id=TEAM, measure_id=saved_id(measure), value=41, read_on=date(2027, 2, 9), given_by=SAM)
        )
    with freeze_time(AT, tick=True):
        text = _text(_opened(app, SAM, "EvHome02"))
    assert "Time to first deal" in text and "baseline 45 days" in text and "latest 41 days" in text
    assert "target 30 days by Dec 2027" in text


def test_someone_on_nothing_sees_what_touchpoint_is_and_who_to_ask(app, slack):
    view = _opened(app, CHRIS, "EvHome03")
    text = _text(view)
    assert "Welcome to Touchpoint" in text and f"<@{LENA}>" in text
    assert not _elements(view, Action.OPEN_ANSWER)


def test_the_tab_is_published_after_the_ack_never_inside_it(app, slack):
    slack.slow("views.publish", 1.5)
    reply = app.workspace.open_home(CHRIS, event_id="EvHome04")
    assert reply.status == 200 and reply.seconds < 1.0
    app.settle()
    assert slack.home_of(CHRIS) is not None


def _many_initiatives(app, count: int) -> None:
    with app.db.session() as session:
        for n in range(count):
            name = "Ops <!channel> safety" if n == count - 1 else f"Initiative {n:02d}"
            session.add(
                Initiative(
                    team_id=TEAM,
                    name=name,
                    name_key=name.lower(),
                    business_goal="Fewer incidents & <b>near misses</b>",
                    summary_channel_id="C0LDTEAM",
                    created_by=LENA,
                )
            )


def test_an_ld_member_sees_attention_items_and_initiatives_lowest_index_first_paged(app, slack):
    open_initiative(app, LENA, stakeholders=[SAM])
    _many_initiatives(app, home_blocks.PER_PAGE + 6)
    view = _opened(app, LENA, "EvHome05")
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Needs a conversation this week*") and "has no active stakeholders" in sections[0]
    assert sections[1].startswith("*Sales onboarding refresh* · alignment *")  # the only one with an index: first
    assert len(_elements(view, Action.HOME_SCHEDULE)) == home_blocks.PER_PAGE
    assert _elements(view, home_blocks.NEXT_PAGE) and not _elements(view, home_blocks.PREVIOUS_PAGE)
    assert _elements(view, Action.HOME_NEW_INITIATIVE)

    assert app.workspace.click_home(LENA, home_blocks.NEXT_PAGE).status == 200
    app.settle()
    second = slack.home_of(LENA)
    _valid(second)
    assert len(_elements(second, Action.HOME_SCHEDULE)) == 47 - home_blocks.PER_PAGE
    assert _elements(second, home_blocks.PREVIOUS_PAGE) and not _elements(second, home_blocks.NEXT_PAGE)
    text = _text(second)
    assert "Ops &lt;!channel&gt; safety" in text and "<!channel>" not in text and "<b>" not in text


def test_the_ld_members_buttons_open_their_modals(app, slack):
    open_initiative(app, LENA, stakeholders=[SAM])
    [initiative] = rows(app, Initiative)
    _opened(app, LENA, "EvHome06")
    for action_id, value, callback in (
        (Action.HOME_NEW_INITIATIVE, None, Callback.NEW_INITIATIVE),
        (Action.HOME_SCHEDULE, str(initiative.id), Callback.SCHEDULE),
        (Action.HOME_MEASURES, str(initiative.id), Callback.MEASURE),
    ):
        before = len(slack.views_for(LENA))
        assert app.workspace.click_home(LENA, action_id, value=value).status == 200
        opened = slack.wait_for(lambda b=before: slack.views_for(LENA)[b:])[0]
        assert opened["callback_id"] == callback


def test_an_answer_refreshes_the_open_tabs_of_the_stakeholder_and_the_ld_members(app, slack):
    from tests.flows import answer

    open_initiative(app, LENA, stakeholders=[SAM])
    _opened(app, LENA, "EvHome07")
    before = len(slack.published)
    answer(app, SAM, "New reps close a deal in their first month", "Win rate")
    assert [user for user, _ in slack.published[before:]] == [LENA]  # Sam never opened his: nothing for him


def test_the_simulated_slack_holds_the_tab_to_the_manifest():
    manifest = json.loads(MANIFEST_PATH.read_text())
    manifest["features"]["app_home"]["home_tab_enabled"] = False
    off = Manifest.from_dict(manifest)
    with pytest.raises(SlackRefused):
        off.check_delivery({"type": "app_home_opened", "user": SAM, "tab": "home"})
    with FakeSlackApi(TEAM, manifest=off) as api:
        api.add_user(SAM, "Sam Okafor")
        client = WebClient(token=TOKEN, base_url=api.url)
        with pytest.raises(SlackApiError, match="not_enabled"):
            client.views_publish(user_id=SAM, view={"type": "home", "blocks": []})
    with FakeSlackApi(TEAM) as api:
        api.add_user(SAM, "Sam Okafor")
        client = WebClient(token=TOKEN, base_url=api.url)
        for view in ({"type": "modal", "blocks": []}, {"type": "home", "blocks": [{"type": "divider"}] * 101}):
            with pytest.raises(SlackApiError, match="invalid_arguments"):
                client.views_publish(user_id=SAM, view=view)
        with pytest.raises(SlackApiError, match="invalid_arguments"):
            client.views_publish(user_id="", view={"type": "home", "blocks": []})


def _stakeholder_on(db, initiatives: int, user_id: str) -> None:
    with db.session() as session:
        person = Stakeholder(team_id=TEAM, user_id=user_id)
        session.add(person)
        session.flush()
        for n in range(initiatives):
            initiative = Initiative(
                team_id=TEAM,
                name=f"{user_id} {n}",
                name_key=f"{user_id.lower()} {n}",
                business_goal="Goal",
                summary_channel_id="C0LDTEAM",
                created_by=LENA,
            )
            session.add(initiative)
            session.flush()
            session.add(
                InitiativeStakeholder(team_id=TEAM, initiative_id=saved_id(initiative), stakeholder_id=saved_id(person))
            )
            session.add(
                Answer(
                    team_id=TEAM,
                    initiative_id=saved_id(initiative),
                    stakeholder_id=saved_id(person),
                    question="impact",
                    text="More",
                    version=1,
                )
            )
            measure = Measure(
                team_id=TEAM,
                initiative_id=saved_id(initiative),
                name="Win rate",
                name_key="win rate",
                owner_id=saved_id(person),
                confirmed_by=LENA,
            )
            session.add(measure)
            session.flush()
            session.add(
                Reading(team_id=TEAM, measure_id=saved_id(measure), value=n, read_on=date(2027, 1, 1), given_by=LENA)
            )
            session.add(
                Touchpoint(
                    team_id=TEAM,
                    initiative_id=saved_id(initiative),
                    stakeholder_id=saved_id(person),
                    kind="checkin",
                    period="2027-02",
                    status=TouchpointStatus.SENT,
                )
            )


def _queries_for(db, user_id: str) -> tuple[int, home.StakeholderHome]:
    count = 0

    def counted(*_args) -> None:
        nonlocal count
        count += 1

    event.listen(Engine, "before_cursor_execute", counted)
    try:
        with db.reading() as session:
            found = home.stakeholder_home(session, TEAM, user_id, "UTC")
    finally:
        event.remove(Engine, "before_cursor_execute", counted)
    return count, found


def test_a_stakeholders_home_takes_the_same_number_of_queries_however_many_initiatives(db):
    _stakeholder_on(db, 1, "U0ONE")
    _stakeholder_on(db, 12, "U0TWELVE")
    one, found_one = _queries_for(db, "U0ONE")
    twelve, found_twelve = _queries_for(db, "U0TWELVE")
    assert len(found_one.initiatives) == 1 and len(found_twelve.initiatives) == 12
    assert all(i.impact and i.measures and i.open_touchpoint for i in found_twelve.initiatives)
    assert one == twelve <= 8


def test_a_stakeholder_says_they_are_away_and_exports_their_answers_from_the_tab(app, slack):
    open_initiative(app, LENA, stakeholders=[SAM])
    _opened(app, SAM, "EvHome08")
    assert app.workspace.click_home(SAM, Action.HOME_AWAY, day="2027-01-20").status == 200
    app.settle()
    [sam] = [s for s in rows(app, Stakeholder) if s.user_id == SAM]
    assert sam.paused_until == date(2027, 1, 20)
    view = slack.home_of(SAM)
    _valid(view)
    assert "no touchpoints for you until after" in view["blocks"][0]["text"]["text"]
    assert "until after 20 Jan 2027" in _text(view)
    assert app.workspace.click_home(SAM, Action.HOME_EXPORT_MINE).status == 200
    app.settle()
    [workbook] = [m for m in slack.messages_in(slack.dm_channel(SAM)) if m.files]  # `export mine`, in their DM
    assert slack.files[workbook.files[0]]["name"].endswith(".xlsx")


def _accessories(view: dict, action_id: str) -> list[dict]:
    return [
        b["accessory"]
        for b in view["blocks"]
        if b.get("type") == "section" and (b.get("accessory") or {}).get("action_id") == action_id
    ]


def test_a_stakeholder_revises_their_impact_from_the_tab_as_a_new_version_checked_for_shifts(checked_in, slack):
    app, _world = checked_in
    [initiative] = rows(app, Initiative)
    with freeze_time(AT, tick=True):
        view = _opened(app, SAM, "EvHome09")
        assert [b["value"] for b in _accessories(view, Action.HOME_REVISE)] == [str(initiative.id)]
        before = len(slack.views_for(SAM))
        assert app.workspace.click_home(SAM, Action.HOME_REVISE, value=str(initiative.id)).status == 200
        modal = slack.wait_for(lambda: slack.views_for(SAM)[before:])[0]
        assert modal["callback_id"] == Callback.ANSWER
        prefilled = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"}
        assert prefilled[Block.IMPACT] == "New reps close a deal in their first month"
        values = {Block.IMPACT: "Fewer regretted leavers among senior engineers", Block.TRACKING: "Attrition"}
        refused = app.workspace.submit(SAM, modal, values).json()  # they changed it: do they want something else?
        assert refused["response_action"] == "errors" and Block.IMPACT_JUDGEMENT in refused["errors"]
        values[Block.IMPACT_JUDGEMENT] = "changed"
        assert app.workspace.submit(SAM, modal, values).status == 200
        app.settle()
    [sam] = [s for s in rows(app, Stakeholder) if s.user_id == SAM]
    impact = sorted(
        (a.version, a.text) for a in rows(app, Answer) if a.stakeholder_id == sam.id and a.question == "impact"
    )
    assert impact == [(1, "New reps close a deal in their first month"), (2, values[Block.IMPACT])]
    rules = {s.rule for s in rows(app, Shift) if s.stakeholder_id == sam.id}
    assert ShiftRule.IMPACT_REVISED in rules  # and the measures they named differently
    assert values[Block.IMPACT] in _text(slack.home_of(SAM))


def test_a_stakeholder_snoozes_their_check_in_from_the_tab(checked_in, slack):
    app, _world = checked_in
    with freeze_time(AT, tick=True):
        _opened(app, SAM, "EvHome10")
        checkin = _touchpoint(app, SAM, TouchpointStatus.SENT, "checkin")
        assert app.workspace.click_home(SAM, Action.SNOOZE, option=f"{checkin.id}:7").status == 200
        app.settle()
    snoozed = next(t for t in rows(app, Touchpoint) if t.id == checkin.id)
    assert snoozed.status == TouchpointStatus.SENT and snoozed.remind_at.date() >= (AT + timedelta(days=7)).date()
    view = slack.home_of(SAM)
    _valid(view)
    assert view["blocks"][0]["text"]["text"].startswith("Snoozed. I'll remind you")


def test_an_ld_member_exports_one_initiative_from_the_tab(app, slack):
    open_initiative(app, LENA, stakeholders=[SAM])
    [initiative] = rows(app, Initiative)
    _opened(app, LENA, "EvHome11")
    assert app.workspace.click_home(LENA, Action.HOME_EXPORT, value=str(initiative.id)).status == 200
    app.settle()
    view = slack.home_of(LENA)
    assert "Building the workbook of Sales onboarding refresh" in view["blocks"][0]["text"]["text"]
    [workbook] = [m for m in slack.messages_in(slack.dm_channel(LENA)) if m.files]
    assert slack.files[workbook.files[0]]["name"].endswith(".xlsx")


def test_an_ld_member_who_is_a_stakeholder_sees_their_own_initiatives_then_the_teams(app, slack):
    _stakeholder_on(app.db, 20, LENA)  # more of her own than fit beside the team's
    _many_initiatives(app, 30)
    view = _opened(app, LENA, "EvHome12")  # validated: at most 100 blocks
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Your initiatives*")
    assert "*The L&D team's initiatives*" in sections
    assert sections.index("*The L&D team's initiatives*") < next(
        n for n, s in enumerate(sections) if s.startswith("*Needs a conversation this week*")
    )
    assert "more initiatives: `/touchpoint export mine`" in _text(view)
    assert len(_elements(view, Action.HOME_SCHEDULE)) == home_blocks.PER_PAGE_BESIDE_OWN
    assert _elements(view, home_blocks.NEXT_PAGE) and _elements(view, Action.OPEN_ANSWER)


def test_the_clock_publishes_the_ld_members_homes_after_a_pass_that_changed_them(slack, db):
    from bot.access import LdTeam
    from bot.app import home_tabs
    from bot.jobs import BackgroundJobs
    from bot.services.team_settings import TeamDefaults
    from schedules.touchpoint_pass import run_pass
    from storage.types import utcnow
    from tests.conftest import WORKING_AFTERNOON, make_settings
    from tests.scheduling_world import World

    world = World.make(slack, db)
    settings = make_settings(slack, db)
    defaults = TeamDefaults(settings.ld_channel_id, settings.ld_admin_user_ids, settings.ld_usergroup_id)
    ld_team = LdTeam(db, defaults, world.outbound.slack)
    homes = home_tabs(settings, db, world.outbound.slack, BackgroundJobs(workers=1), ld_team, utcnow)
    world.open(WORKING_AFTERNOON, {SAM: "America/New_York"}, send=False)
    with freeze_time(WORKING_AFTERNOON + timedelta(minutes=1)):
        report = run_pass(world.outbound, world.settings, homes)  # the kickoff goes out: the Home's picture moved
    assert report.sent == 1 and report.homes == len(settings.ld_admin_user_ids)
    assert sorted(user for user, _ in slack.published) == sorted(settings.ld_admin_user_ids)
    view = slack.home_of(LENA)
    _valid(view)
    assert "Sales onboarding refresh" in _text(view)
    before = len(slack.published)
    with freeze_time(WORKING_AFTERNOON + timedelta(minutes=2)):
        report = run_pass(world.outbound, world.settings, homes)  # nothing changed: nothing published
    assert report.homes == 0 and len(slack.published) == before
