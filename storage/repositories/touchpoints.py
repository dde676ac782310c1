"""Touchpoints: claiming them to send, remind or expire, recording what happened to them, and what is coming up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlmodel import Session, col

from storage.models import Initiative, Stakeholder, Touchpoint, TouchpointKind, TouchpointStatus, table_of
from storage.repositories._shared import CHUNK, claim, insert_ignoring_conflicts, rows_matched


def _deliverable() -> list:
    """Touchpoints of an active initiative and an active stakeholder: nothing else is ever sent or reminded."""
    return [
        col(Touchpoint.initiative_id).in_(select(col(Initiative.id)).where(col(Initiative.active).is_(True))),
        col(Touchpoint.stakeholder_id).in_(select(col(Stakeholder.id)).where(col(Stakeholder.active).is_(True))),
    ]


def claim_touchpoints(session: Session, touchpoint_ids: Iterable[int], now: datetime) -> list[int]:
    """Move the given pending touchpoints that are due to sending, atomically: of two concurrent claimers only one
    gets each row."""
    ids = list(touchpoint_ids)
    if not ids:
        return []
    where = [
        col(Touchpoint.id).in_(ids),
        col(Touchpoint.status) == TouchpointStatus.PENDING,
        col(Touchpoint.due_at) <= now,
        *_deliverable(),
    ]
    return claim(session, where, _sending(now), len(ids))


def hold_touchpoint(session: Session, touchpoint_id: int, due_at: datetime) -> None:
    """A pending or claimed touchpoint that may not go out yet (its stakeholder is away) is pending, due later; one
    closed meanwhile (its initiative closed, its stakeholder removed) stays closed."""
    session.execute(
        update(Touchpoint)
        .where(
            col(Touchpoint.id) == touchpoint_id,
            col(Touchpoint.status).in_((TouchpointStatus.PENDING, TouchpointStatus.SENDING)),
        )
        .values(status=TouchpointStatus.PENDING, due_at=due_at, claimed_at=None)
    )


def open_touchpoints_of(session: Session, stakeholder_ids: Iterable[int]) -> list[Touchpoint]:
    """The stakeholders' touchpoints that are still to be sent or answered."""
    ids = list(stakeholder_ids)
    return [
        t
        for start in range(0, len(ids), CHUNK)
        for t in session.execute(
            select(Touchpoint).where(
                col(Touchpoint.stakeholder_id).in_(ids[start : start + CHUNK]),
                col(Touchpoint.status).in_((TouchpointStatus.PENDING, TouchpointStatus.SENT)),
            )
        ).scalars()
    ]


def _sending(now: datetime) -> dict:
    return {"status": TouchpointStatus.SENDING, "claimed_at": now, "attempts": col(Touchpoint.attempts) + 1}


def touchpoint_context(
    session: Session, touchpoint_ids: Iterable[int]
) -> list[tuple[Touchpoint, Initiative, Stakeholder]]:
    """Each touchpoint with its initiative and stakeholder, in one query."""
    ids = list(touchpoint_ids)
    if not ids:
        return []
    query = (
        select(Touchpoint, Initiative, Stakeholder)
        .join(Initiative, col(Initiative.id) == col(Touchpoint.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Touchpoint.stakeholder_id))
        .where(col(Touchpoint.id).in_(ids))
        .order_by(col(Touchpoint.id))
    )
    return [tuple(row) for row in session.execute(query).all()]


def still_sending(session: Session, touchpoint_ids: Iterable[int]) -> set[int]:
    """Of these claimed touchpoints, those still to go out: still claimed (closing an initiative or removing a
    stakeholder closes its claimed touchpoints too), of an active initiative and an active stakeholder."""
    ids = list(touchpoint_ids)
    if not ids:
        return set()
    query = select(col(Touchpoint.id)).where(
        col(Touchpoint.id).in_(ids), col(Touchpoint.status) == TouchpointStatus.SENDING, *_deliverable()
    )
    return set(session.execute(query).scalars())


