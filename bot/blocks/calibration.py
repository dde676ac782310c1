"""The calibration pack (one DM, or several when it is long: nothing is cut), the modal that records a session,
what the recorder sees after it, and the DM that tells a stakeholder what the session agreed."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
    UserMultiSelectElement,
)
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import (
    SECTION_TEXT_MAX,
    context,
    escape,
    escaped_within,
    form_modal,
    mention,
    metadata,
    quoted_sections,
    read_metadata_id,
    section,
    state_of,
    state_text,
)
from bot.blocks.measures import describe
from bot.ids import COMMAND, Action, Block, Callback, Element
from bot.services.calibration import CalibrationStanding, PackContent, PackDm
from bot.services.calibration_sessions import PARTICIPANTS_MAX, TEXT_MAX, RecordForm, SessionForm, SessionRecord
from bot.services.followups import OUTCOMES

BLOCKS_PER_MESSAGE = 45  # Slack allows 50 per message
QUOTE_MAX = 600  # of one statement in the pack: the full text is in the workbook
RULES = {
    "said_shifted": "said their priorities shifted",
    "rating_drop": "rating dropped",
    "impact_revised": "revised the impact they want",
    "measure_added": "tracks something new",
    "measure_dropped": "no longer mentions something they tracked",
    "new_focus": "what matters most to them is new",
}


def _lines_sections(heading: str, lines: list[str]) -> list[SlackBlock]:
    """A heading and its lines, over as many sections as Slack's limit needs (no line is cut)."""
    found: list[SlackBlock] = []
    current = heading
    for line in lines:
        line = line[: SECTION_TEXT_MAX - 1]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_TEXT_MAX:
            found.append(section(current))
            candidate = line
        current = candidate
    if current:
        found.append(section(current))
    return found


def _statement(s) -> str:
    who = mention(s.user_id)
    latest = escaped_within(s.latest, QUOTE_MAX)
    if s.versions == 1 or s.first == s.latest:
        return f"• {who} ({s.latest_on:%-d %b %Y}, unchanged): “{latest}”"
    first = escaped_within(s.first, QUOTE_MAX)
    return (
        f"• {who}: first ({s.first_on:%-d %b %Y}) “{first}”\n   now ({s.latest_on:%-d %b %Y}, "
        f"{s.versions} versions) “{latest}”"
    )


def _measure(line) -> str:
    text = f"• {describe(line.measure)}"
    if line.behind is not None:
        b = line.behind
        unit = f" {escape(b.unit)}" if b.unit else ""
        return text + f" · ⚠️ *behind the line*: {b.value:g}{unit} where it says {round(b.expected, 1):g}{unit}"
    if line.measure.latest is None:
        return text + " · no reading yet"
    return text + " · on or ahead of the line"


def _shift(line) -> str:
    what = escape(RULES.get(line.rule, line.rule))
    said = f": “{escaped_within(line.after, 300)}”" if line.after else ""
    outcome = (
        f" → {escape(OUTCOMES.get(line.outcome, line.outcome))}"
        + (f" ({escaped_within(line.note, 200)})" if line.note else "")
        if line.outcome
        else " → no outcome recorded yet"
    )
    return f"• {line.detected_on:%-d %b} · {mention(line.user_id)} {what}{said}{outcome}"


def pack_detail(content: PackContent) -> list[SlackBlock]:
    """Every section of the pack after its heading, in the order the session takes them."""
    blocks: list[SlackBlock] = []
    statements = [_statement(s) for s in content.statements]
    if content.unstated_user_ids:
        statements.append("• Not said yet: " + ", ".join(mention(u) for u in content.unstated_user_ids))
    blocks += _lines_sections("*The impact each stakeholder wants, and how it changed*", statements or ["• none yet"])
    blocks += _lines_sections(
        "*Success measures against baseline and target*",
        [_measure(m) for m in content.measures] or ["• none agreed yet"],
    )
    blocks += _lines_sections(
        f"*Priority shifts since {content.since:%-d %b %Y}, and their outcomes*",
        [_shift(s) for s in content.shifts] or ["• none"],
    )
    blocks += _lines_sections(
        "*What stakeholders said should be adjusted*",
        [
            f"• {a.said_on:%-d %b} · {mention(a.user_id)}: “{escaped_within(a.text, QUOTE_MAX)}”"
            for a in content.adjustments
        ]
        or ["• nothing"],
    )
    return blocks


