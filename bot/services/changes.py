"""Initiatives that change after they open: edited, stakeholders added and removed, closed and reopened, success
measures retired. Each change is written to the change log in the change's own transaction (the caller's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import COMMAND
from bot.services import calendar
from bot.services.calendar import country_of
from bot.services.initiatives import (
    CreatedInitiative,
    FirstAsk,
    InitiativeInfo,
    NewInitiative,
    Person,
    by_name,
    name_key,
    validate,
)
from storage.models import (
    ChangeKind,
    Initiative,
    InitiativeStakeholder,
    Measure,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from storage.repositories import changes as change_rows
from storage.repositories import initiatives as initiative_rows
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import stakeholders as stakeholder_rows
from storage.repositories import touchpoints as touchpoint_rows

CLOSED_WHY = "its initiative was closed"
REMOVED_WHY = "its stakeholder was removed from the initiative"


@dataclass(frozen=True)
class EditForm:
    """What the edit modal shows: the new-initiative modal, pre-filled."""

    initiative_id: int
    form: NewInitiative
    active: bool


@dataclass(frozen=True)
class ClosedDm:
    """A touchpoint that had gone out and is now closed: its DM is to say so."""

    touchpoint_id: int
    kind: str
    initiative_name: str
    channel_id: str
    message_ts: str
    removed: bool  # its stakeholder was removed (else: its initiative was closed)


@dataclass(frozen=True)
class Changed:
    """What a change did, for the Slack side: the kickoffs of stakeholders added (or asked afresh), the touchpoints
    whose DMs now say they are closed, and the change log's lines."""

    initiative: CreatedInitiative  # opened_by: who made the change
    closed: tuple[ClosedDm, ...]
    lines: tuple[str, ...]
    active: bool = True


def edit_form(session: Session, team_id: str, initiative_id: int) -> EditForm:
    initiative = _initiative(session, team_id, initiative_id)
    return EditForm(
        _id(initiative),
        NewInitiative(
            initiative.name,
            initiative.business_goal,
            initiative.description,
            tuple(stakeholder_rows.user_ids_of(session, _id(initiative))),
            initiative.summary_channel_id,
        ),
        initiative.active,
    )


def find(session: Session, team_id: str, name: str) -> InitiativeInfo:
    return by_name(session, team_id, name)


def edit(
    session: Session,
    team_id: str,
    user_id: str,
    initiative_id: int,
    form: NewInitiative,
    active: bool,
    people: Mapping[str, Person | None],
    now: datetime,
    default_channel_id: str,
    default_tz: str,
) -> Changed:
    """Apply the edit modal: the same validation as a new initiative (FormInvalid), then each difference stored and
    logged, in the caller's transaction."""
    initiative = _initiative(session, team_id, initiative_id)
    errors = validate(session, team_id, form, people, editing=initiative)
    if errors:
        raise FormInvalid(errors)
    log = _Log(team_id, _id(initiative), user_id, now)
    name, goal, description = form.name.strip(), form.business_goal.strip(), form.description.strip()
    channel = form.summary_channel_id or default_channel_id
    if name != initiative.name:
        log.add(ChangeKind.RENAMED, f"Renamed from “{initiative.name}” to “{name}”")
    if goal != initiative.business_goal:
        log.add(ChangeKind.GOAL, f"Business goal changed from “{initiative.business_goal}” to “{goal}”")
    if description != initiative.description:
        log.add(ChangeKind.DESCRIPTION, "Description changed")
    if channel != initiative.summary_channel_id:
        log.add(ChangeKind.CHANNEL, f"Summaries moved from channel {initiative.summary_channel_id} to {channel}")
    initiative.name, initiative.name_key, initiative.business_goal = name, name_key(name), goal
    initiative.description, initiative.summary_channel_id = description, channel
    session.add(initiative)
    closed: list[int] = []
    asks: list[FirstAsk] = []
    kickoffs: list[int] = []
    if initiative.active and not active:
        closed += _close(session, initiative, log)
    elif active and not initiative.active:
        kickoffs, asks = _reopen(session, initiative, log, now, default_tz)
    made, more_asks, removed = _stakeholders(session, initiative, form, people, log, now, default_tz)
    closed += removed
    return log.done(session, initiative, tuple(kickoffs + made), tuple(asks + more_asks), tuple(closed))


