"""Generic notices: a refusal, an unexpected error, a modal that says one thing."""

from __future__ import annotations

from slack_sdk.models.blocks import PlainTextObject
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import escape, section


def refusal(message: str) -> Message:
    """What a person is told when Touchpoint will not do something (a UserError's plain text, which may quote what
    they typed), as a message."""
    return Message(text=escape(message))


def refusal_view(message: str) -> View:
    """A modal saying `message` (plain text, as typed)."""
    return notice_view(escape(message))


def notice_view(mrkdwn: str) -> View:
    """A modal saying something, in mrkdwn (mentions and channel links shown as such)."""
    return View(
        type="modal",
        title=PlainTextObject(text="Touchpoint"),
        close=PlainTextObject(text="Close"),
        blocks=[section(mrkdwn)],
    )


def unexpected_error(error_id: str) -> Message:
    text = f"Sorry, something went wrong on my side. Nothing you sent was lost. If it happens again, quote error id `{error_id}`."
    return Message(text=text, blocks=[section(text)])
