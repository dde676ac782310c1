"""Steps of the core loop as people take them, shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any

from freezegun import freeze_time
from sqlmodel import select

from bot.ids import Action, Block
from bot.simulator.webapi import Message
from storage.models import Answer, Initiative, Touchpoint
from tests.conftest import Running


def open_initiative(
    app: Running,
    user_id: str,
    *,
    name: str = "Sales onboarding refresh",
    goal: str = "New reps reach quota in 4 months, not 6",
    stakeholders: list[str],
    description: str = "",
    channel: str | None = None,
):
    """`/touchpoint new`, fill the modal, submit; returns the submission's reply."""
    before = len(app.slack.views_for(user_id))
    reply = app.workspace.slash(user_id, "new")
    assert reply.status == 200, reply
    view = app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]
    values: dict[str, Any] = {
        Block.NAME: name,
        Block.GOAL: goal,
        Block.STAKEHOLDERS: stakeholders,
        Block.DESCRIPTION: description,
    }
    if channel:
        values[Block.CHANNEL] = channel
    reply = app.workspace.submit(user_id, view, values)
    app.settle()
    return reply


def kickoff_dm(app: Running, user_id: str) -> Message:
    messages = app.slack.messages_in(app.slack.dm_channel(user_id))
    assert len(messages) == 1, f"{user_id} has {len(messages)} DMs"
    return messages[0]


def answer(
    app: Running, user_id: str, impact: str, tracking: str, *, dm: Message | None = None, judged: str | None = None
):
    """Click the DM's button, fill the answer modal, submit; returns (the modal as opened, the submission's reply).
    `judged`: the answer to "has what you want changed, or only its wording?" (ImpactJudgement) when revising."""
    dm = dm or kickoff_dm(app, user_id)
    before = len(app.slack.views_for(user_id))
    click = app.workspace.click(user_id, dm.channel, dm.ts, Action.OPEN_ANSWER)
    assert click.status == 200, click
    view = app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]
    values: dict[str, Any] = {Block.IMPACT: impact, Block.TRACKING: tracking}
    if judged is not None:
        values[Block.IMPACT_JUDGEMENT] = judged
    reply = app.workspace.submit(user_id, view, values)
    app.settle()
    return view, reply


def open_form(app: Running, user_id: str, dm: Message, at) -> dict:
    """Click Answer in a touchpoint's DM at `at` (a frozen, ticking clock); returns the modal Slack opened."""
    with freeze_time(at, tick=True):
        before = len(app.slack.views_for(user_id))
        app.workspace.click(user_id, dm.channel, dm.ts, Action.OPEN_ANSWER)
        return app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]


def submit_form(app: Running, user_id: str, view: dict, values: dict, at):
    """Submit an answer modal at `at` and wait for what follows; returns Slack's reply to the submission."""
    with freeze_time(at, tick=True):
        reply = app.workspace.submit(user_id, view, values)
        app.settle()
    return reply


def rows(app: Running, model) -> list:
    with app.db.session() as session:
        return list(session.exec(select(model)).all())


def stored_counts(app: Running) -> tuple[int, int, int]:
    return len(rows(app, Initiative)), len(rows(app, Touchpoint)), len(rows(app, Answer))


def all_text(message: Message) -> str:
    """Every piece of text in a message's blocks, for asserting on what a person reads."""
    parts = [message.text]

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.blocks)
    return "\n".join(parts)


def notices_to(slack, user_id: str) -> list:
    """What an L&D member was told in their DM, besides the usual note of when each stakeholder is asked."""
    return [
        m for m in slack.messages_in(slack.dm_channel(user_id)) if "is open. Its stakeholders get" not in all_text(m)
    ]
