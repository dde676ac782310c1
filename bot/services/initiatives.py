"""Opening initiatives and listing them."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import COMMAND, Block
from bot.limits import DESCRIPTION_MAX, GOAL_MAX, LIST_PAGE_SIZE, NAME_MAX, STAKEHOLDERS_MAX
from bot.services import calendar
from bot.services.business_calendar import BusyWarning
from bot.services.calendar import country_of
from storage.models import Initiative, TouchpointKind, TouchpointStatus, saved_id
from storage.repositories import initiatives as initiative_rows
from storage.repositories import planning as planning_rows
from storage.repositories import stakeholders as stakeholder_rows
from storage.repositories import touchpoints as touchpoint_rows


@dataclass(frozen=True)
class NewInitiative:
    """What the L&D member typed into the "new initiative" modal."""

    name: str
    business_goal: str
    description: str
    stakeholder_ids: tuple[str, ...]
    summary_channel_id: str | None


class Person(Protocol):
    """What a service needs to know of a person chosen as a stakeholder: the Slack side's Profile (bot.slack.profiles)
    is one; None where Slack could not be asked in time."""

    @property
    def display_name(self) -> str: ...

    @property
    def tz(self) -> str | None: ...

    @property
    def is_bot(self) -> bool: ...

    @property
    def deleted(self) -> bool: ...


@dataclass(frozen=True)
class FirstAsk:
    """When a stakeholder of a new initiative gets the first two questions."""

    user_id: str
    due_at: datetime
    tz: str


@dataclass(frozen=True)
class CreatedInitiative:
    id: int
    name: str
    touchpoint_ids: tuple[int, ...]
    asks: tuple[FirstAsk, ...] = ()
    opened_by: str = ""
    busy: tuple[BusyWarning, ...] = ()  # stakeholders whose busiest weeks hold today (the business calendar)


@dataclass(frozen=True)
class InitiativeRow:
    id: int
    name: str
    business_goal: str
    summary_channel_id: str
    created_by: str
    stakeholders: int
    answered: int
    active: bool = True


def name_key(name: str) -> str:
    """Two names that a person would call the same name share this key."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class InitiativeInfo:
    """An initiative as services hand it on: plain data, readable after its session has closed."""

    id: int
    team_id: str
    name: str
    business_goal: str
    description: str
    summary_channel_id: str
    created_by: str
    active: bool

    @classmethod
    def of(cls, row: Initiative) -> InitiativeInfo:
        return cls(
            saved_id(row),
            row.team_id,
            row.name,
            row.business_goal,
            row.description,
            row.summary_channel_id,
            row.created_by,
            row.active,
        )


def by_name(session: Session, team_id: str, name: str) -> InitiativeInfo:
    """The initiative called `name` (in any case), or a message saying how to find the right name."""
    initiative = initiative_rows.initiative_by_name(session, team_id, name_key(name))
    if initiative is None:
        raise UserError(f"I can't find an initiative called “{name}”. `{COMMAND} list` shows them all.")
    return InitiativeInfo.of(initiative)


def validate(
    session: Session,
    team_id: str,
    form: NewInitiative,
    people: Mapping[str, Person | None],
    *,
    editing: Initiative | None = None,
) -> dict[str, str]:
    """The form's problems by block id; `editing`: the initiative an edit modal changes (its own name is free)."""
    errors: dict[str, str] = {}
    name = form.name.strip()
    if not name:
        errors[Block.NAME] = "Give the initiative a name."
    elif len(name) > NAME_MAX:
        errors[Block.NAME] = f"Keep the name to {NAME_MAX} characters (it has {len(name)})."
    elif (editing is None or editing.name_key != name_key(name)) and initiative_rows.initiative_name_taken(
        session, team_id, name_key(name)
    ):
        errors[Block.NAME] = f"An initiative called “{name}” already exists. Choose another name."
    goal = form.business_goal.strip()
    if not goal:
        errors[Block.GOAL] = "Say which business goal this initiative serves."
    elif len(goal) > GOAL_MAX:
        errors[Block.GOAL] = f"Keep the business goal to {GOAL_MAX} characters (it has {len(goal)})."
    if len(form.description.strip()) > DESCRIPTION_MAX:
        errors[Block.DESCRIPTION] = f"Keep the description to {DESCRIPTION_MAX} characters."
    # People already on the initiative were checked when they were added: a later deactivation is Slack's news.
    known = set() if editing is None or editing.id is None else set(stakeholder_rows.user_ids_of(session, editing.id))
    stakeholder_problem = _stakeholder_problem(form.stakeholder_ids, people, known)
    if stakeholder_problem:
        errors[Block.STAKEHOLDERS] = stakeholder_problem
    return errors


