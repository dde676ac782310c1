"""What an installer is told (the first-run DM that asks them to choose the team's L&D channel), and the modal that
confirms `/touchpoint delete my data`."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import channel, form_modal, section, state_text
from bot.ids import Block, Callback, Element
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


CONFIRM_WORD = "DELETE"


def delete_modal() -> View:
    """`/touchpoint delete my data`: what goes, and a word to type, so that nobody deletes it by a slip."""
    text = (
        "This deletes *everything Touchpoint stored for this workspace*, at once and for good: every initiative, "
        "stakeholder, touchpoint, answer, measure, shift, digest and setting. Touchpoint stays installed, with you "
        "as its only L&D member, and starts afresh. Export a workbook first (`/touchpoint export`) to keep a copy."
    )
    confirm = InputBlock(
        block_id=Block.DELETE_CONFIRM,
        label=PlainTextObject(text=f"Type {CONFIRM_WORD} to confirm"),
        element=PlainTextInputElement(action_id=Element.VALUE, max_length=20),
    )
    return form_modal(Callback.DELETE_DATA, "Delete our data", "Delete everything", blocks=[section(text), confirm])


def read_confirmation(values) -> str:
    return state_text(values, Block.DELETE_CONFIRM)


def confirmation_errors(typed: str) -> dict[str, str]:
    if typed.strip() != CONFIRM_WORD:
        return {Block.DELETE_CONFIRM: f"Type {CONFIRM_WORD} in capitals to delete everything, or press Cancel."}
    return {}


def deleted_notice() -> str:
    return "Done: everything Touchpoint stored for this workspace is deleted. You are its only L&D member now."


def delete_usage() -> Message:
    text = "To delete everything Touchpoint stored for this workspace, type `/touchpoint delete my data`."
    return Message(text=text, blocks=[section(text)])
