"""Planning each stakeholder's next check-in or review, and listing what is coming up."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.services import calendar, map_messages
from bot.services.stakeholder_map import CadenceChoice, pair_cadence
from storage.models import TouchpointStatus, saved_id
from storage.repositories import map_messages as map_rows
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import touchpoints as touchpoint_rows

PLAN_BATCH = 1_000


def for_choice(cadence: calendar.Cadence, choice: CadenceChoice) -> calendar.Cadence:
    """The initiative's cadence as one stakeholder gets it: reviews only drops the check-ins; a status update goes
    out on the check-in day of every month the initiative has any touchpoint."""
    if choice == CadenceChoice.REVIEWS_ONLY:
        return dataclasses.replace(cadence, checkins=False)
    if choice == CadenceChoice.STATUS_ONLY:
        return dataclasses.replace(cadence, checkins=cadence.checkins or cadence.reviews, reviews=False)
    return cadence


def plan(
    session: Session, now: datetime, default_tz: str, limit: int = PLAN_BATCH, *, since: datetime | None = None
) -> int:
    """Plan the next touchpoint of up to `limit` pairs that need one, due after `since` (default: now); returns how
    many pairs were looked at."""
    rows = planning_rows.pairs_to_plan(session, limit)
    schedules = schedule_rows.schedules_for(session, {pair.initiative_id for pair, _, _, _ in rows})
    # Keep-informed stakeholders get a status update instead of check-ins and reviews (the stakeholder map).
    informed = {
        (p.initiative_id, p.stakeholder_id) for p, _, _, _ in rows if pair_cadence(p) == CadenceChoice.STATUS_ONLY
    }
    last_status = map_rows.last_status_periods(session, informed)
    new, updates = [], []
    for pair, stakeholder, first_asked, last_period in rows:
        if first_asked is None:
            continue  # the kickoff has not reached them; sending it marks the pair for planning again
        choice = pair_cadence(pair)
        cadence = for_choice(calendar.Cadence.of(schedules.get(pair.initiative_id)), choice)
        if choice == CadenceChoice.STATUS_ONLY:
            last_period = last_status.get((pair.initiative_id, pair.stakeholder_id))
        planned = calendar.plan_next(
            cadence,
            calendar.zone(stakeholder.tz, default_tz),
            calendar.holidays_in(stakeholder.country),
            now=now,
            first_asked=first_asked,
            after_period=last_period,
            paused_until=stakeholder.paused_until,
            since=since,
        )
        if planned is not None and choice == CadenceChoice.STATUS_ONLY:
            updates.append(map_messages.status_row(pair, stakeholder.user_id, planned.period, planned.due_at))
        elif planned is not None:
            new.append(
                {
                    "team_id": pair.team_id,
                    "initiative_id": pair.initiative_id,
                    "stakeholder_id": pair.stakeholder_id,
                    "kind": planned.kind,
                    "period": planned.period,
                    "status": TouchpointStatus.PENDING,
                    "due_at": planned.due_at,
                    "attempts": 0,
                }
            )
    touchpoint_rows.add_touchpoints(
        session, new
    )  # a concurrent planner's identical row is ignored (unique instance key)
    map_rows.add(session, updates)  # likewise
    planning_rows.set_planned(session, [saved_id(pair) for pair, _, _, _ in rows], True)
    return len(rows)


@dataclass(frozen=True)
class UpcomingRow:
    due_at: datetime
    kind: str
    initiative_name: str
    user_id: str
    tz: str
    period: str


def upcoming(session: Session, team_id: str, default_tz: str, limit: int = 15) -> list[UpcomingRow]:
    """The next touchpoints and the stakeholder map's status updates, soonest first."""
    rows = [
        UpcomingRow(t.due_at, t.kind, i.name, s.user_id, s.tz or default_tz, t.period)
        for t, i, s in touchpoint_rows.upcoming(session, team_id, limit)
    ] + [
        UpcomingRow(m.due_at, m.kind, i.name, s.user_id, s.tz or default_tz, m.key)
        for m, i, s in map_rows.upcoming_status(session, team_id, limit)
    ]
    return sorted(rows, key=lambda r: r.due_at)[:limit]
