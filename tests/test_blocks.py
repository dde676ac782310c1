"""Every builder's output passes slack_sdk's Block Kit validation, at the largest inputs Touchpoint accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.blocks import answers as ab
from bot.blocks import initiatives as ib
from bot.blocks import notices
from bot.blocks import touchpoints as tb
from bot.blocks.common import SECTION_TEXT_MAX, escape, quoted_sections
from bot.limits import ANSWER_MAX, DESCRIPTION_MAX, GOAL_MAX, LIST_PAGE_SIZE, NAME_MAX, STAKEHOLDERS_MAX
from bot.services.answer_posts import RecordedAnswers
from bot.services.answers import AnswerContext
from bot.services.initiatives import InitiativeRow, Listing
from bot.services.touchpoints import Outgoing
from tests.slack_contract import assert_valid_message, assert_valid_view

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NASTY = "<!channel> & <@U0SAM> *bold* `code` <https://evil.example|click> ✨ ünïcødé"
LONG_ANSWER = ("line\n" * (ANSWER_MAX // 5))[:ANSWER_MAX]  # a thousand lines: the worst case for quoting


def _outgoing(**overrides) -> Outgoing:
    values = dict(
        touchpoint_id=1,
        kind="kickoff",
        team_id="T1",
        initiative_id=1,
        initiative_name="N" * NAME_MAX,
        business_goal="G" * GOAL_MAX,
        description="D" * DESCRIPTION_MAX,
        opened_by="U0LENA",
        summary_channel_id="C0LD",
        stakeholder_id=1,
        user_id="U0SAM",
        dm_channel_id=None,
    )
    return Outgoing(**{**values, **overrides})


def _recorded(texts: dict[str, str], version: int = 1, kind: str = "kickoff") -> RecordedAnswers:
    revised = frozenset(q for q in ("impact", "tracking") if q in texts and version > 1)
    return RecordedAnswers(
        touchpoint_id=1,
        kind=kind,
        initiative_name="N" * NAME_MAX,
        business_goal="G" * GOAL_MAX,
        description="D" * DESCRIPTION_MAX,
        opened_by="U0LENA",
        user_id="U0SAM",
        summary_channel_id="C0LD",
        dm_channel_id="D0SAM",
        dm_ts="1.2",
        texts=texts,
        revised=revised,
        version=version,
        answered_at=NOW,
        previous=dict.fromkeys(texts, "p" * ANSWER_MAX),
    )


@pytest.mark.parametrize("answer", ["Faster ramp", "x" * ANSWER_MAX, LONG_ANSWER, NASTY, ">" * ANSWER_MAX])
def test_answer_messages_are_valid_at_every_size(answer):
    recorded = [
        _recorded({"impact": answer, "tracking": answer}, version=7),
        _recorded(
            {"priorities_shifted": "Somewhat", "matters_most": answer, "on_track": "2", "notes": answer}, kind="checkin"
        ),
        _recorded({"impact": answer, "tracking": answer, "alignment": "4", "adjust": answer}, version=3, kind="review"),
    ]
    for answers in recorded:
        for message in (ab.answer_summary(answers), tb.answered_message(answers)):
            assert_valid_message(message.text, message.blocks)


@pytest.mark.parametrize("kind", ["kickoff", "checkin", "review"])
def test_touchpoint_dms_reminders_and_modals_are_valid_for_every_kind(kind):
    current = {"impact": LONG_ANSWER, "tracking": "x" * ANSWER_MAX}
    item = _outgoing(kind=kind, current=current, sent_channel_id="D0SAM", message_ts="1.2")
    for message in (tb.touchpoint_message(item), tb.reminder_message(item), tb.closed_message(item, "missed")):
        assert_valid_message(message.text, message.blocks)
    for answered in ({}, current):
        assert_valid_view(ab.answer_modal(AnswerContext(1, kind, "N" * NAME_MAX, "G" * GOAL_MAX, "U0LENA", answered)))


def test_kickoff_dm_and_modals_are_valid_at_the_limits():
    message = tb.kickoff_message(_outgoing())
    assert_valid_message(message.text, message.blocks)
    assert_valid_view(
        ab.answer_modal(
            AnswerContext(1, "kickoff", NASTY, NASTY, "U0LENA", {"impact": "x" * ANSWER_MAX, "tracking": LONG_ANSWER})
        )
    )
    assert_valid_view(ib.new_initiative_modal("C0LD"))
    assert_valid_view(notices.refusal_view(NASTY))


def test_the_list_is_valid_with_a_full_page_of_the_longest_initiatives():
    rows = [
        InitiativeRow(n, "N" * NAME_MAX, "G" * GOAL_MAX, "C0LD", "U0LENA", STAKEHOLDERS_MAX, 3)
        for n in range(LIST_PAGE_SIZE)
    ]
    for page in (1, 2, 50):
        message = ib.initiative_list(Listing(rows, page, 50, 50 * LIST_PAGE_SIZE))
        assert_valid_message(message.text, message.blocks)
    empty = ib.initiative_list(Listing([], 1, 1, 0))
    assert_valid_message(empty.text, empty.blocks)


def test_reports_and_notices_are_valid():
    problems = [(f"U0P{n:04d}", "Slack answered “" + "e" * 40 + "”") for n in range(STAKEHOLDERS_MAX)]
    for message in (
        tb.delivery_report("N" * NAME_MAX, problems),
        tb.summary_not_posted("N" * NAME_MAX, "C0LD", "channel_not_found"),
        notices.unexpected_error("0123456789"),
        notices.refusal("Sorry, only the L&D team can manage initiatives."),
        ib.help_message(),
        ib.help_message("x" * 3000),
    ):
        assert_valid_message(message.text, message.blocks)


def test_what_people_type_cannot_mention_everyone_or_forge_links():
    message = ab.answer_summary(_recorded({"impact": NASTY, "tracking": "ok"}))
    text = " ".join(t.text for b in message.blocks if (t := getattr(b, "text", None)))
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert escape("<!channel> & co") == "&lt;!channel&gt; &amp; co"


def test_quoting_keeps_every_character_of_a_long_answer():
    text = "word " * 1000 + "\n\n" + "y" * 4000
    sections = quoted_sections("*Q*", text)
    texts = [s.text.text for s in sections if s.text is not None]
    assert len(texts) == len(sections)
    assert all(len(t) <= SECTION_TEXT_MAX for t in texts)
    kept = "".join(texts).replace("\n", "").replace(">", "").replace("*Q*", "")
    assert kept == text.replace("\n", "")


def test_escaped_user_text_keeps_within_its_limit_and_never_cuts_an_entity():
    from bot.blocks.common import escaped_within

    assert escaped_within("a & b", 100) == "a &amp; b"
    for text in ("&" * 3000, "x<" * 1500, "ab&" * 1000):
        out = escaped_within(text, 2000)
        assert len(out) <= 2000 and out.endswith("…")
        body = out[:-1]
        assert body.count("&") == body.count(";")  # every entity whole: &amp; &lt; &gt;
