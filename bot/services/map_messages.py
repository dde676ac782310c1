"""The DMs the stakeholder map makes Touchpoint send, each exactly once (its map_message row is its claim and its
record): a keep-informed stakeholder's monthly status update (where the initiative stands, nothing to answer), and
an alert to the initiative's owner when a high-influence stakeholder falls silent for two cycles or their rating
drops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services import alignment, calendar
from bot.services.measures import MeasureRow, rows_of
from storage.models import (
    Initiative,
    InitiativeStakeholder,
    MapMessage,
    MapMessageKind,
    PostStatus,
    Question,
    Stakeholder,
    saved_id,
)
from storage.repositories import answers as answer_rows
from storage.repositories import map_messages as map_rows
from storage.repositories import planning as planning_rows
from storage.repositories import stakeholders as stakeholder_rows

ATTEMPTS_MAX = 5  # a DM Slack refused this many times is given up on
BATCH = 200
AT_RISK_PAGE = 1_000


@dataclass(frozen=True)
class Statement:
    name: str
    impact: str


@dataclass(frozen=True)
class StatusContent:
    """Where an initiative stands, as a keep-informed stakeholder reads it."""

    business_goal: str
    alignment: int | None
    stakeholders: int
    statements: tuple[Statement, ...]
    measures: tuple[MeasureRow, ...]


@dataclass(frozen=True)
class MapDm:
    message_id: int
    kind: str  # MapMessageKind
    to_user_id: str
    initiative_id: int
    initiative_name: str
    stakeholder_id: int
    stakeholder_user_id: str
    attempts: int
    rating: int | None = None
    previous_rating: int | None = None
    silent_cycles: int = 0
    status: StatusContent | None = None
    due_at: datetime | None = None


def status_row(pair: InitiativeStakeholder, user_id: str, period: str, due_at: datetime) -> dict:
    return {
        "team_id": pair.team_id,
        "initiative_id": pair.initiative_id,
        "stakeholder_id": pair.stakeholder_id,
        "kind": MapMessageKind.STATUS,
        "key": period,
        "to_user_id": user_id,
        "due_at": due_at,
        "status": PostStatus.PENDING,
        "attempts": 0,
    }


def event_key(pair: InitiativeStakeholder) -> tuple[str, str]:
    """The alert a high-influence pair at risk calls for, and what makes it one event: silence counted since their
    last answer, or the touchpoint whose rating dropped."""
    if pair.rating is not None and pair.previous_rating is not None and pair.rating < pair.previous_rating:
        return MapMessageKind.RATING_DROP, f"touchpoint:{pair.rated_touchpoint_id}"
    since = pair.last_answered_at or pair.added_at
    return MapMessageKind.SILENT, f"since:{since:%Y-%m-%dT%H:%M:%S}"


def queue_alerts(session: Session, now: datetime) -> int:
    """An alert for each high-influence stakeholder at risk whose event has none yet; returns how many are new."""
    rows = []
    page = map_rows.at_risk(session, None, AT_RISK_PAGE)
    while page:  # every pair at risk, a page at a time: those already alerted stay at risk, so never stop at one page
        rows += [_alert_row(pair, initiative.created_by, now) for pair, initiative, _ in page]
        last = saved_id(page[-1][0])
        page = map_rows.at_risk(session, None, AT_RISK_PAGE, after_pair_id=last) if len(page) == AT_RISK_PAGE else []
    # Most are alerted already (they stay at risk until they answer): only the new ones go to the insert.
    known = map_rows.known(session, [_alert_key(r) for r in rows])
    return map_rows.add(session, [r for r in rows if _alert_key(r) not in known])


def _alert_key(row: dict) -> tuple[int, int, str, str]:
    return row["initiative_id"], row["stakeholder_id"], row["kind"], row["key"]


def _alert_row(pair: InitiativeStakeholder, owner: str, now: datetime) -> dict:
    kind, key = event_key(pair)
    return {
        "team_id": pair.team_id,
        "initiative_id": pair.initiative_id,
        "stakeholder_id": pair.stakeholder_id,
        "kind": kind,
        "key": key,
        "to_user_id": owner,
        "due_at": now,
        "status": PostStatus.PENDING,
        "attempts": 0,
    }


def _status(session: Session, initiative: Initiative, now: datetime) -> StatusContent:
    initiative_id = saved_id(initiative)
    pairs = [
        (pair, person)
        for pair, person in stakeholder_rows.current_pairs_of(session, initiative_id)
        if pair.removed_at is None and person.active
    ]
    said = answer_rows.latest_answers_for(
        session, [(initiative_id, p.stakeholder_id) for p, _ in pairs], [Question.IMPACT]
    )
    statements = tuple(
        Statement(person.display_name or person.user_id, said[(initiative_id, p.stakeholder_id)][Question.IMPACT])
        for p, person in pairs
        if Question.IMPACT in said.get((initiative_id, p.stakeholder_id), {})
    )
    index = alignment.for_team(session, initiative.team_id, now).get(initiative_id)
    return StatusContent(
        initiative.business_goal,
        index.value if index is not None else None,
        len(pairs),
        statements,
        tuple(rows_of(session, [initiative_id]).get(initiative_id, [])),
    )


def _skip_why(
    message: MapMessage,
    initiative: Initiative,
    person: Stakeholder,
    pair: InitiativeStakeholder | None,
    now: datetime,
    grace: timedelta,
    default_tz: str,
) -> str | None:
    if not initiative.active or pair is None or not person.active:
        return "the initiative closed, or its stakeholder left it"
    if message.kind == MapMessageKind.STATUS:
        if message.status == PostStatus.SENDING and message.attempts == 1 and message.due_at < now - grace:
            return "fell due while Touchpoint was not running"
        if calendar.is_paused(person.paused_until, calendar.zone(person.tz, default_tz), now):
            return "the stakeholder is away"
    return None


def claim(session: Session, now: datetime, grace: timedelta, lease: timedelta, default_tz: str) -> list[MapDm]:
    """Take what is due and turn it into DMs; what can no longer go (initiative closed, stakeholder removed or away, a
    status update that fell due while nothing ran) is skipped, and a skipped status update's next one planned."""
    found: list[MapDm] = []
    statuses: dict[int, StatusContent] = {}
    for message, initiative, person, pair in map_rows.claim_due(session, now, now - lease, BATCH):
        why = _skip_why(message, initiative, person, pair, now, grace, default_tz)
        if why is not None:
            map_rows.finish(session, saved_id(message), map_rows.SKIPPED, now, why)
            if message.kind == MapMessageKind.STATUS:
                planning_rows.unplan_pair(session, message.initiative_id, message.stakeholder_id)
            continue
        assert pair is not None
        content = None
        if message.kind == MapMessageKind.STATUS:
            if message.initiative_id not in statuses:
                statuses[message.initiative_id] = _status(session, initiative, now)
            content = statuses[message.initiative_id]
        found.append(
            MapDm(
                saved_id(message),
                message.kind,
                message.to_user_id,
                message.initiative_id,
                initiative.name,
                message.stakeholder_id,
                person.user_id,
                message.attempts,
                pair.rating,
                pair.previous_rating,
                pair.silent_cycles,
                content,
                message.due_at,
            )
        )
    return found


def sent(session: Session, dm: MapDm, now: datetime) -> None:
    map_rows.finish(session, dm.message_id, PostStatus.POSTED, now)
    if dm.kind == MapMessageKind.STATUS:  # next month's is to plan
        planning_rows.unplan_pair(session, dm.initiative_id, dm.stakeholder_id)


def failed(session: Session, dm: MapDm, error: str, now: datetime, *, unreachable: bool = False) -> None:
    """Slack refused it: tried again by the next pass, until ATTEMPTS_MAX (or at once given up, for someone Slack
    cannot reach)."""
    if unreachable or dm.attempts >= ATTEMPTS_MAX:
        map_rows.finish(session, dm.message_id, PostStatus.FAILED, now, error[:500])
        if dm.kind == MapMessageKind.STATUS:
            planning_rows.unplan_pair(session, dm.initiative_id, dm.stakeholder_id)
    else:
        map_rows.finish(session, dm.message_id, PostStatus.PENDING, now, error[:500])
