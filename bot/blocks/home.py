"""The App Home tab: a stakeholder's own initiatives, or the L&D team's live picture. Pure builders of Home views
within Slack's limits (100 blocks a view, 3,000 characters a section); every word a person typed is escaped."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    DividerBlock,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.calibration import calibration_buttons, calibration_text
from bot.blocks.common import SECTION_TEXT_MAX, channel, context, date, escape, mention, quoted_sections, section
from bot.blocks.digest import INDEX_HELP, attention_list, initiative_text, planning_answers
from bot.blocks.measures import agreement_text
from bot.blocks.touchpoints import actions_block_id, snooze_menu
from bot.ids import COMMAND, Action
from bot.services.home import HomeMeasure, LdHome, StakeholderHome, StakeholderInitiative
from storage.models import Direction, TouchpointKind

BLOCKS_MAX = 100  # Slack's limit for a view
PER_PAGE = 40  # initiatives on one page of the L&D member's Home: two blocks each, the rest for the head and paging
# An L&D member who is also a stakeholder: their own initiatives first, in at most OWN_BLOCKS_MAX blocks, then a
# shorter page of the team's (4 blocks of head, 2 an initiative, 1 of paging), a block left for a notice.
PER_PAGE_BESIDE_OWN = 25
OWN_BLOCKS_MAX = BLOCKS_MAX - 1 - (4 + 2 * PER_PAGE_BESIDE_OWN + 1) - 1  # and one divider between the two parts
MEASURES_SHOWN = 10
KINDS: dict[str, str] = {
    TouchpointKind.KICKOFF: "first questions",
    TouchpointKind.CHECKIN: "check-in",
    TouchpointKind.REVIEW: "review",
}
PREVIOUS_PAGE = f"{Action.HOME_PAGE}_previous"
NEXT_PAGE = f"{Action.HOME_PAGE}_next"


def _kind(kind: str | None) -> str:
    return KINDS.get(kind or "", escape(kind or "touchpoint"))


def _button(label: str, action_id: str, value: str | None = None, *, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=label), action_id=action_id, value=value, style="primary" if primary else None
    )


def _fit(text: str) -> str:
    """Text Touchpoint composed, kept within a section (cut before any partial escape or mention)."""
    if len(text) <= SECTION_TEXT_MAX:
        return text
    cut = SECTION_TEXT_MAX - 1
    for opener in ("&", "<"):
        start = text.rfind(opener, cut - 40, cut)
        if start > 0 and (";" if opener == "&" else ">") not in text[start:cut]:
            cut = start
    return text[:cut] + "…"


def _home(blocks: list[Block]) -> View:
    assert len(blocks) <= BLOCKS_MAX, f"{len(blocks)} blocks in a Home view"
    return View(type="home", blocks=blocks)


# A stakeholder's Home


def _number(value: float, unit: str) -> str:
    return f"{value:g}{' ' + escape(unit) if unit else ''}"


def _measure_line(m: HomeMeasure) -> str:
    parts = [f"*{escape(m.name)}*"]
    if m.baseline is not None:
        parts.append(f"baseline {_number(m.baseline, m.unit)}")
    parts.append(
        f"latest {_number(m.latest, m.unit)} ({m.latest_on:%d %b %Y})"
        if m.latest is not None and m.latest_on is not None
        else "no reading yet"
    )
    if m.target is not None:
        parts.append(f"target {_number(m.target, m.unit)}" + (f" by {m.target_on:%b %Y}" if m.target_on else ""))
    parts.append("higher is better" if m.direction == Direction.HIGHER else "lower is better")
    return "• " + " · ".join(parts)


def _with_revise(statement: list[SectionBlock], initiative_id: int) -> list[SectionBlock]:
    """The statement's first section with a "Revise" button beside it (it reopens the kickoff's questions)."""
    first, *rest = statement
    button = _button("Revise", Action.HOME_REVISE, str(initiative_id))
    return [SectionBlock(text=first.text, block_id=f"home-revise-{initiative_id}", accessory=button), *rest]


def _initiative_blocks(i: StakeholderInitiative) -> list[Block]:
    blocks: list[Block] = [section(_fit(f"*{escape(i.name)}*\n*Business goal:* {escape(i.business_goal)}"))]
    revise = i.revisable
    if i.impact:
        said = quoted_sections(f"*The impact you want* (as you said it {date(i.impact.answered_at)})", i.impact.text)
        blocks += _with_revise(said, i.initiative_id) if revise else said
        revise = False
    if i.tracking:
        said = quoted_sections(f"*What you track* (as you said it {date(i.tracking.answered_at)})", i.tracking.text)
        blocks += _with_revise(said, i.initiative_id) if revise else said
    if not (i.impact or i.tracking):
        blocks.append(context("You haven't told the L&D team what impact you want yet."))
    if i.measures:
        lines = [_measure_line(m) for m in i.measures[:MEASURES_SHOWN]]
        if len(i.measures) > MEASURES_SHOWN:
            lines.append(f"…and {len(i.measures) - MEASURES_SHOWN} more in `{COMMAND} export mine`")
        blocks.append(section(_fit("*Success measures you report*\n" + "\n".join(lines))))
    if i.open_touchpoint:
        t = i.open_touchpoint
        closes = f", open until {date(t.closes_at)}" if t.closes_at else ""
        blocks.append(section(f"*Your {_kind(t.kind)} is waiting for you*{closes}"))
        elements: list = [_button("Answer", Action.OPEN_ANSWER, str(t.touchpoint_id), primary=True)]
        if t.kind != TouchpointKind.KICKOFF:
            elements += [
                snooze_menu(t.touchpoint_id),
                _button("Skip this one", Action.SKIP, str(t.touchpoint_id)),
            ]
        blocks.append(ActionsBlock(block_id=actions_block_id(t.touchpoint_id), elements=elements))
    notes = []
    if i.next_due_at:
        notes.append(f"Next: your {_kind(i.next_kind)} on {date(i.next_due_at)}")
    notes.append(f"Your answers go to {channel(i.summary_channel_id)}, where the L&D team reads them")
    blocks += [context(" · ".join(notes)), DividerBlock()]
    return blocks


def notice(mrkdwn: str) -> Block:
    """What a button on the Home said (a snooze, a skip, a pause), for the top of the refreshed Home, where a
    message's button would have answered in the conversation. `mrkdwn` is a builder's text, escaped already."""
    return section(_fit(mrkdwn))


def stakeholder_home(home: StakeholderHome, ld_user_ids: tuple[str, ...]) -> View:
    if not home.initiatives:
        return welcome_home(ld_user_ids)
    return _home(_own_blocks(home, BLOCKS_MAX - 1))  # room for a notice


def _own_blocks(home: StakeholderHome, budget: int) -> list[Block]:
    """A stakeholder's part of a Home in at most `budget` blocks: the initiatives that fit whole, and a line for the
    rest."""
    count = len(home.initiatives)
    paused = f" Nothing is sent to you until after {home.paused_until:%d %b %Y}." if home.paused_until else ""
    head: list[Block] = [
        section(
            f"*Your initiatives* · you are a stakeholder of {count} learning initiative{'s' if count != 1 else ''}. "
            f"Here is what you told the L&D team, and what is open.{paused}"
        ),
        ActionsBlock(
            elements=[
                DatePickerElement(action_id=Action.HOME_AWAY, placeholder=PlainTextObject(text="I'm away until…")),
                _button("Export my answers", Action.HOME_EXPORT_MINE),
            ]
        ),
        DividerBlock(),
    ]
    if home.plans_waiting:
        lines = [
            f"• *{escape(name)}* (version {version})" + ("" if must else ", for your information")
            for name, version, must in home.plans_waiting[:10]
        ]
        head.insert(2, section(_fit("*Plans waiting for your sign-off* (in our DM)\n" + "\n".join(lines))))
    blocks, left_out = head, 0
    for initiative in home.initiatives:
        more = _initiative_blocks(initiative)
        if left_out or len(blocks) + len(more) > budget - 1:  # room for "more"
            left_out += 1
            continue
        blocks += more
    if left_out:
        blocks.append(context(f"…and {left_out} more initiatives: `{COMMAND} export mine` has all your answers."))
    return blocks


def welcome_home(ld_user_ids: tuple[str, ...]) -> View:
    who = ", ".join(mention(u) for u in ld_user_ids[:10]) or "your L&D team"
    return _home(
        [
            section(
                "*Welcome to Touchpoint*\nTouchpoint keeps the L&D team aligned with the business people each "
                "learning initiative serves. When you are named a stakeholder of an initiative, it asks you in a DM "
                "what impact you want it to have and what you already track that would show it working, then checks "
                "in once a month and reviews once a quarter, at a sensible hour of your day."
            ),
            section(
                "You are not a stakeholder of any initiative yet, so there is nothing here for you. "
                f"To open an initiative or be added to one, ask {who}."
            ),
        ]
    )


# The L&D member's Home


def _ld_initiative_text(item) -> str:
    extra = f"Open shifts nobody has followed up: {item.open_shifts}"
    if item.next_due_at:
        extra += f" · next touchpoint {date(item.next_due_at)} ({item.waiting} waiting to go out)"
    else:
        extra += " · no touchpoint planned"
    if item.measures:
        shown = [
            f"{escape(m.name)}: {agreement_text(m.owner_user_id, m.agreed_at)}" for m in item.measures[:MEASURES_SHOWN]
        ]
        more = len(item.measures) - len(shown)
        extra += "\nMeasures: " + " · ".join(shown) + (f" · and {more} more" if more > 0 else "")
    if item.calibration is not None:
        extra += "\n" + calibration_text(item.calibration)
    return _fit(f"{initiative_text(item.summary)}\n{extra}")


FIRST_RUN = (
    ":wave: *One step left:* choose your L&D channel with *Team settings* below (where answers, shifts and the "
    "weekly digest go), add the rest of your L&D team, then `/invite @Touchpoint` there."
)


def ld_home(home: LdHome, own: StakeholderHome | None = None) -> View:
    """The L&D team's picture; for an L&D member who is also a stakeholder (`own`), their own initiatives first."""
    blocks: list[Block] = []
    if own and own.initiatives:
        blocks += [*_own_blocks(own, OWN_BLOCKS_MAX), section("*The L&D team's initiatives*")]
    if home.attention:
        attention = f"*Needs a conversation this week*\n{attention_list(home.attention, home.more_attention, '')}"
    else:
        attention = "*Needs a conversation this week*\nNothing needs urgent attention right now."
    if home.planning:  # in the same block: a Home's blocks are counted to the last one
        attention += f"\n\n{planning_answers(home.planning)}"
    page = f" · page {home.page} of {home.pages}" if home.pages > 1 else ""
    if home.needs_channel:
        blocks.append(notice(FIRST_RUN))
    blocks += [
        section(_fit(attention)),
        ActionsBlock(
            elements=[
                _button("New initiative", Action.HOME_NEW_INITIATIVE, primary=True),
                _button("Team settings", Action.HOME_TEAM_SETTINGS),
            ]
        ),
        context(
            f"{home.total} active initiative{'s' if home.total != 1 else ''}, lowest alignment first{page}. "
            f"{INDEX_HELP}"
        ),
        DividerBlock(),
    ]
    for item in home.initiatives:
        value = str(item.summary.initiative_id)
        blocks += [
            section(_ld_initiative_text(item)),
            ActionsBlock(
                block_id=f"home-initiative-{value}",
                elements=[
                    _button("Schedule", Action.HOME_SCHEDULE, value),
                    _button("Measures", Action.HOME_MEASURES, value),
                    _button("Export", Action.HOME_EXPORT, value),
                    _button("Edit", Action.HOME_EDIT, value),  # also closes it: the edit modal has its status
                    _button("Stakeholder map", Action.HOME_MAP, value),
                    _button("Plan", Action.HOME_PLAN, value),
                    *calibration_buttons(item.summary.initiative_id, item.calibration),
                ],
            ),
        ]
    paging = []
    if home.page > 1:
        paging.append(_button("Previous page", PREVIOUS_PAGE, str(home.page - 1)))
    if home.page < home.pages:
        paging.append(_button("Next page", NEXT_PAGE, str(home.page + 1)))
    if paging:
        blocks.append(ActionsBlock(block_id="home-pages", elements=paging))
    return _home(blocks)