def _stakeholder_problem(
    user_ids: tuple[str, ...], people: Mapping[str, Person | None], known: set[str] | frozenset[str] = frozenset()
) -> str | None:
    if not user_ids:
        return "Choose at least one stakeholder: the business people this initiative serves."
    if len(user_ids) > STAKEHOLDERS_MAX:
        return f"Choose at most {STAKEHOLDERS_MAX} stakeholders."
    user_ids = tuple(u for u in user_ids if u not in known)
    bots = [u for u in user_ids if (p := people.get(u)) is not None and p.is_bot]
    if bots:
        return f"{_mentions(bots)} {'is an app' if len(bots) == 1 else 'are apps'}: stakeholders must be people."
    gone = [u for u in user_ids if (p := people.get(u)) is not None and p.deleted]
    if gone:
        return f"{_mentions(gone)} {'is' if len(gone) == 1 else 'are'} deactivated in Slack. Remove them to continue."
    return None


def _mentions(user_ids: list[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def create(
    session: Session,
    team_id: str,
    opened_by: str,
    form: NewInitiative,
    people: Mapping[str, Person | None],
    default_channel_id: str,
    now: datetime,
    default_tz: str = "UTC",
) -> CreatedInitiative:
    """Store the initiative, its stakeholders and one kickoff touchpoint per stakeholder (see `store`)."""
    errors = validate(session, team_id, form, people)
    if errors:
        raise FormInvalid(errors)
    [created] = store(session, team_id, [(opened_by, form)], people, default_channel_id, now, default_tz)
    return created


def store(
    session: Session,
    team_id: str,
    forms: list[tuple[str, NewInitiative]],
    people: Mapping[str, Person | None],
    default_channel_id: str,
    now: datetime,
    default_tz: str = "UTC",
) -> list[CreatedInitiative]:
    """Store validated initiatives (each with who opens it), their stakeholders and a kickoff per stakeholder: a few
    statements for any number of initiatives, in the caller's transaction. Each kickoff is due at a sensible hour of
    its stakeholder's day (`calendar.first_ask`): now during their working hours, else their next working day."""
    initiatives = [
        Initiative(
            team_id=team_id,
            name=form.name.strip(),
            name_key=name_key(form.name),
            business_goal=form.business_goal.strip(),
            description=form.description.strip(),
            summary_channel_id=form.summary_channel_id or default_channel_id,
            created_by=opened_by,
            created_at=now,
        )
        for opened_by, form in forms
    ]
    session.add_all(initiatives)
    try:
        session.flush()
    except IntegrityError:
        # Another L&D member took the name between validation and now.
        name = forms[0][1].name.strip() if len(forms) == 1 else "one of them"
        raise FormInvalid({Block.NAME: f"An initiative called “{name}” already exists. Choose another name."}) from None
    wanted = [u for _, form in forms for u in form.stakeholder_ids]
    stakeholders = {
        s.user_id: s
        for s in stakeholder_rows.upsert_stakeholders(
            session,
            team_id,
            {u: (p.display_name, p.tz, country_of(p.tz)) if p else None for u, p in people.items() if u in set(wanted)},
            wanted,
            now,
        )
    }
    cadence = calendar.Cadence()  # a new initiative has the default schedule
    asks = {}
    for user_id, person in stakeholders.items():
        tz = calendar.zone(person.tz, default_tz)
        asks[user_id] = FirstAsk(
            user_id,
            calendar.first_ask(cadence, tz, calendar.holidays_in(person.country), now, person.paused_until),
            tz.key,
        )
    pairs, kickoffs = [], []
    for initiative, (_, form) in zip(initiatives, forms, strict=True):
        for user_id in dict.fromkeys(form.stakeholder_ids):
            # planned: nothing to plan until the kickoff reaches them
            pair = {"team_id": team_id, "initiative_id": initiative.id, "stakeholder_id": stakeholders[user_id].id}
            pairs.append({**pair, "added_at": now, "planned": True})
            kickoffs.append(
                {
                    **pair,
                    "kind": TouchpointKind.KICKOFF,
                    "period": TouchpointKind.KICKOFF,
                    "status": TouchpointStatus.PENDING,
                    "due_at": asks[user_id].due_at,
                }
            )
    planning_rows.add_pairs(session, pairs)
    made: dict[int, list[int]] = {}
    for touchpoint_id, initiative_id in touchpoint_rows.add_touchpoints_returning(session, kickoffs):
        made.setdefault(initiative_id, []).append(touchpoint_id)
    return [
        CreatedInitiative(
            saved_id(i),
            i.name,
            tuple(sorted(made.get(saved_id(i), ()))),
            tuple(asks[u] for u in dict.fromkeys(form.stakeholder_ids)),
            i.created_by,
        )
        for i, (_, form) in zip(initiatives, forms, strict=True)
    ]


@dataclass(frozen=True)
class Listing:
    rows: list[InitiativeRow]
    page: int
    pages: int
    total: int
    include_closed: bool = False


def list_page(
    session: Session, team_id: str, page: int, page_size: int = LIST_PAGE_SIZE, *, include_closed: bool = False
) -> Listing:
    """One page of the team's open initiatives (with `include_closed`, closed ones too), newest first, with answered
    counts; past the end means the last page."""
    total = initiative_rows.count_initiatives(session, team_id, include_closed=include_closed)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = initiative_rows.initiatives_with_answer_counts(
        session, team_id, offset=(page - 1) * page_size, limit=page_size, include_closed=include_closed
    )
    return Listing([InitiativeRow(**row) for row in rows], page, pages, total, include_closed)