def record_button(initiative_id: int, label: str = "Record the session") -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=label), action_id=Action.RECORD_CALIBRATION, value=str(initiative_id), style="primary"
    )


def pack_messages(dm: PackDm) -> list[Message]:
    """The pack as one DM, or as several when it is longer than a message holds (each says which part it is)."""
    c = dm.content
    name = escape(c.initiative_name)
    head: list[SlackBlock] = [
        section(
            f"*Calibration pack: {name}* · session due {c.due_on:%-d %b %Y}\n"
            f"Business goal: {escaped_within(c.business_goal, 600)}\n"
            "Twice a year, agree again with the stakeholders what “good” looks like. Here is what they said and what "
            f"the measures show since {c.since:%-d %b %Y}."
        )
    ]
    if c.last_session is not None:
        head += quoted_sections(
            f"At the last calibration ({c.last_session.held_on:%-d %b %Y}) you agreed:", c.last_session.agreed
        )
    detail = pack_detail(c)
    if any("…" in str(b.to_dict()) for b in detail):
        head.append(context(f"Long answers are shortened here (…): the workbook (`{COMMAND} export`) has every word."))
    actions = ActionsBlock(block_id=f"calibration_{c.initiative_id}", elements=[record_button(c.initiative_id)])
    room = BLOCKS_PER_MESSAGE - len(head) - 2  # the actions and the part's context
    chunks = [detail[:room]] + [
        detail[i : i + BLOCKS_PER_MESSAGE - 1] for i in range(room, len(detail), BLOCKS_PER_MESSAGE - 1)
    ]
    total = len(chunks)
    messages = []
    for n, chunk in enumerate(chunks):
        part = f"part {n + 1} of {total}" if total > 1 else ""
        if n == 0:
            blocks = [*head, *chunk, actions]
            if total > 1:
                blocks.append(context(f"Calibration pack, {part}: the rest follows in the next messages."))
            text = f"Calibration pack for {name}: session due {c.due_on:%-d %b %Y}"
        else:
            blocks = [*chunk, context(f"Calibration pack for {name}, {part}")]
            text = f"Calibration pack for {name}, {part}"
        messages.append(Message(text=text, blocks=blocks))
    return messages


def record_modal(form: RecordForm) -> View:
    return form_modal(
        Callback.CALIBRATION_SESSION,
        "Calibration session",
        "Record",
        private_metadata=metadata(initiative=form.initiative_id),
        blocks=[
            section(
                f"*{escape(form.initiative_name)}*: what the session agreed. It goes in the workbook and in the "
                "stakeholders' next quarterly review."
            ),
            InputBlock(
                block_id=Block.CALIBRATION_DATE,
                label=PlainTextObject(text="Date of the session"),
                element=DatePickerElement(action_id=Element.VALUE, initial_date=form.today.isoformat()),
            ),
            InputBlock(
                block_id=Block.CALIBRATION_PEOPLE,
                label=PlainTextObject(text="Who took part"),
                element=UserMultiSelectElement(
                    action_id=Element.VALUE,
                    initial_users=list(form.participant_ids[:PARTICIPANTS_MAX]) or None,
                    max_selected_items=PARTICIPANTS_MAX,
                ),
            ),
            InputBlock(
                block_id=Block.CALIBRATION_AGREED,
                label=PlainTextObject(text="What you agreed “good” looks like"),
                element=PlainTextInputElement(action_id=Element.VALUE, multiline=True, max_length=TEXT_MAX),
            ),
            InputBlock(
                block_id=Block.CALIBRATION_CHANGES,
                label=PlainTextObject(text="Changes to the measures or the plan"),
                optional=True,
                element=PlainTextInputElement(action_id=Element.VALUE, multiline=True, max_length=TEXT_MAX),
            ),
        ],
    )


def read_record(values: Mapping) -> SessionForm:
    users = state_of(values, Block.CALIBRATION_PEOPLE).get("selected_users")
    day = state_of(values, Block.CALIBRATION_DATE).get("selected_date")
    return SessionForm(
        held_on=day if isinstance(day, str) else "",
        participant_ids=tuple(u for u in users if isinstance(u, str)) if isinstance(users, list) else (),
        agreed=state_text(values, Block.CALIBRATION_AGREED),
        changes=state_text(values, Block.CALIBRATION_CHANGES),
    )


