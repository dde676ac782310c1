"""User text stays text: every builder in bot/blocks, fed hostile text in every field a person can type, sends no
live mention, channel link or broadcast, and shows the person's words as they typed them.

The builders are found by walking bot/blocks, and their inputs are made from their type hints (dataclass fields
included), so a builder added later is walked too without anyone listing it here.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import types
import typing
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View
from sqlmodel import SQLModel

import bot.blocks
from bot.blocks import Message
from bot.blocks.common import escape, section
from bot.services.answer_forms import QUESTIONS
from bot.services.digest_attention import REASONS
from storage.models import Direction, Question, ShiftRule, TouchpointKind
from tests.slack_contract import assert_valid_message, assert_valid_view

# What a stakeholder or an L&D member might type: broadcasts, mentions, a link, entities, template braces, and
# mrkdwn's own markers, which must all reach the reader as typed.
HOSTILE = "Dana's <!channel> <!here> & <@U0EVIL> <#C0EVIL> <https://evil.example|x> &amp; {{7*7}} *Q3* _ramp_ > 5"
MARKER = "Dana's"
LIVE_TOKENS = ("<!channel", "<!here", "<!everyone", "<@U0EVIL", "<#C0EVIL", "<https://evil")
VARIANTS = 8  # each builder runs once per choice of its enum-like inputs (touchpoint kinds, digest reasons, ...)
# Fields holding ids, times or a fixed vocabulary: Slack or Touchpoint made them, no person typed them.
_IDS = {"ts", "country"}
_VOCABULARY = {
    "kind": [k.value for k in TouchpointKind],
    "status": ["missed", "skipped", "closed"],
    "rule": [r.value for r in ShiftRule],
    "question": [q.value for q in Question],
    "direction": [d.value for d in Direction],
    "reason": list(REASONS),
    "send_time": ["09:00"],
    "week": ["2027-03-01"],
    "day": ["2027-03-01"],
    "label": ["Agreed impact"],  # an alignment part's name, Touchpoint's own
    "tz": ["Europe/London", "America/New_York", "UTC"],
    # A parameter named mrkdwn takes the caller's mrkdwn, escaped by whoever built it (notice_view's contract).
    "mrkdwn": [escape(HOSTILE)],
}
WHEN = datetime(2027, 3, 1, 9, tzinfo=UTC)


def _is_id(name: str) -> bool:
    return (
        name in _IDS
        or name.endswith(("_id", "_ids", "_ts", "_by", "_channel"))
        or name in ("opened_by", "user", "channel")
    )


def make(hint: Any, name: str, variant: int) -> Any:
    """A value of type `hint` for a field called `name`: hostile text wherever a person's words can go."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return make(next(a for a in args if a is not type(None)), name, variant)
    if name in _VOCABULARY and hint is str:
        choices = _VOCABULARY[name]
        return choices[variant % len(choices)]
    if hint is str:
        return "U0SAM" if _is_id(name) else HOSTILE
    if hint is bool:
        return bool(variant % 2)
    if hint is int:
        return 1 + variant % 5  # small enough for a weekday, a count or a rating
    if hint is float:
        return 41.5
    if hint is datetime:
        return WHEN
    if hint is date:
        return WHEN.date()
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = list(hint)
        return members[variant % len(members)]
    if origin in (dict, typing.Mapping) or hint in (dict,):
        key_hint, value_hint = args or (str, str)
        if key_hint is str:  # answers are keyed by question: a kickoff's two (variant 0 is a kickoff), or any
            questions = list(QUESTIONS) if variant % len(TouchpointKind) == 0 else list(Question)
            return {q.value: make(value_hint, "text", variant) for q in questions}
        return {make(key_hint, "key", variant): make(value_hint, name, variant)}
    if origin is frozenset or origin is set:
        return frozenset({Question.IMPACT.value, Question.TRACKING.value}) if args[0] is str else frozenset()
    if origin in (tuple, list):
        if origin is tuple and len(args) >= 1 and args[-1] is not Ellipsis:  # a fixed tuple, such as a reading
            return _fixed_tuple(args, name, variant)
        item = make(args[0], name.rstrip("s") or name, variant)
        return (item,) if origin is tuple else [item]
    if origin is collections.abc.Sequence and args == (SlackBlock,):  # blocks a builder made, user text escaped
        return [section(escape(HOSTILE))]
    if dataclasses.is_dataclass(hint):
        return construct(hint, variant)
    if isinstance(hint, type) and issubclass(hint, SQLModel):  # a stored row, such as a Schedule: its defaults
        return hint()
    raise TypeError(f"no hostile value for {name}: {hint}")


def _fixed_tuple(args, name: str, variant: int) -> tuple:
    if name == "readings":  # (measure name, status, value): a value, or a status that explains its absence
        from bot.services.measures import NO_CHANGE_OR_UNKNOWN

        return (HOSTILE, list(NO_CHANGE_OR_UNKNOWN)[variant % len(NO_CHANGE_OR_UNKNOWN)], None if variant else 3.0)
    if name.startswith("problem"):
        return ("U0SAM", HOSTILE)
    return tuple(make(a, f"{name}_{i}", variant) for i, a in enumerate(args))


def construct(cls, variant: int) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: make(hints[f.name], f.name, variant) for f in dataclasses.fields(cls) if f.init})


