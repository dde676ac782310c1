"""The team settings modal (opened from the L&D member's Home): the L&D channel, the L&D members, the digest."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import (
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import channel, channel_input, context, date, form_modal, mention, section, state_of, state_text
from bot.blocks.digest import digest_inputs
from bot.ids import Block, Callback, Element
from bot.services.digest import DigestTime
from bot.services.team_settings import MEMBERS_MAX, TeamForm, TeamSettings


def team_settings_modal(current: TeamSettings, when: DigestTime) -> View:
    if current.updated_by and current.updated_at:
        last = f"Last saved by {mention(current.updated_by)} on {date(current.updated_at)}."
    else:
        last = "These are the values Touchpoint was deployed with; once saved here, these are the team's."
    members = UserMultiSelectElement(
        action_id=Element.VALUE,
        placeholder=PlainTextObject(text="Choose people"),
        max_selected_items=MEMBERS_MAX,
        initial_users=list(current.admin_user_ids[:MEMBERS_MAX]) or None,
    )
    return form_modal(
        Callback.TEAM_SETTINGS,
        "Team settings",
        "Save",
        blocks=[
            section("Who the L&D team is and where it works. Only L&D members can change these."),
            context(last),
            channel_input(
                Block.LD_CHANNEL,
                "L&D channel",
                current.ld_channel_id,
                "New initiatives post their summaries here unless they choose another.",
            ),
            InputBlock(
                block_id=Block.LD_MEMBERS,
                label=PlainTextObject(text="L&D members"),
                element=members,
                optional=True,
                hint=PlainTextObject(text="They may manage initiatives, see every answer and change these settings."),
            ),
            InputBlock(
                block_id=Block.LD_USERGROUP,
                label=PlainTextObject(text="…and/or the members of a user group"),
                element=PlainTextInputElement(
                    action_id=Element.VALUE,
                    initial_value=current.usergroup_id or "",
                    max_length=32,
                    placeholder=PlainTextObject(text="S0123456789"),
                ),
                optional=True,
                hint=PlainTextObject(text="The group's id: its profile in Slack, ⋮, Copy group ID."),
            ),
            *digest_inputs(when, current.ld_channel_id),
            InputBlock(
                block_id=Block.PLANNING_WEEKS,
                label=PlainTextObject(text="Planning touchpoint: weeks before each financial year"),
                element=PlainTextInputElement(
                    action_id=Element.VALUE, initial_value=str(current.planning_weeks), max_length=2
                ),
                hint=PlainTextObject(
                    text="High-influence stakeholders are asked what matters next year and their busiest weeks."
                ),
            ),
        ],
    )


def read_team_settings(values: Mapping) -> TeamForm:
    """The modal as typed; anything missing or of the wrong shape reads as empty."""
    chosen = state_of(values, Block.LD_CHANNEL).get("selected_conversation")
    users = state_of(values, Block.LD_MEMBERS).get("selected_users")
    send_time = state_of(values, Block.DIGEST_TIME).get("selected_time")
    digest_channel = state_of(values, Block.DIGEST_CHANNEL).get("selected_channel")
    return TeamForm(
        ld_channel_id=chosen if isinstance(chosen, str) else "",
        admin_user_ids=tuple(u for u in users if isinstance(u, str)) if isinstance(users, list) else (),
        usergroup_id=state_text(values, Block.LD_USERGROUP).strip(),
        weekday=state_text(values, Block.DIGEST_WEEKDAY),
        send_time=send_time if isinstance(send_time, str) else "",
        digest_channel_id=digest_channel if isinstance(digest_channel, str) else "",
        planning_weeks=state_text(values, Block.PLANNING_WEEKS).strip(),
    )


def team_settings_saved(saved: TeamSettings, when: DigestTime) -> Message:
    who = ", ".join(mention(u) for u in saved.admin_user_ids[:10])
    if len(saved.admin_user_ids) > 10:
        who += f" and {len(saved.admin_user_ids) - 10} more"
    if saved.usergroup_id:
        who = (
            f"{who} and the members of <!subteam^{saved.usergroup_id}>"
            if who
            else f"the members of <!subteam^{saved.usergroup_id}>"
        )
    text = (
        f"Team settings saved. The L&D channel is {channel(saved.ld_channel_id)}; the L&D members are {who}. "
        f"The weekly digest goes out {when.describe()} in {channel(when.channel_id or saved.ld_channel_id)}."
    )
    return Message(text=text, blocks=[section(text)])