def read_initiative_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "initiative")


def _agreed_sections(record: SessionRecord) -> list[SlackBlock]:
    blocks: list[SlackBlock] = [*quoted_sections("*What “good” looks like, as agreed:*", record.agreed)]
    if record.changes:
        blocks += quoted_sections("*Changes to the measures or the plan:*", record.changes)
    return blocks


def outcome_button(session_id: int) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text="Send the outcome to stakeholders"),
        action_id=Action.CALIBRATION_OUTCOME,
        value=str(session_id),
    )


def _recorded_text(record: SessionRecord) -> str:
    people = ", ".join(mention(p) for p in record.participant_ids)
    return (
        f"Recorded the calibration session of *{escape(record.initiative_name)}* on {record.held_on:%-d %b %Y} "
        f"with {people}."
    )


def recorded_view(record: SessionRecord) -> View:
    """What the recorder sees once the session is stored."""
    return View(
        type="modal",
        title=PlainTextObject(text="Touchpoint"),
        close=PlainTextObject(text="Close"),
        blocks=[
            section(_recorded_text(record)),
            *_agreed_sections(record),
            context("I've sent you the record in a DM, with a button that tells the stakeholders what was agreed."),
        ],
    )


def recorded_message(record: SessionRecord) -> Message:
    """The recorded session in the recorder's DM, with the button that tells the stakeholders."""
    blocks: list[SlackBlock] = [
        section(_recorded_text(record)),
        *_agreed_sections(record),
        ActionsBlock(block_id=f"calibration_outcome_{record.session_id}", elements=[outcome_button(record.session_id)]),
        context("Each active stakeholder gets one DM with what was agreed; clicking again sends nobody a second one."),
    ]
    return Message(text=f"Calibration session of {escape(record.initiative_name)} recorded", blocks=blocks)


def outcome_queued(record: SessionRecord, new: int) -> Message:
    name = escape(record.initiative_name)
    if new:
        text = f"Sending what *{name}*'s calibration session agreed to {new} stakeholder{'s' if new != 1 else ''}."
    else:
        text = (
            f"Every stakeholder of *{name}* already has (or is getting) what the session agreed: nobody gets it twice."
        )
    return Message(text=text, blocks=[section(text)])


def outcome_message(record: SessionRecord, to_user_id: str) -> Message:
    name = escape(record.initiative_name)
    intro = (
        f"Hi {mention(to_user_id)}! At the calibration session of *{name}* on {record.held_on:%-d %b %Y}, "
        "this is what was agreed. Your next quarterly review starts from it."
    )
    return Message(
        text=f"What the calibration session of {name} agreed ({record.held_on:%-d %b %Y})",
        blocks=[section(intro), *_agreed_sections(record), context("For your information: nothing to answer.")],
    )


def last_calibration_text(record: SessionRecord) -> str:
    """The review form's reminder, in mrkdwn: "At the last calibration (date) you agreed: ..."."""
    return f"*At the last calibration ({record.held_on:%-d %b %Y}) you agreed:*"


def calibration_text(standing: CalibrationStanding) -> str:
    """The L&D Home's line: when the next calibration is, and when the last was held."""
    last = f"last held {standing.last_held_on:%-d %b %Y}" if standing.last_held_on else "none held yet"
    return f"Calibration: next {standing.next_on:%-d %b %Y} · {last}"


def calibration_buttons(initiative_id: int, standing: CalibrationStanding | None) -> list[ButtonElement]:
    """The Home row's "Record calibration", and "Send calibration outcome" while the last session's is unsent."""
    found = [
        ButtonElement(
            text=PlainTextObject(text="Record calibration"),
            action_id=Action.RECORD_CALIBRATION,
            value=str(initiative_id),
        )
    ]
    if standing is not None and standing.last_session_id is not None and not standing.outcome_sent:
        found.append(
            ButtonElement(
                text=PlainTextObject(text="Send calibration outcome"),
                action_id=Action.CALIBRATION_OUTCOME,
                value=str(standing.last_session_id),
            )
        )
    return found
