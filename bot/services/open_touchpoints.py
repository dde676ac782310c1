"""A sent touchpoint in its stakeholder's hands: whether it is theirs and still open, and skipping or snoozing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.errors import TouchpointClosed
from bot.services import calendar, touchpoints
from bot.services.initiatives import InitiativeInfo
from storage.models import RECURRING_KINDS, TouchpointKind, TouchpointStatus, saved_id
from storage.repositories import touchpoints as touchpoint_rows


@dataclass(frozen=True)
class OpenTouchpoint:
    """A sent touchpoint as its stakeholder acts on it from the DM."""

    touchpoint_id: int
    kind: str
    initiative_name: str
    user_id: str
    channel_id: str | None
    message_ts: str | None
    stakeholder_id: int


@dataclass(frozen=True)
class OwnedTouchpoint:
    """A touchpoint as its stakeholder answers, skips or snoozes it."""

    id: int
    kind: str
    status: str
    channel_id: str | None
    message_ts: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class Owner:
    """The stakeholder a touchpoint was sent to."""

    id: int
    user_id: str
    tz: str | None
    country: str | None


def owned(
    session: Session,
    team_id: str,
    touchpoint_id: int,
    user_id: str,
    *,
    revisable_kickoff: bool = False,
    correctable_at: datetime | None = None,
) -> tuple[OwnedTouchpoint, InitiativeInfo, Owner]:
    """The touchpoint, its initiative and stakeholder, if it is this person's and still open; else TouchpointClosed
    with a reason they can read. A check-in or review takes one answer while it is open; with revisable_kickoff,
    the kickoff stays open for revisions once answered; with correctable_at (now), an answered check-in or review
    takes corrections until its window closes (when an unanswered one would have expired)."""
    rows = touchpoint_rows.touchpoint_context(session, [touchpoint_id])
    if not rows:
        raise TouchpointClosed("That touchpoint no longer exists.")
    touchpoint, initiative, stakeholder = rows[0]
    if touchpoint.team_id != team_id or stakeholder.user_id != user_id:
        raise TouchpointClosed("That touchpoint was sent to someone else, so I can't take answers to it from you.")
    open_statuses = {TouchpointStatus.SENT}
    if revisable_kickoff and touchpoint.kind == TouchpointKind.KICKOFF:
        open_statuses.add(TouchpointStatus.ANSWERED)
    correcting = (
        correctable_at is not None
        and touchpoint.kind in RECURRING_KINDS
        and touchpoint.status == TouchpointStatus.ANSWERED
    )
    if correcting and correctable_at is not None:
        if touchpoint.expires_at is None or correctable_at >= touchpoint.expires_at:
            raise TouchpointClosed(
                f"That {touchpoints.describe(touchpoint.kind)} has closed, so its answers can no longer be changed. "
                "The next one will come as usual."
            )
        open_statuses.add(TouchpointStatus.ANSWERED)
    if touchpoint.status not in open_statuses:
        states: dict[str, str] = {
            TouchpointStatus.ANSWERED: "already answered",
            TouchpointStatus.MISSED: "closed",
            TouchpointStatus.SKIPPED: "skipped",
        }
        state = states.get(touchpoint.status, "not open")
        raise TouchpointClosed(
            f"That {touchpoints.describe(touchpoint.kind)} is {state}, so it no longer takes answers."
        )
    if not initiative.active:
        raise TouchpointClosed(f"“{initiative.name}” has been closed, so it no longer takes answers.")
    return (
        OwnedTouchpoint(
            saved_id(touchpoint),
            touchpoint.kind,
            touchpoint.status,
            touchpoint.channel_id,
            touchpoint.message_ts,
            touchpoint.expires_at,
        ),
        InitiativeInfo.of(initiative),
        Owner(saved_id(stakeholder), stakeholder.user_id, stakeholder.tz, stakeholder.country),
    )


def _as_open(touchpoint: OwnedTouchpoint, initiative: InitiativeInfo, stakeholder: Owner) -> OpenTouchpoint:
    return OpenTouchpoint(
        touchpoint.id,
        touchpoint.kind,
        initiative.name,
        stakeholder.user_id,
        touchpoint.channel_id,
        touchpoint.message_ts,
        stakeholder.id,
    )


def skip(session: Session, team_id: str, touchpoint_id: int, user_id: str) -> OpenTouchpoint:
    item = _as_open(*owned(session, team_id, touchpoint_id, user_id))
    if item.kind == TouchpointKind.KICKOFF:
        raise TouchpointClosed("The first two questions can't be skipped, but a few words are enough.")
    touchpoint_rows.close_touchpoint(session, item.touchpoint_id, TouchpointStatus.SKIPPED)
    return item


def snooze(
    session: Session, team_id: str, touchpoint_id: int, user_id: str, days: int, now: datetime, default_tz: str
) -> tuple[OpenTouchpoint, datetime]:
    """Remind again after `days` (on the next working day from then, at the same local time); returns when."""
    touchpoint, initiative, stakeholder = owned(session, team_id, touchpoint_id, user_id)
    cadence, tz, is_holiday = touchpoints.local_calendar(
        session, initiative.id, stakeholder.tz, stakeholder.country, default_tz
    )
    remind_at, expires_at = calendar.moved_follow_ups(
        cadence, tz, is_holiday, now.astimezone(tz).date() + timedelta(days=days), touchpoint.expires_at
    )
    touchpoint_rows.set_follow_ups(session, touchpoint_id, remind_at, expires_at)
    touchpoint_rows.clear_reminded(session, touchpoint_id)
    return _as_open(touchpoint, initiative, stakeholder), remind_at
