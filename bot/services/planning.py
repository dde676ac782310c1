"""Planning each stakeholder's next check-in or review, and listing what is coming up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.services import calendar
from storage.models import TouchpointStatus, saved_id
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import touchpoints as touchpoint_rows

PLAN_BATCH = 1_000


def plan(
    session: Session, now: datetime, default_tz: str, limit: int = PLAN_BATCH, *, since: datetime | None = None
) -> int:
    """Plan the next touchpoint of up to `limit` pairs that need one, due after `since` (default: now); returns how
    many pairs were looked at."""
    rows = planning_rows.pairs_to_plan(session, limit)
    schedules = schedule_rows.schedules_for(session, {pair.initiative_id for pair, _, _, _ in rows})
    new = []
    for pair, stakeholder, first_asked, last_period in rows:
        if first_asked is None:
            continue  # the kickoff has not reached them; sending it marks the pair for planning again
        cadence = calendar.Cadence.of(schedules.get(pair.initiative_id))
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
        if planned is not None:
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
    return [
        UpcomingRow(t.due_at, t.kind, i.name, s.user_id, s.tz or default_tz, t.period)
        for t, i, s in touchpoint_rows.upcoming(session, team_id, limit)
    ]
