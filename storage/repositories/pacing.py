"""The shared pace of Web API methods: each call claims the next free slot of its (workspace, method) atomically, so
that any number of processes together keep the spacing learnt from Slack's 429s."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, text, update
from sqlmodel import Session, col, select

from storage.models import SlackPacing, table_of
from storage.repositories._shared import insert_ignoring_conflicts


@dataclass(frozen=True)
class Turn:
    at: float  # when the call may go (Unix seconds; now or later)
    interval: float  # the spacing in force (0: not paced)


def claim_turn(session: Session, team_id: str, method: str, now: float, quiet: float) -> Turn:
    """Count a call of `method` and give it the next free slot: `next_at = max(next_at, now) + interval` in one UPDATE
    (the row lock makes concurrent claimers queue, each getting its own slot). A spacing learnt more than `quiet`
    seconds ago is dropped. Every right-hand side reads the row as it was before the UPDATE (SQL's rule)."""
    t = table_of(SlackPacing)
    new_window = now - t.c.window_at >= 1.0
    paced = and_(t.c.interval > 0, t.c.limited_at >= now - quiet)
    slot = case((t.c.next_at > now, t.c.next_at), else_=now)
    statement = (
        update(t)
        .where(t.c.team_id == team_id, t.c.method == method)
        .values(
            previous_calls=case(
                (now - t.c.window_at >= 2.0, 0), (new_window, t.c.window_calls), else_=t.c.previous_calls
            ),
            window_calls=case((new_window, 1), else_=t.c.window_calls + 1),
            window_at=case((new_window, now), else_=t.c.window_at),
            interval=case((paced, t.c.interval), else_=0.0),
            next_at=case((paced, slot + t.c.interval), else_=now),
        )
        .returning(t.c.next_at, t.c.interval)
    )
    if session.get_bind().dialect.name == "postgresql":
        # A claim lost in a crash costs nothing (the call it was for never went out): no need to wait for the disk.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    row = session.execute(statement).first()
    if row is None:  # the method's first call in this workspace: make its row, then claim as any other call does
        insert_ignoring_conflicts(session, t, [{"team_id": team_id, "method": method, "window_at": now}])
        row = session.execute(statement).one()
    next_at, interval = row
    return Turn(at=next_at - interval if interval else now, interval=interval)


def calls_per_second(row: SlackPacing, now: float) -> float:
    """The calls of the last second, all processes together: the current window's, and the part of the previous
    window's that the last second still covers (a sliding-window estimate)."""
    into = now - row.window_at
    if into >= 2.0:
        return 0.0
    if into >= 1.0:
        return row.window_calls * (2.0 - into)
    return row.window_calls + row.previous_calls * (1.0 - into)


def locked(session: Session, team_id: str, method: str) -> SlackPacing | None:
    """The method's row, locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's writer holds all)."""
    return session.exec(
        select(SlackPacing)
        .where(col(SlackPacing.team_id) == team_id, col(SlackPacing.method) == method)
        .with_for_update()
    ).first()


def interval(session: Session, team_id: str, method: str, now: float, quiet: float) -> float:
    row = session.get(SlackPacing, (team_id, method))
    return row.interval if row is not None and row.limited_at >= now - quiet else 0.0
