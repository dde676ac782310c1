"""Claiming touchpoints for delivery and recording how delivery went."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from storage import repositories as repo


@dataclass(frozen=True)
class Outgoing:
    """A claimed touchpoint with all that its DM says."""

    touchpoint_id: int
    kind: str
    team_id: str
    initiative_name: str
    business_goal: str
    description: str
    opened_by: str
    summary_channel_id: str
    stakeholder_id: int
    user_id: str
    dm_channel_id: str | None


def claim(session: Session, touchpoint_ids: Iterable[int], now: datetime) -> list[Outgoing]:
    """The given touchpoints that were pending, now claimed by the caller alone."""
    claimed = repo.claim_touchpoints(session, touchpoint_ids, now)
    return [
        Outgoing(
            touchpoint_id=t.id,
            kind=t.kind,
            team_id=t.team_id,
            initiative_name=i.name,
            business_goal=i.business_goal,
            description=i.description,
            opened_by=i.created_by,
            summary_channel_id=i.summary_channel_id,
            stakeholder_id=s.id,
            user_id=s.user_id,
            dm_channel_id=s.dm_channel_id,
        )
        for t, i, s in repo.touchpoint_context(session, claimed)
    ]


def sent(session: Session, item: Outgoing, channel_id: str, ts: str, now: datetime) -> None:
    repo.mark_touchpoint_sent(session, item.touchpoint_id, channel_id, ts, now)
    if item.dm_channel_id != channel_id:
        repo.set_stakeholder_dm(session, item.stakeholder_id, channel_id)


def failed(session: Session, item: Outgoing, error: str, *, user_unreachable: bool, now: datetime) -> None:
    repo.mark_touchpoint_failed(session, item.touchpoint_id, error)
    if user_unreachable:
        repo.deactivate_stakeholder(session, item.stakeholder_id, now)


def refresh_person(
    session: Session, team_id: str, user_id: str, *, display_name: str, tz: str | None, active: bool, now: datetime
) -> bool:
    """Keep a stakeholder's name, time zone and active flag in step with Slack; False if they are no stakeholder."""
    return repo.refresh_stakeholder(
        session, team_id, user_id, display_name=display_name, tz=tz, active=active, now=now
    )


def first_time_seen(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    return repo.first_time_seen(session, team_id, event_id, now)
