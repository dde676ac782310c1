"""What an installer is told: the first-run DM that asks them to choose the team's L&D channel."""

from __future__ import annotations

from bot.blocks import Message
from bot.blocks.common import channel, section
from bot.services.installs import Installed


def welcome(done: Installed) -> Message:
    if done.first_time or not done.ld_channel_id:
        text = (
            "Touchpoint is installed, and you are this workspace's first L&D member. One step left: open my *Home* "
            "tab and choose *Team settings* to pick your L&D channel (where answers, shifts and the weekly digest "
            "go) and add the rest of your L&D team. Then invite me there with `/invite @Touchpoint`."
        )
    else:
        text = (
            f"Touchpoint is installed again, with everything your team had: initiatives, answers and settings. "
            f"Summaries go on to {channel(done.ld_channel_id)}."
        )
    return Message(text=text, blocks=[section(text)])
