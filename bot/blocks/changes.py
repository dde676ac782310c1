"""What Touchpoint says when an initiative changes: to the L&D member who changed it, and in the DMs of touchpoints
closed by the change."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.blocks import Message
from bot.blocks.common import escape, section
from bot.blocks.initiatives import ask_lines
from bot.services.changes import Changed, ClosedDm
from bot.services.touchpoints import describe


def closed_dm(item: ClosedDm) -> Message:
    """A touchpoint's DM once its initiative closed or its stakeholder was removed: nothing more to answer."""
    why = "you are no longer one of its stakeholders" if item.removed else "the L&D team has closed the initiative"
    text = f"This {describe(item.kind)} for *{escape(item.initiative_name)}* is closed: {why}. Thank you for your time."
    return Message(text=f"{escape(item.initiative_name)}: {describe(item.kind)} closed", blocks=[section(text)])


def changed(change: Changed, now: datetime) -> Message:
    """The L&D member who made a change: what was recorded, and when each stakeholder added will be asked."""
    name = escape(change.initiative.name)
    if not change.lines:
        return Message(text=f"{name}: nothing changed", blocks=[section(f"Nothing changed in *{name}*.")])
    lines = "\n".join(f"• {escape(line)}" for line in change.lines)
    blocks: list[Block] = [section(f"*{name}* changed (recorded in its change log):\n{lines}")]
    if change.initiative.asks:
        blocks.append(
            section(
                "Stakeholders added get the first two questions at a sensible hour of their own day:\n"
                + ask_lines(change.initiative.asks, now)
            )
        )
    return Message(text=f"{name} changed: " + "; ".join(escape(line) for line in change.lines), blocks=blocks)


def retired(line: str) -> Message:
    return Message(text=escape(line), blocks=[section(f"{escape(line)}. Its readings stay in the exports.")])
