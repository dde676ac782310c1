"""Telling an initiative's owner (or whoever asked) what went wrong on the way out: delivery reports and posts
that could not be made."""

from __future__ import annotations

import logging

from bot.blocks import Message
from bot.blocks import touchpoints as blocks
from bot.slack.errors import SlackCallFailed
from bot.usecases.outbound import Outbound

logger = logging.getLogger(__name__)


def tell(out: Outbound, user_id: str, message: Message) -> None:
    """DM someone; a failure is logged, never raised (the notice is about a failure already)."""
    try:
        out.slack.post(user_id, message.text, message.blocks)
    except SlackCallFailed:
        logger.exception("could not tell %s about a delivery problem", user_id)


def delivery_report(out: Outbound, owner: str, initiative_name: str, people: list[tuple[str, str]]) -> None:
    """Which stakeholders of an initiative did not get their DM, and why."""
    tell(out, owner, blocks.delivery_report(initiative_name, people))


def summary_not_posted(out: Outbound, owner: str, initiative_name: str, channel_id: str, why: str) -> None:
    tell(out, owner, blocks.summary_not_posted(initiative_name, channel_id, why))
