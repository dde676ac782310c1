"""Initiatives change after they open (issue 12, part 3): edited with the new-initiative modal pre-filled and its
validation, stakeholders added (kicked off like the first ones) and removed (asked nothing more, no longer counted),
closed and reopened, measures retired; every change in the change log. Driven through the app's front door."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from slack_sdk.models.views import View

from bot.ids import Block, Callback
from bot.services import alignment
from storage.models import (
    ChangeKind,
    Initiative,
    InitiativeChange,
    InitiativeStakeholder,
    Measure,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from tests.conftest import LENA, MEI, OLU, PRIYA, SAM, TEAM, WORKING_AFTERNOON
from tests.flows import all_text, answer, kickoff_dm, open_initiative, rows

NAME = "Sales onboarding refresh"


def _edit_modal(app, user_id: str = LENA, name: str = NAME) -> dict:
    before = len(app.slack.views_for(user_id))
    reply = app.workspace.slash(user_id, f"edit {name}")
    assert reply.status == 200, reply
    return app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]


def _edit(app, values: dict, user_id: str = LENA):
    reply = app.workspace.submit(user_id, _edit_modal(app, user_id), values)
    app.settle()
    return reply


def _changes(app) -> list[tuple[str, str]]:
    return [(c.kind, c.text) for c in rows(app, InitiativeChange)]


def _touchpoints(app, user_id: str) -> list[Touchpoint]:
    [person] = [s for s in rows(app, Stakeholder) if s.user_id == user_id]
    return [t for t in rows(app, Touchpoint) if t.stakeholder_id == person.id]


def _said_to(app, user_id: str) -> str:
    return "\n".join(all_text(m) for m in app.slack.messages_in(app.slack.dm_channel(user_id)))


def test_the_edit_modal_is_the_new_modal_pre_filled_and_a_valid_view(app):
    open_initiative(app, LENA, stakeholders=[SAM, OLU], description="Six weeks, blended")
    view = _edit_modal(app)
    View(**view).validate_json()  # within Block Kit's limits
    assert view["callback_id"] == Callback.EDIT_INITIATIVE
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {Block.NAME, Block.GOAL, Block.DESCRIPTION, Block.STAKEHOLDERS, Block.CHANNEL, Block.STATUS}
    assert inputs[Block.NAME]["initial_value"] == NAME
    assert inputs[Block.DESCRIPTION]["initial_value"] == "Six weeks, blended"
    assert inputs[Block.STAKEHOLDERS]["initial_users"] == [SAM, OLU]
    assert inputs[Block.STATUS]["initial_option"]["value"] == "open"


def test_editing_changes_the_initiative_and_records_who_when_and_what(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    reply = _edit(app, {Block.NAME: "Sales onboarding 2027", Block.GOAL: "Reps reach quota in 4 months"}, PRIYA)
    assert reply.status == 200 and reply.body == ""
    [initiative] = rows(app, Initiative)
    assert (initiative.name, initiative.business_goal) == ("Sales onboarding 2027", "Reps reach quota in 4 months")
    changes = rows(app, InitiativeChange)
    assert [c.kind for c in changes] == [ChangeKind.RENAMED, ChangeKind.GOAL]
    assert all(c.changed_by == PRIYA and c.team_id == TEAM for c in changes)
    assert all(abs(c.changed_at - WORKING_AFTERNOON) < timedelta(minutes=5) for c in changes)
    assert "Renamed from “Sales onboarding refresh” to “Sales onboarding 2027”" in _said_to(app, PRIYA)


def test_an_edit_is_validated_like_a_new_initiative(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    open_initiative(app, LENA, name="Leadership programme", stakeholders=[OLU])
    taken = _edit(app, {Block.NAME: "leadership PROGRAMME"})
    assert taken.status == 200 and Block.NAME in taken.json()["errors"]
    empty = _edit(app, {Block.GOAL: "  ", Block.STAKEHOLDERS: []})
    assert set(empty.json()["errors"]) == {Block.GOAL, Block.STAKEHOLDERS}
    same = _edit(app, {Block.NAME: "SALES onboarding refresh"})  # its own name, in another case, is free
    assert same.body == ""
    assert [c.kind for c in rows(app, InitiativeChange)] == [ChangeKind.RENAMED]


def test_a_stakeholder_added_gets_the_kickoff_at_a_sensible_hour_of_their_day(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    _edit(app, {Block.STAKEHOLDERS: [SAM, OLU, MEI]})
    assert "What impact do you want this initiative to have?" in all_text(kickoff_dm(app, OLU))  # London: now
    [mei_kickoff] = _touchpoints(app, MEI)  # Tokyo, past midnight: their next working morning
    assert mei_kickoff.kind == TouchpointKind.KICKOFF and mei_kickoff.status == TouchpointStatus.PENDING
    assert mei_kickoff.due_at > WORKING_AFTERNOON
    assert len(app.slack.messages_in(app.slack.dm_channel(SAM))) == 1  # nothing new for those already on it
    told = _said_to(app, LENA)
    assert f"<@{OLU}>: now" in told and f"<@{MEI}>: " in told and "(Asia/Tokyo)" in told
    assert [c.kind for c in rows(app, InitiativeChange)] == [ChangeKind.STAKEHOLDER_ADDED] * 2


def test_a_stakeholder_removed_is_asked_nothing_more_and_no_longer_counted(app):
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    answer(app, SAM, "New reps close a deal in their first month", "Time to first deal")
    _edit(app, {Block.STAKEHOLDERS: [OLU]})
    [kickoff] = _touchpoints(app, SAM)
    assert kickoff.status == TouchpointStatus.ANSWERED  # what they said stays
    pair = {p.stakeholder_id: p for p in rows(app, InitiativeStakeholder)}[kickoff.stakeholder_id]
    assert pair.removed_at is not None
    _edit(app, {Block.STAKEHOLDERS: [SAM]})  # Olu out, Sam back
    [olu_kickoff] = _touchpoints(app, OLU)
    assert olu_kickoff.status == TouchpointStatus.CLOSED
    dm = kickoff_dm(app, OLU)
    assert "no longer one of its stakeholders" in all_text(dm) and not [b for b in dm.blocks if b["type"] == "actions"]
    with app.db.reading() as session:
        [index] = alignment.for_team(session, TEAM, WORKING_AFTERNOON).values()
    assert "1 of 1" in " ".join(p.detail for p in index.parts)  # Olu is not counted
    kinds = [c.kind for c in rows(app, InitiativeChange)]
    assert kinds == [ChangeKind.STAKEHOLDER_REMOVED, ChangeKind.STAKEHOLDER_REMOVED, ChangeKind.STAKEHOLDER_ADDED]
    assert len(app.slack.messages_in(app.slack.dm_channel(SAM))) == 1  # back, with their kickoff answered: no kickoff


def test_the_responses_of_a_removed_stakeholder_leave_the_index(app):
    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    answer(app, SAM, "New reps close a deal in their first month", "Time to first deal")
    answer(app, OLU, "Fewer handovers dropped", "Handover tickets")

    def responses() -> str:
        with app.db.reading() as session:
            [index] = alignment.for_team(session, TEAM, WORKING_AFTERNOON + timedelta(hours=1)).values()
        return next(p.detail for p in index.parts if p.label == "Responses")

    assert responses().startswith("2 of 2 touchpoints answered")
    _edit(app, {Block.STAKEHOLDERS: [SAM]})
    assert responses().startswith("1 of 1 touchpoints answered")  # Olu's answered kickoff no longer counts


def test_closing_stops_every_touchpoint_and_reopening_asks_afresh(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    closed = app.workspace.slash(LENA, f"close {NAME}")
    app.settle()
    assert "Closed" in closed.json()["text"]
    [initiative] = rows(app, Initiative)
    [kickoff] = _touchpoints(app, SAM)
    assert not initiative.active and kickoff.status == TouchpointStatus.CLOSED
    assert "has closed the initiative" in all_text(kickoff_dm(app, SAM))
    assert NAME not in app.workspace.slash(LENA, "list").json()["text"]
    listed = app.workspace.slash(LENA, "list --all").json()["text"]
    assert f"{NAME} (closed)" in listed
    again = app.workspace.slash(LENA, f"close {NAME}")
    assert "already closed" in again.json()["text"]

    with freeze_time(WORKING_AFTERNOON + timedelta(days=1), tick=True):
        reopened = app.workspace.slash(LENA, f"reopen {NAME}")
        app.settle()
    assert "Reopened" in reopened.json()["text"]
    [kickoff] = _touchpoints(app, SAM)
    assert rows(app, Initiative)[0].active and kickoff.status == TouchpointStatus.SENT  # asked afresh, once
    assert len(app.slack.messages_in(app.slack.dm_channel(SAM))) == 2
    assert [c.kind for c in rows(app, InitiativeChange)] == [ChangeKind.CLOSED, ChangeKind.REOPENED]


def test_the_edit_modal_closes_an_initiative(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    _edit(app, {Block.STATUS: "closed"})
    assert not rows(app, Initiative)[0].active
    assert _edit_modal(app)["blocks"][-1]["element"]["initial_option"]["value"] == "closed"


def test_retiring_a_measure_stops_its_readings_and_is_recorded(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    [initiative], [sam] = rows(app, Initiative), rows(app, Stakeholder)
    with app.db.session() as session:
        session.add(
            Measure(
                team_id=TEAM,
                initiative_id=initiative.id,
                name="Ramp time",
                name_key="ramp time",
                owner_id=sam.id,
                confirmed_by=LENA,
            )
        )
    reply = app.workspace.slash(LENA, f"retire {NAME} / ramp TIME")
    assert "retired" in reply.json()["text"]
    assert [m.active for m in rows(app, Measure)] == [False]
    assert _changes(app) == [(ChangeKind.MEASURE_RETIRED, "Success measure “Ramp time” retired")]
    assert "already retired" in app.workspace.slash(LENA, f"retire {NAME} / Ramp time").json()["text"]


def test_only_the_ld_team_changes_initiatives(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    for text in (f"edit {NAME}", f"close {NAME}", f"reopen {NAME}", f"retire {NAME} / x"):
        reply = app.workspace.slash(SAM, text)
        assert "only the L&amp;D team" in reply.json()["text"], text
    assert rows(app, Initiative)[0].active and rows(app, InitiativeChange) == []


def test_the_workbook_keeps_removed_stakeholders_and_retired_measures_and_shows_every_change(app):
    import io

    from openpyxl import load_workbook

    from bot.exports import workbook
    from bot.services import exporting

    open_initiative(app, LENA, stakeholders=[SAM, OLU])
    answer(app, OLU, "Fewer lost deals", "Win rate")
    [initiative] = rows(app, Initiative)
    olu = next(s for s in rows(app, Stakeholder) if s.user_id == OLU)
    with app.db.session() as session:
        session.add(
            Measure(
                team_id=TEAM,
                initiative_id=initiative.id,
                name="Win rate",
                name_key="win rate",
                owner_id=olu.id,
                confirmed_by=LENA,
            )
        )
    app.workspace.slash(LENA, f"retire {NAME} / Win rate")
    _edit(app, {Block.STAKEHOLDERS: [SAM]})
    out = io.BytesIO()
    with app.db.reading() as session:
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), WORKING_AFTERNOON, "Europe/London"), out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    people = {r[1]: r for r in wb["Stakeholders"].iter_rows(min_row=2, values_only=True)}
    assert people[SAM][5] is None and people[OLU][5] is not None  # Olu: removed on that day
    assert [r[3] for r in wb["Answers"].iter_rows(min_row=2, values_only=True)].count(None) == 0
    assert len(list(wb["Answers"].iter_rows(min_row=2))) == 2  # what Olu said stays
    [measure] = list(wb["Measures"].iter_rows(min_row=2, values_only=True))
    assert (measure[1], measure[10]) == ("Win rate", "retired")
    changes = list(wb["Changes"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3]) for r in changes] == [
        (NAME, LENA, "measure retired"),
        (NAME, LENA, "stakeholder removed"),
    ]
    assert "Olu" in changes[1][4]