def mark_touchpoint_sent(
    session: Session,
    touchpoint_id: int,
    channel_id: str,
    ts: str,
    now: datetime,
    follow_ups: tuple[datetime | None, datetime | None],
) -> str:
    """Record a claimed touchpoint as sent, with its (reminder, close) times: "sent"; "closed" if it was closed while
    Slack took its DM (then only where the DM is is recorded, so that it can be shown closed); "taken" if another
    sender recorded it meanwhile (its claim had lapsed): that record stands, and this DM is left alone."""
    remind_at, expires_at = follow_ups
    if rows_matched(
        session,
        update(Touchpoint)
        .where(col(Touchpoint.id) == touchpoint_id, col(Touchpoint.status) == TouchpointStatus.SENDING)
        .values(
            status=TouchpointStatus.SENT,
            channel_id=channel_id,
            message_ts=ts,
            sent_at=now,
            last_error=None,
            remind_at=remind_at,
            expires_at=expires_at,
        ),
    ):
        return "sent"
    closed = rows_matched(
        session,
        update(Touchpoint)
        .where(
            col(Touchpoint.id) == touchpoint_id,
            col(Touchpoint.status) == TouchpointStatus.CLOSED,
            col(Touchpoint.message_ts).is_(None),
        )
        .values(channel_id=channel_id, message_ts=ts, sent_at=now),
    )
    return "closed" if closed else "taken"


def mark_touchpoint_failed(session: Session, touchpoint_id: int, error: str) -> None:
    """A claimed touchpoint Slack refused (one closed meanwhile stays closed)."""
    session.execute(
        update(Touchpoint)
        .where(col(Touchpoint.id) == touchpoint_id, col(Touchpoint.status) == TouchpointStatus.SENDING)
        .values(status=TouchpointStatus.FAILED, last_error=error[:500])
    )


def mark_touchpoint_answered(session: Session, touchpoint_id: int, now: datetime) -> None:
    session.execute(
        update(Touchpoint)
        .where(col(Touchpoint.id) == touchpoint_id, col(Touchpoint.answered_at).is_(None))
        .values(status=TouchpointStatus.ANSWERED, answered_at=now)
    )


def answer_touchpoint_as_read(session: Session, touchpoint_id: int, status: str, now: datetime) -> bool:
    """Mark the touchpoint answered (keeping a revised kickoff's first answer time) if it still has the status its
    answers were checked against; False if it moved meanwhile."""
    row = {"touchpoint_id": touchpoint_id, "seen": status, "now": now}
    return session.connection().execute(_ANSWER_AS_READ, row).first() is not None


# statement building and session synchronising would cost more than the database's own work.
_touchpoint = table_of(Touchpoint).c


_ANSWER_AS_READ = (
    update(table_of(Touchpoint))
    .where(_touchpoint.id == bindparam("touchpoint_id"), _touchpoint.status == bindparam("seen"))
    .values(
        status=TouchpointStatus.ANSWERED,
        answered_at=func.coalesce(_touchpoint.answered_at, bindparam("now", type_=_touchpoint.answered_at.type)),
    )
    .returning(_touchpoint.id)
)


def add_touchpoints_returning(session: Session, rows: list[dict]) -> list[tuple[int, int]]:
    """Insert touchpoints; (id, initiative id) of each, in one batched statement per thousand."""
    if not rows:
        return []
    statement = insert(Touchpoint).returning(
        col(Touchpoint.id), col(Touchpoint.initiative_id), sort_by_parameter_order=True
    )
    return [tuple(row) for row in session.execute(statement, rows).all()]


def add_touchpoints(session: Session, rows: list[dict]) -> int:
    return insert_ignoring_conflicts(session, table_of(Touchpoint), rows)


