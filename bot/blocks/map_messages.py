"""The stakeholder map's DMs: a keep-informed stakeholder's status update (nothing to answer), and the alert an
initiative's owner gets about a high-influence stakeholder."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks import Message
from bot.blocks.common import context, escape, mention, section, shorten
from bot.blocks.measures import describe
from bot.services.map_messages import MapDm
from storage.models import MapMessageKind

STATEMENTS_SHOWN = 10
MEASURES_SHOWN = 10
QUOTE_MAX = 300
TEXT_MAX = 2900


def status_update(dm: MapDm) -> Message:
    assert dm.status is not None
    status = dm.status
    name = escape(dm.initiative_name)
    index = f"{status.alignment}/100" if status.alignment is not None else "not measured yet"
    lines = [
        f"*Where {name} stands this month*",
        f"Business goal: {escape(status.business_goal)}",
        f"Alignment with its {status.stakeholders} stakeholder{'s' if status.stakeholders != 1 else ''}: {index}",
    ]
    said = [f"• {escape(s.name)}: “{escape(shorten(s.impact, QUOTE_MAX))}”" for s in status.statements]
    shown_measures = [f"• {describe(m)}" for m in status.measures[:MEASURES_SHOWN]]
    blocks: list[Block] = [section(shorten("\n".join(lines), TEXT_MAX))]
    if said:
        more = len(said) - STATEMENTS_SHOWN
        text = "*What stakeholders want from it*\n" + "\n".join(said[:STATEMENTS_SHOWN])
        blocks.append(section(shorten(text + (f"\n…and {more} more" if more > 0 else ""), TEXT_MAX)))
    if shown_measures:
        blocks.append(section(shorten("*Success measures*\n" + "\n".join(shown_measures), TEXT_MAX)))
    blocks.append(context("For your information: nothing to answer. Your L&D team keeps you posted each month."))
    return Message(text=f"Where {name} stands this month (nothing to answer)", blocks=blocks)


def owner_alert(dm: MapDm) -> Message:
    who, name = mention(dm.stakeholder_user_id), escape(dm.initiative_name)
    if dm.kind == MapMessageKind.RATING_DROP:
        text = (
            f"{who}, who has a lot of say over *{name}*, rated it lower than last time "
            f"({dm.rating}/5, was {dm.previous_rating}/5). Worth a conversation soon."
        )
    else:
        text = (
            f"{who}, who has a lot of say over *{name}*, has not answered the last {dm.silent_cycles} check-ins or "
            "reviews. Worth reaching out in person."
        )
    return Message(text=text, blocks=[section(text)])


def message_for(dm: MapDm) -> Message:
    return status_update(dm) if dm.kind == MapMessageKind.STATUS else owner_alert(dm)
