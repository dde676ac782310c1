"""Small pieces the builders share."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.ids import Element

SECTION_TEXT_MAX = 3000
ID_MAX = 2**31 - 1  # the largest row id either database keeps; a bigger "id" is nobody's


def escape(text: str) -> str:
    """Text a person typed, made safe to put inside mrkdwn (no accidental mentions or links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis standing for what was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped_within(text: str, limit: int) -> str:
    """User text escaped for mrkdwn in at most `limit` characters (escaping can make it five times longer), cut
    before an entity rather than through one, an ellipsis standing for what was cut."""
    out = escape(text)
    if len(out) <= limit:
        return out
    cut = out[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def read_number(text: str) -> int | None:
    """A whole number Touchpoint wrote into an id, a value or a block id, read back; None for anything else ("²" too:
    str.isdigit() accepts it, int() does not; and a number too big to be a row id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= ID_MAX else None


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>"


def date(moment: datetime) -> str:
    """A date Slack shows in the reader's own time zone, with a UTC fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def form_modal(
    callback_id: str,
    title: str,
    submit: str,
    *,
    blocks: Sequence[Block],
    private_metadata: str | None = None,
    close: str = "Cancel",
) -> View:
    """A modal form: what its submission is called back as, its title and buttons, and what it carries back."""
    return View(
        type="modal",
        callback_id=callback_id,
        private_metadata=private_metadata,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text=close),
        blocks=blocks,
    )


def channel_input(block_id: str, label: str, initial: str | None, hint: str) -> InputBlock:
    """A pick of one channel (public or private; no DMs with bots), starting at `initial`."""
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=ConversationSelectElement(
            action_id=Element.VALUE,
            initial_conversation=initial,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            placeholder=PlainTextObject(text="Choose a channel"),
        ),
        hint=PlainTextObject(text=hint),
    )


def _entity_safe(text: str, cut: int) -> int:
    """`cut`, or where an escaped character (&amp; &lt; &gt;) that it would split begins."""
    amp = text.rfind("&", max(0, cut - 4), cut)
    return amp if amp > 0 and ";" not in text[amp:cut] else cut


def quoted_sections(heading: str, text: str) -> list[SectionBlock]:
    """A heading and a person's words as a block quote, split over as many sections as Slack's limit needs."""
    lines = [f">{line}" if line.strip() else ">" for line in escape(text).splitlines() or [""]]
    chunks: list[str] = []
    current = heading
    for line in lines:
        while len(line) > SECTION_TEXT_MAX - 1:  # one line longer than a section: cut it, keeping every character
            if current:
                chunks.append(current)
            cut = _entity_safe(line, SECTION_TEXT_MAX - 1)
            chunks.append(line[:cut])
            line, current = ">" + line[cut:], ""
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_TEXT_MAX:
            chunks.append(current)
            candidate = line
        current = candidate
    chunks.append(current)
    return [section(chunk) for chunk in chunks if chunk]


def metadata(**ids: int) -> str:
    """A modal's private_metadata: the ids it was opened for."""
    return json.dumps(ids)


def read_metadata_id(private_metadata: str | None, key: str) -> int | None:
    """An id a modal was opened for, from its private_metadata; None if it is not there (or was tampered with)."""
    try:
        value = json.loads(private_metadata or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def state_of(values: Mapping, block: str) -> Mapping:
    """The state Slack sent for the single element of an input block ({} when absent or malformed)."""
    element = (values.get(block) or {}).get(Element.VALUE)
    return element if isinstance(element, Mapping) else {}


def state_text(values: Mapping, block: str) -> str:
    """What a person typed or chose in an input block, as text ("" when nothing)."""
    state = state_of(values, block)
    chosen = state.get("selected_option")
    value = chosen.get("value") if isinstance(chosen, Mapping) else state.get("value")
    return value if isinstance(value, str) else ""