def builders() -> list:
    """Every public function in bot/blocks that builds something Touchpoint sends: a Message, messages, or a View."""
    found = []
    for info in pkgutil.iter_modules(bot.blocks.__path__):
        module = importlib.import_module(f"bot.blocks.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            returns = typing.get_type_hints(function).get("return")
            if returns in (Message, View) or typing.get_args(returns) == (Message,):
                found.append(function)
    return found


# The modal skeleton's title and buttons are Touchpoint's own words (each form passes constants); its blocks carry
# the user text, escaped by the builder that made them.
_OWN_WORDS = {"form_modal": {"title": "Edit initiative", "submit": "Save", "close": "Cancel"}}


def call(builder, variant: int):
    variant = 0 if builder.__name__.startswith("kickoff") else variant  # a kickoff's builders take kickoffs only
    hints = typing.get_type_hints(builder)
    kwargs: dict[str, Any] = dict(_OWN_WORDS.get(builder.__name__, {}))
    for name, parameter in inspect.signature(builder).parameters.items():
        if name in kwargs:
            continue
        if parameter.default is not inspect.Parameter.empty and hints.get(name) is bool:
            kwargs[name] = bool(variant % 2)
        elif parameter.default is inspect.Parameter.empty or name in hints:
            kwargs[name] = make(hints[name], name, variant)
    return builder(**kwargs)


def _mrkdwn(node) -> list[str]:
    """Every mrkdwn text in a block tree (plain_text is shown as typed and parses no mentions)."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(node.get("text", ""))
        for value in node.values():
            found += _mrkdwn(value)
    elif isinstance(node, list):
        for value in node:
            found += _mrkdwn(value)
    return found


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def assert_text_stays_text(text: str, where: str) -> None:
    for token in LIVE_TOKENS:
        assert token not in text, f"{where}: a live {token}… in {text!r}"
    readable = _unescape(text)
    start = readable.find(MARKER)
    while start != -1:
        shown = readable[start : start + len(HOSTILE)]
        # Shown in full, or cut short with an ellipsis where a builder shortens; never altered.
        assert shown == HOSTILE or ("…" in shown and HOSTILE.startswith(shown[: shown.index("…")])), (
            f"{where}: {shown!r}"
        )
        start = readable.find(MARKER, start + 1)


def sent_texts(result) -> list[tuple[str, str]]:
    """(where, mrkdwn) for everything Slack parses in what a builder returned; validated on the way."""
    if isinstance(result, View):
        assert_valid_view(result)
        return [("view", t) for t in _mrkdwn(result.to_dict())]
    messages = result if isinstance(result, list) else [result]
    texts = []
    for message in messages:
        blocks = [b.to_dict() if isinstance(b, SlackBlock) else b for b in message.blocks]
        assert_valid_message(message.text, blocks)
        texts.append(("text", message.text))  # chat.postMessage reads the top-level text as mrkdwn too
        texts += [("blocks", t) for t in _mrkdwn(blocks)]
    return texts


BUILDERS = builders()


def test_the_walk_finds_every_builder():
    names = {b.__name__ for b in BUILDERS}
    # A few that must be there: if the walk stopped finding builders, every test below would pass on nothing.
    assert {
        "answer_summary",
        "kickoff_message",
        "kickoff_answered_message",
        "initiative_list",
        "shift_summary",
        "digest_messages",
        "measure_modal",
        "schedule_modal",
        "help_message",
    } <= names
    assert len(BUILDERS) >= 30


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: f"{b.__module__.rsplit('.', 1)[-1]}.{b.__name__}")
@pytest.mark.parametrize("variant", range(VARIANTS))
def test_no_builder_lets_user_text_become_a_mention_or_lose_characters(builder, variant):
    texts = sent_texts(call(builder, variant))
    for where, text in texts:
        assert_text_stays_text(text, f"{builder.__name__} ({where})")


def test_hostile_text_reaches_the_fallback_of_the_summary_and_the_kickoff_as_typed():
    """The cases the issue names: the answer in the summary's notification text, and the initiative's name in the
    kickoff DM and its answered update, are there, escaped and readable (not dropped to pass the test above)."""
    from bot.blocks import answers as answer_blocks
    from bot.blocks import touchpoints
    from bot.services.answer_posts import RecordedAnswers
    from bot.services.touchpoints import Outgoing

    answers = construct(RecordedAnswers, 0)
    assert answers.kind == TouchpointKind.KICKOFF
    for message in (
        answer_blocks.answer_summary(answers),
        touchpoints.kickoff_answered_message(answers),
        touchpoints.kickoff_message(construct(Outgoing, 0)),
    ):
        assert escape(HOSTILE) in message.text
        assert "{{7*7}}" in message.text and "*Q3*" in message.text


def test_end_to_end_an_answer_and_a_name_holding_mentions_ping_nobody(app):
    """The issue's own cases over the real app: the summary posted in the L&D channel, and the kickoff DM and its
    "answered" update, carry the stakeholder's answer and the initiative's name escaped in their `text`."""
    from tests.conftest import LD_CHANNEL, LENA, SAM
    from tests.flows import answer, open_initiative

    name = "Q3 <!here> {{7*7}} *ramp* & <@U0EVIL>"
    said = "Tell <!channel> & <@U0EVIL>: {{7*7}} *more* deals"
    open_initiative(app, LENA, name=name, stakeholders=[SAM])
    answer(app, SAM, said, "Win rate in <#C0EVIL>")
    sent = [c for c in app.slack.calls if c.method in ("chat.postMessage", "chat.update")]
    to_channel = [c for c in sent if c.args.get("channel") == LD_CHANNEL]
    to_sam = [c for c in sent if c.args.get("channel") != LD_CHANNEL]
    assert to_channel and len(to_sam) >= 2  # the summary; the kickoff DM and its update
    for call in sent:
        assert_text_stays_text(call.args["text"], call.method)
    assert escape(said) in to_channel[-1].args["text"] and escape(name) in to_channel[-1].args["text"]
    assert all(escape(name) in c.args["text"] for c in to_sam)