def set_open(
    session: Session, team_id: str, user_id: str, name: str, open_: bool, now: datetime, default_tz: str
) -> Changed:
    """Close (open_ False) or reopen an initiative found by name; UserError if it already is."""
    initiative = _initiative(session, team_id, by_name(session, team_id, name).id)
    log = _Log(team_id, _id(initiative), user_id, now)
    if initiative.active == open_:
        raise UserError(f"*{initiative.name}* is already {'open' if open_ else 'closed'}.")
    if open_:
        kickoffs, asks = _reopen(session, initiative, log, now, default_tz)
        return log.done(session, initiative, tuple(kickoffs), tuple(asks), ())
    return log.done(session, initiative, (), (), tuple(_close(session, initiative, log)))


def retire_measure(session: Session, team_id: str, user_id: str, text: str, now: datetime) -> str:
    """Retire a success measure, given as "<initiative> / <measure>": no more readings are asked; its readings stay.
    Returns the change log's line."""
    initiative_name, _, measure_name = text.rpartition("/")
    if not initiative_name.strip() or not measure_name.strip():
        raise UserError(
            f"Say which initiative and which measure, for example: `{COMMAND} retire Sales onboarding / Ramp time`"
        )
    initiative = by_name(session, team_id, initiative_name.strip())
    measure = change_rows.measure_named(session, initiative.id, name_key(measure_name))
    if measure is None:
        raise UserError(f"*{initiative.name}* has no success measure called “{measure_name.strip()}”.")
    if not measure.active:
        raise UserError(f"“{measure.name}” is already retired.")
    change_rows.retire_measure(session, _id(measure))
    log = _Log(team_id, initiative.id, user_id, now)
    log.add(ChangeKind.MEASURE_RETIRED, f"Success measure “{measure.name}” retired")
    change_rows.record(session, log.rows)
    return log.rows[0]["text"]


def _id(row: Initiative | Stakeholder | InitiativeStakeholder | Measure | Touchpoint) -> int:
    """A stored row's id (a row read from the database always has one)."""
    assert row.id is not None
    return row.id


class _Log:
    def __init__(self, team_id: str, initiative_id: int, user_id: str, now: datetime) -> None:
        self.user_id = user_id
        self.base: dict[str, object] = {
            "team_id": team_id,
            "initiative_id": initiative_id,
            "changed_by": user_id,
            "changed_at": now,
        }
        self.rows: list[dict] = []

    def add(self, kind: ChangeKind, text: str) -> None:
        self.rows.append({**self.base, "kind": kind, "text": text if len(text) <= 1000 else text[:999] + "…"})

    def done(
        self,
        session: Session,
        initiative: Initiative,
        kickoffs: tuple[int, ...],
        asks: tuple[FirstAsk, ...],
        closed: tuple[int, ...],
    ) -> Changed:
        change_rows.record(session, self.rows)
        dms = closed_dms(session, closed)
        return Changed(
            CreatedInitiative(_id(initiative), initiative.name, tuple(sorted(kickoffs)), asks, self.user_id),
            dms,
            tuple(row["text"] for row in self.rows),
            initiative.active,
        )


def closed_dms(session: Session, touchpoint_ids: Iterable[int]) -> tuple[ClosedDm, ...]:
    """The DMs of these closed touchpoints (those that went out), each to say why it closed."""
    return tuple(
        ClosedDm(_id(t), t.kind, i.name, t.channel_id, t.message_ts, t.last_error == REMOVED_WHY)
        for t, i, _ in touchpoint_rows.touchpoint_context(session, touchpoint_ids)
        if t.channel_id and t.message_ts
    )


def _initiative(session: Session, team_id: str, initiative_id: int) -> Initiative:
    initiative = initiative_rows.initiative_by_id(session, team_id, initiative_id)
    if initiative is None:
        raise UserError(f"That initiative no longer exists. `{COMMAND} list --all` shows them all.")
    return initiative


def _close(session: Session, initiative: Initiative, log: _Log) -> list[int]:
    initiative.active = False
    session.add(initiative)
    log.add(ChangeKind.CLOSED, "Closed: no more touchpoints, out of the digest")
    return change_rows.close_open(session, _id(initiative), None, CLOSED_WHY)


def _reopen(
    session: Session, initiative: Initiative, log: _Log, now: datetime, default_tz: str
) -> tuple[list[int], list[FirstAsk]]:
    """Reopened: each current stakeholder's next check-in or review is planned from now (none of those missed while
    closed), and a kickoff closed unanswered is asked afresh at a sensible hour of their day."""
    initiative.active = True
    session.add(initiative)
    log.add(ChangeKind.REOPENED, "Reopened")
    change_rows.unplan_pairs(session, _id(initiative))
    current = [s for pair, s in change_rows.pairs_of(session, _id(initiative)) if pair.removed_at is None]
    return _ask_again(session, initiative, current, now, default_tz)


