"""Slack's documented limits, checked with slack_sdk's own models on everything the app sent."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.simulator import FakeSlackApi

MESSAGE_BLOCKS_MAX = 50
MESSAGE_TEXT_MAX = 40_000  # Slack truncates a message's text beyond this


def assert_valid_message(text: str, blocks: list) -> None:
    assert text and text.strip(), "a message needs a plain-text fallback"
    assert len(text) <= MESSAGE_TEXT_MAX
    assert len(blocks) <= MESSAGE_BLOCKS_MAX, f"{len(blocks)} blocks in one message"
    for block in blocks:
        parsed = Block.parse(block) if isinstance(block, dict) else block
        assert parsed is not None, f"not a block: {block}"
        parsed.validate_json()
    block_ids = [b.get("block_id") if isinstance(b, dict) else b.block_id for b in blocks]
    present = [b for b in block_ids if b]
    assert len(present) == len(set(present)), "block ids must be unique within a message"


def assert_valid_view(view) -> None:
    model = View(**view) if isinstance(view, dict) else view
    model.validate_json()
    assert len(model.private_metadata or "") <= 3000
    for block in model.blocks:
        block.validate_json()


def assert_everything_sent_is_valid(slack: FakeSlackApi) -> int:
    """Validate every message and view in the recorded calls; returns how many were checked."""
    checked = 0
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            assert_valid_message(call.args.get("text", ""), call.args.get("blocks") or [])
            checked += 1
        elif call.method in ("views.open", "views.update", "views.push"):
            view = {k: v for k, v in call.args["view"].items() if k in View.attributes or k == "type"}
            assert_valid_view(view)
            checked += 1
    for body in slack.responses:
        if "blocks" in body or "text" in body:
            assert_valid_message(body.get("text", ""), body.get("blocks") or [])
            checked += 1
    return checked