def claim_due(session: Session, now: datetime, *, recurring_since: datetime, limit: int) -> list[int]:
    """Pending touchpoints that are due: kickoffs whenever, check-ins and reviews only if due since recurring_since."""
    where = [
        col(Touchpoint.status) == TouchpointStatus.PENDING,
        col(Touchpoint.due_at) <= now,
        or_(col(Touchpoint.kind) == TouchpointKind.KICKOFF, col(Touchpoint.due_at) >= recurring_since),
        *_deliverable(),
    ]
    claimed = claim(session, where, _sending(now), limit, order=col(Touchpoint.due_at))
    # A person's other check-ins or reviews due by now go with these, whatever batch they would have fallen in, so
    # that one pass sends them one DM (a bundle) rather than one per batch.
    people = select(_touchpoint.stakeholder_id).where(
        _touchpoint.id.in_(claimed), _touchpoint.kind != TouchpointKind.KICKOFF
    )
    more = [*where, _touchpoint.kind != TouchpointKind.KICKOFF, _touchpoint.stakeholder_id.in_(people)]
    return sorted(claimed + claim(session, more, _sending(now), CHUNK, order=col(Touchpoint.due_at))) if claimed else []


def claim_later_today(
    session: Session, now: datetime, days: dict[tuple[str, datetime], list[int]], limit: int = CHUNK
) -> list[int]:
    """Claim, for each (kind, end of their local day) -> stakeholders, their pending touchpoints of that kind due
    after now and by that end, to go out now with the one of theirs that is due (a bundle). Each is due now from
    here on: it goes out now, and a recovering sender looks for its DM from now on."""
    claimed: list[int] = []
    for (kind, day_end), stakeholder_ids in days.items():
        for start in range(0, len(stakeholder_ids), CHUNK):
            where = [
                col(Touchpoint.status) == TouchpointStatus.PENDING,
                col(Touchpoint.kind) == kind,
                col(Touchpoint.due_at) > now,
                col(Touchpoint.due_at) < day_end,
                col(Touchpoint.stakeholder_id).in_(stakeholder_ids[start : start + CHUNK]),
                *_deliverable(),
            ]
            claimed += claim(session, where, {**_sending(now), "due_at": now}, limit, order=col(Touchpoint.due_at))
    return sorted(claimed)


def claim_stale_sending(session: Session, now: datetime, lease_before: datetime, limit: int) -> list[int]:
    """Touchpoints a sender claimed and never finished (it crashed), re-claimed for checking and sending."""
    where = [col(Touchpoint.status) == TouchpointStatus.SENDING, col(Touchpoint.claimed_at) < lease_before]
    return claim(session, where, {"claimed_at": now}, limit, order=col(Touchpoint.claimed_at))


def claim_reminders(session: Session, now: datetime, limit: int) -> list[int]:
    """Open touchpoints whose reminder is due, and that are still open to an answer: a touchpoint past its answer-by
    time is closed as missed, never reminded (a clock that was down for weeks wakes up to what is current)."""
    where = [
        col(Touchpoint.status) == TouchpointStatus.SENT,
        col(Touchpoint.remind_at) <= now,
        col(Touchpoint.reminded_at).is_(None),
        or_(col(Touchpoint.expires_at).is_(None), col(Touchpoint.expires_at) > now),
        *_deliverable(),
    ]
    claimed = claim(session, where, {"reminded_at": now}, limit, order=col(Touchpoint.remind_at))
    if not claimed:
        return []
    # The rest of each claimed touchpoint's bundle (the same DM) that is due too, so the bundle gets one reminder.
    messages = select(_touchpoint.message_ts).where(_touchpoint.id.in_(claimed), _touchpoint.message_ts.is_not(None))
    people = select(_touchpoint.stakeholder_id).where(_touchpoint.id.in_(claimed))
    more = [*where, _touchpoint.stakeholder_id.in_(people), _touchpoint.message_ts.in_(messages)]
    return sorted(claimed + claim(session, more, {"reminded_at": now}, CHUNK, order=col(Touchpoint.remind_at)))