def _ask_again(
    session: Session, initiative: Initiative, people: list[Stakeholder], now: datetime, default_tz: str
) -> tuple[list[int], list[FirstAsk]]:
    kickoffs = change_rows.kickoffs_of(session, _id(initiative), [_id(s) for s in people])
    cadence = _cadence(session, _id(initiative))
    ids, asks = [], []
    for person in people:
        kickoff = kickoffs.get(_id(person))
        if kickoff is None or kickoff.status != TouchpointStatus.CLOSED:
            continue
        ask = _first_ask(cadence, person, now, default_tz)
        change_rows.ask_kickoff_again(session, _id(kickoff), ask.due_at)
        ids.append(_id(kickoff))
        asks.append(ask)
    return ids, asks


def _stakeholders(
    session: Session,
    initiative: Initiative,
    form: NewInitiative,
    people: Mapping[str, Person | None],
    log: _Log,
    now: datetime,
    default_tz: str,
) -> tuple[list[int], list[FirstAsk], list[int]]:
    """Stakeholders added (a kickoff each, as when the initiative opened; one removed before and added back is
    asked afresh only if they never answered it) and removed (their open touchpoints closed, nothing more planned,
    their answers kept)."""
    pairs = {s.user_id: (pair, s) for pair, s in change_rows.pairs_of(session, _id(initiative))}
    people_rows = {u: s for u, (_, s) in pairs.items()}
    wanted = list(dict.fromkeys(form.stakeholder_ids))
    current = {u for u, (pair, _) in pairs.items() if pair.removed_at is None}
    removed = [u for u in pairs if u in current and u not in wanted]
    restored = [u for u in wanted if u in pairs and u not in current]
    new = [u for u in wanted if u not in pairs]
    closed: list[int] = []
    if removed:
        change_rows.set_removed(session, [_id(pairs[u][0]) for u in removed], now)
        closed = change_rows.close_open(session, _id(initiative), [_id(pairs[u][1]) for u in removed], REMOVED_WHY)
        for u in removed:
            log.add(ChangeKind.STAKEHOLDER_REMOVED, f"Stakeholder {_who(pairs[u][1])} removed")
    ids: list[int] = []
    asks: list[FirstAsk] = []
    if restored:
        change_rows.set_removed(session, [_id(pairs[u][0]) for u in restored], None)
        if initiative.active:
            ids, asks = _ask_again(session, initiative, [pairs[u][1] for u in restored], now, default_tz)
    if new:
        rows = stakeholder_rows.upsert_stakeholders(
            session,
            initiative.team_id,
            {u: (p.display_name, p.tz, country_of(p.tz)) if p else None for u, p in people.items() if u in new},
            new,
            now,
        )
        cadence = _cadence(session, _id(initiative))
        base = {"team_id": initiative.team_id, "initiative_id": _id(initiative)}
        firsts = {s.user_id: _first_ask(cadence, s, now, default_tz) for s in rows}
        planning_rows.add_pairs(
            session, [{**base, "stakeholder_id": _id(s), "added_at": now, "planned": True} for s in rows]
        )
        kickoffs = [
            {
                **base,
                "stakeholder_id": _id(s),
                "kind": TouchpointKind.KICKOFF,
                "period": TouchpointKind.KICKOFF,
                "status": TouchpointStatus.PENDING,
                "due_at": firsts[s.user_id].due_at,
            }
            for s in rows
        ]
        if initiative.active:  # a closed initiative's new stakeholders are asked when it reopens
            ids += [t for t, _ in touchpoint_rows.add_touchpoints_returning(session, kickoffs)]
            asks += [firsts[s.user_id] for s in rows]
        else:
            touchpoint_rows.add_touchpoints(
                session, [{**k, "status": TouchpointStatus.CLOSED, "last_error": CLOSED_WHY} for k in kickoffs]
            )
        people_rows.update({s.user_id: s for s in rows})
    for u in restored + new:
        log.add(ChangeKind.STAKEHOLDER_ADDED, f"Stakeholder {_who(people_rows[u])} added")
    return ids, asks, closed


def _who(person: Stakeholder) -> str:
    return f"{person.display_name} ({person.user_id})" if person.display_name else person.user_id


def _cadence(session: Session, initiative_id: int) -> calendar.Cadence:
    return calendar.Cadence.of(schedule_rows.schedules_for(session, [initiative_id]).get(initiative_id))


def _first_ask(cadence: calendar.Cadence, person: Stakeholder, now: datetime, default_tz: str) -> FirstAsk:
    tz = calendar.zone(person.tz, default_tz)
    due = calendar.first_ask(cadence, tz, calendar.holidays_in(person.country), now, person.paused_until)
    return FirstAsk(person.user_id, due, tz.key)
