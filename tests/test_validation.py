"""Modal input is validated inline, with messages a person can act on; nothing is stored until it is right."""

from __future__ import annotations

from bot.ids import Block
from tests.conftest import APPBOT, GONE, LENA, OLU, PRIYA, SAM
from tests.flows import answer, open_initiative, stored_counts


def _errors(reply) -> dict:
    body = reply.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def test_name_goal_and_stakeholders_are_required(app):
    errors = _errors(open_initiative(app, LENA, name="   ", goal="", stakeholders=[]))
    assert set(errors) == {Block.NAME, Block.GOAL, Block.STAKEHOLDERS}
    assert "name" in errors[Block.NAME] and "stakeholder" in errors[Block.STAKEHOLDERS]
    assert stored_counts(app) == (0, 0, 0)


def test_over_long_values_are_refused_with_the_limit(app):
    # Slack's max_length stops this in the client; a request that skips the client still gets an answer.
    errors = _errors(
        open_initiative(app, LENA, name="N" * 81, goal="G" * 301, description="D" * 2001, stakeholders=[SAM])
    )
    assert "80 characters (it has 81)" in errors[Block.NAME]
    assert "300 characters" in errors[Block.GOAL]
    assert "2000 characters" in errors[Block.DESCRIPTION]
    assert stored_counts(app) == (0, 0, 0)


def test_a_name_already_used_is_refused_whatever_its_case_and_spacing(app):
    assert open_initiative(app, LENA, name="Sales Onboarding", stakeholders=[SAM]).body == ""
    errors = _errors(open_initiative(app, PRIYA, name="  sales   ONBOARDING ", stakeholders=[OLU]))
    assert errors == {Block.NAME: "An initiative called “sales   ONBOARDING” already exists. Choose another name."}
    assert stored_counts(app)[0] == 1


def test_apps_and_deactivated_people_cannot_be_stakeholders(app):
    errors = _errors(open_initiative(app, LENA, stakeholders=[SAM, APPBOT]))
    assert errors[Block.STAKEHOLDERS] == f"<@{APPBOT}> is an app: stakeholders must be people."
    errors = _errors(open_initiative(app, LENA, stakeholders=[GONE, SAM]))
    assert errors[Block.STAKEHOLDERS] == f"<@{GONE}> is deactivated in Slack. Remove them to continue."
    assert stored_counts(app) == (0, 0, 0)
    assert not app.slack.calls_to("chat.postMessage")


def test_too_many_stakeholders_are_refused(app, slack):
    many = [f"U0MANY{n:03d}" for n in range(26)]
    for user_id in many:
        slack.add_user(user_id, f"Person {user_id}")
    errors = _errors(open_initiative(app, LENA, stakeholders=many))
    assert errors[Block.STAKEHOLDERS] == "Choose at most 25 stakeholders."


def test_answers_cannot_be_empty_or_over_long(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    _, reply = answer(app, SAM, "  ", "x" * 2001)
    errors = _errors(reply)
    assert "a few words" in errors[Block.IMPACT]
    assert "2000 characters (it has 2001)" in errors[Block.TRACKING]
    assert stored_counts(app)[2] == 0