def expire_unanswered(session: Session, now: datetime, limit: int) -> list[int]:
    where = [col(Touchpoint.status) == TouchpointStatus.SENT, col(Touchpoint.expires_at) <= now]
    return claim(session, where, {"status": TouchpointStatus.MISSED}, limit, order=col(Touchpoint.expires_at))


def close_corrections(session: Session, now: datetime, since: datetime, limit: int) -> list[int]:
    """Answered check-ins and reviews whose window for corrections closed since `since` and whose DM still offers
    "Change my answer", claimed to have that DM shown closed (once: a failed update is not tried again; the button
    then answers its click by saying so). Those that closed longer ago are left as they are, never in a burst."""
    where = [
        col(Touchpoint.status) == TouchpointStatus.ANSWERED,
        col(Touchpoint.expires_at) <= now,
        col(Touchpoint.expires_at) > since,
        col(Touchpoint.kind) != TouchpointKind.KICKOFF,
        col(Touchpoint.message_ts).is_not(None),
        col(Touchpoint.dm_closed_at).is_(None),
    ]
    return claim(session, where, {"dm_closed_at": now}, limit, order=col(Touchpoint.expires_at))


def set_follow_ups(
    session: Session, touchpoint_id: int, remind_at: datetime | None, expires_at: datetime | None
) -> None:
    session.execute(
        update(Touchpoint).where(col(Touchpoint.id) == touchpoint_id).values(remind_at=remind_at, expires_at=expires_at)
    )


def clear_reminded(session: Session, touchpoint_id: int) -> None:
    session.execute(update(Touchpoint).where(col(Touchpoint.id) == touchpoint_id).values(reminded_at=None))


def close_touchpoint(session: Session, touchpoint_id: int, status: str) -> bool:
    """Close a sent touchpoint (answered, skipped, missed…); False if it was not open any more."""
    return (
        rows_matched(
            session,
            update(Touchpoint)
            .where(col(Touchpoint.id) == touchpoint_id, col(Touchpoint.status) == TouchpointStatus.SENT)
            .values(status=status),
        )
        == 1
    )


def upcoming(session: Session, team_id: str, limit: int) -> list[tuple[Touchpoint, Initiative, Stakeholder]]:
    query = (
        select(Touchpoint, Initiative, Stakeholder)
        .join(Initiative, col(Initiative.id) == col(Touchpoint.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Touchpoint.stakeholder_id))
        .where(col(Touchpoint.team_id) == team_id, col(Touchpoint.status) == TouchpointStatus.PENDING)
        .order_by(col(Touchpoint.due_at), col(Touchpoint.id))
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def next_reminder(session: Session, team_id: str) -> datetime | None:
    return session.execute(
        select(func.min(col(Touchpoint.remind_at))).where(
            col(Touchpoint.team_id) == team_id,
            col(Touchpoint.status) == TouchpointStatus.SENT,
            col(Touchpoint.reminded_at).is_(None),
        )
    ).scalar()


def bundle_of(session: Session, touchpoint_id: int) -> list[int]:
    """The touchpoints sent in the same DM as this one (itself included): a bundle, or just itself."""
    this = select(_touchpoint.stakeholder_id, _touchpoint.channel_id, _touchpoint.message_ts).where(
        _touchpoint.id == touchpoint_id
    )
    row = session.execute(this).first()
    if row is None or row.message_ts is None:
        return [touchpoint_id]
    same_dm = (
        select(_touchpoint.id)
        .where(
            _touchpoint.stakeholder_id == row.stakeholder_id,
            _touchpoint.channel_id == row.channel_id,
            _touchpoint.message_ts == row.message_ts,
        )
        .order_by(_touchpoint.id)
    )
    return list(session.execute(same_dm).scalars())
