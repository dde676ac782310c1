"""The simulated Slack's messages: chat.* and reading a channel's history or a thread, with Slack's limits."""

from __future__ import annotations

import json

from bot.simulator.state import Message, SlackState


class ChatMethods(SlackState):
    def _conversations_history(self, args: dict) -> dict:
        """Top-level messages only, newest first, as Slack answers."""
        channel = args.get("channel", "")
        found = [
            m
            for m in self.messages
            if m.channel == channel and m.thread_ts is None and float(m.ts) >= float(args.get("oldest") or 0)
        ]
        return {"messages": [_listed(m) for m in reversed(found)], "has_more": False}

    def _conversations_replies(self, args: dict) -> dict:
        """A thread's parent and then its replies, oldest first."""
        channel, parent = args.get("channel", ""), str(args.get("ts", ""))
        if self.message(channel, parent) is None:
            return {"error": "thread_not_found"}
        return {"messages": [_listed(m) for m in self.thread(channel, parent)], "has_more": False}

    def _chat_postMessage(self, args: dict) -> dict:
        channel = self._writable_channel(str(args.get("channel", "")))
        if isinstance(channel, dict):
            return channel
        if not args.get("text") and not args.get("blocks"):
            return {"error": "no_text"}
        refused = _refused(args)
        if refused:
            return refused
        thread_ts = str(args.get("thread_ts") or "") or None
        if thread_ts and self.message(channel, thread_ts) is None:
            return {"error": "thread_not_found"}
        message = Message(
            channel,
            self._ts(),
            self.BOT_USER,
            args.get("text", ""),
            _blocks(args),
            _metadata(args),
            thread_ts=thread_ts,
        )
        self.messages.append(message)
        return {"channel": channel, "ts": message.ts, "message": {"text": message.text}}

    def _chat_update(self, args: dict) -> dict:
        message = self.message(str(args.get("channel", "")), str(args.get("ts", "")))
        if message is None:
            return {"error": "message_not_found"}
        refused = _refused(args)
        if refused:
            return refused
        message.text, message.blocks, message.edits = args.get("text", ""), _blocks(args), message.edits + 1
        return {"channel": message.channel, "ts": message.ts}

    def _chat_postEphemeral(self, args: dict) -> dict:
        self.responses.append({"ephemeral_to": args.get("user"), **args})
        return {"message_ts": self._ts()}


def _listed(message: Message) -> dict:
    listed = {"ts": message.ts, "text": message.text, "metadata": message.metadata}
    return {**listed, "thread_ts": message.thread_ts} if message.thread_ts else listed


def _refused(args: dict) -> dict | None:
    """Slack's own limits on a message: it refuses, it does not cut."""
    if len(_blocks(args)) > 50:
        return {"error": "invalid_blocks"}
    if len(args.get("text") or "") > 40_000:
        return {"error": "msg_too_long"}
    return None


def _blocks(args: dict) -> list[dict]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _metadata(args: dict) -> dict | None:
    metadata = args.get("metadata")
    return json.loads(metadata) if isinstance(metadata, str) else metadata
