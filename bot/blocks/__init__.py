"""Block Kit builders: pure functions from plain data to slack_sdk models, always with a plain-text fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import Block


@dataclass(frozen=True)
class Message:
    text: str  # the notification and screen-reader fallback
    blocks: list[Block] = field(default_factory=list)
