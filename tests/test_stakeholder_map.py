"""The stakeholder map end to end: the Home tab's "Stakeholder map" button, the modal (validated with slack_sdk's
models), where each stakeholder sits and which touchpoints follow, and the change log."""

from __future__ import annotations

from slack_sdk.models.views import View

from bot.blocks import stakeholder_map as map_blocks
from bot.ids import Action, Callback
from bot.services.stakeholder_map import CadenceChoice, Quadrant, cadence_of, pair_cadence
from storage.models import ChangeKind, Initiative, InitiativeChange, InitiativeStakeholder, Stakeholder
from tests.conftest import LENA, MEI, SAM
from tests.flows import open_initiative, rows


def _map_modal(app, user_id: str = LENA) -> dict:
    [initiative] = rows(app, Initiative)
    assert app.workspace.open_home(user_id, event_id=f"EvMap{len(app.slack.published)}").status == 200
    app.settle()
    before = len(app.slack.views_for(user_id))
    assert app.workspace.click_home(user_id, Action.HOME_MAP, value=str(initiative.id)).status == 200
    view = app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]
    View(**view).validate_json()  # raises on anything Slack would refuse
    assert view["callback_id"] == Callback.STAKEHOLDER_MAP
    return view


def _pairs(app) -> dict[str, InitiativeStakeholder]:
    people = {s.id: s.user_id for s in rows(app, Stakeholder)}
    return {people[p.stakeholder_id]: p for p in rows(app, InitiativeStakeholder)}


def test_every_stakeholder_starts_managed_closely_with_check_ins_and_reviews(app):
    open_initiative(app, LENA, stakeholders=[SAM, MEI])
    pairs = _pairs(app)
    assert {(p.influence, p.interest, p.cadence) for p in pairs.values()} == {("high", "high", "quadrant")}
    assert {pair_cadence(p) for p in pairs.values()} == {CadenceChoice.CHECKINS_AND_REVIEWS}
    view = _map_modal(app)
    initial = {b["block_id"]: b["element"]["initial_option"]["value"] for b in view["blocks"] if b["type"] == "input"}
    assert initial[map_blocks.quadrant_block(pairs[MEI].id or 0)] == Quadrant.MANAGE_CLOSELY
    assert initial[map_blocks.cadence_block(pairs[MEI].id or 0)] == CadenceChoice.QUADRANT


def test_an_ld_member_puts_a_stakeholder_in_a_quadrant_and_the_change_is_logged(app):
    open_initiative(app, LENA, stakeholders=[SAM, MEI])
    pairs = _pairs(app)
    view = _map_modal(app)
    reply = app.workspace.submit(
        LENA,
        view,
        {
            map_blocks.quadrant_block(pairs[MEI].id or 0): Quadrant.KEEP_INFORMED,
            map_blocks.quadrant_block(pairs[SAM].id or 0): Quadrant.KEEP_SATISFIED,
            map_blocks.cadence_block(pairs[SAM].id or 0): CadenceChoice.CHECKINS_AND_REVIEWS,
        },
    )
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply
    assert "Saved the stakeholder map" in reply.body
    pairs = _pairs(app)
    assert (pairs[MEI].influence, pairs[MEI].interest, pairs[MEI].cadence) == ("low", "high", "quadrant")
    assert pair_cadence(pairs[MEI]) == CadenceChoice.STATUS_ONLY
    assert (pairs[SAM].influence, pairs[SAM].interest) == ("high", "low")
    assert pair_cadence(pairs[SAM]) == CadenceChoice.CHECKINS_AND_REVIEWS  # the override beats the quadrant
    logged = [c for c in rows(app, InitiativeChange) if c.kind == ChangeKind.STAKEHOLDER_MAP]
    assert len(logged) == 2 and {c.changed_by for c in logged} == {LENA}
    assert any("Mei" in c.text and "Keep informed" in c.text for c in logged), [c.text for c in logged]
    # Saving the same places again changes nothing and logs nothing.
    again = app.workspace.submit(LENA, _map_modal(app), {})
    assert "Nothing changed" in again.body
    assert len([c for c in rows(app, InitiativeChange) if c.kind == ChangeKind.STAKEHOLDER_MAP]) == 2


def test_a_choice_that_was_never_offered_is_refused_under_its_field(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    [pair] = rows(app, InitiativeStakeholder)
    view = _map_modal(app)
    block = map_blocks.quadrant_block(pair.id or 0)
    for element in (b["element"] for b in view["blocks"] if b.get("block_id") == block):
        element["options"].append({"text": {"type": "plain_text", "text": "Boss"}, "value": "boss"})
    reply = app.workspace.submit(LENA, view, {block: "boss"})
    assert reply.json() == {"response_action": "errors", "errors": {block: "Choose where they sit on the map."}}
    assert rows(app, InitiativeStakeholder)[0].influence == "high"


def test_the_map_is_for_ld_members_only(app):
    from tests.conftest import CHRIS

    open_initiative(app, LENA, stakeholders=[SAM])
    [pair] = rows(app, InitiativeStakeholder)
    view = _map_modal(app)
    reply = app.workspace.submit(CHRIS, view, {map_blocks.quadrant_block(pair.id or 0): Quadrant.MONITOR})
    assert reply.status == 200
    assert rows(app, InitiativeStakeholder)[0].influence == "high"
    assert not [c for c in rows(app, InitiativeChange) if c.kind == ChangeKind.STAKEHOLDER_MAP]


def test_each_quadrant_has_its_cadence_and_an_override_wins():
    assert cadence_of("high", "high", "quadrant") == CadenceChoice.CHECKINS_AND_REVIEWS
    assert cadence_of("high", "low", "quadrant") == CadenceChoice.REVIEWS_ONLY
    assert cadence_of("low", "high", "quadrant") == CadenceChoice.STATUS_ONLY
    assert cadence_of("low", "low", "quadrant") == CadenceChoice.REVIEWS_ONLY
    assert cadence_of("low", "low", "checkins_reviews") == CadenceChoice.CHECKINS_AND_REVIEWS
    assert cadence_of("high", "high", "status") == CadenceChoice.STATUS_ONLY


def test_the_modal_for_the_most_stakeholders_an_initiative_can_have_is_within_slacks_limits():
    from bot.limits import STAKEHOLDERS_MAX
    from bot.services.stakeholder_map import Place, StakeholderMap

    places = tuple(
        Place(n, n, f"U{n:08d}", "<!channel> " + "x" * 190, "low", "high", "reviews") for n in range(STAKEHOLDERS_MAX)
    )
    view = map_blocks.map_modal(StakeholderMap(7, "&" * 80, places))
    view.validate_json()  # raises on anything Slack would refuse
    assert len(view.blocks) == 1 + 2 * STAKEHOLDERS_MAX <= 100
    assert "<!channel>" not in view.to_dict()["blocks"][0]["text"]["text"]
