"""What more than one repository module needs: chunking, conflict-free inserts, atomic claims of rows to work on, and
the newest version of answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Delete, Subquery, Update, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col

from storage.models import Answer, PostStatus, Touchpoint
from storage.scope import team_scope

CHUNK = 1000  # rows per multi-row statement, and ids per IN list


def save_team_row(session: Session, model: type[SQLModel], existing: SQLModel | None, team_id: str, values) -> None:
    """Create a team's one row of `model` (its settings) with `values`, or update the existing one with them."""
    if existing is None:
        session.add(model(team_id=team_id, **values))
    else:
        for key, value in values.items():
            setattr(existing, key, value)
        session.add(existing)
    session.flush()


def rows_matched(session: Session, statement: Update | Delete) -> int:
    """How many rows an UPDATE or DELETE matched. The session returns a CursorResult for these statements, but
    SQLModel's `Session.execute` is declared as returning a plain Result, which has no rowcount."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def insert_ignoring_conflicts(session: Session, table, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on either database, so concurrent writers of the same row both succeed.
    Returns how many rows were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new = 0
    for start in range(0, len(rows), CHUNK):  # within both databases' limits on bound parameters
        # RETURNING, not rowcount: drivers disagree on rowcount for multi-row inserts.
        statement = insert(table).values(rows[start : start + CHUNK]).on_conflict_do_nothing()
        new += len(session.execute(statement.returning(*table.primary_key.columns)).all())
    return new


def claim(session: Session, where: list, values: dict, limit: int, order=Touchpoint.id, table=Touchpoint) -> list[int]:
    """Atomically take up to `limit` rows of `table` matching `where`: on PostgreSQL rows another claimer holds are
    skipped, not waited for; on SQLite the single writer does the same. Each row goes to exactly one claimer.

    The candidates are a CTE joined to the UPDATE: PostgreSQL may run an `IN (subquery)` once per row, which turns
    its LIMIT ... FOR UPDATE SKIP LOCKED into no limit at all; a CTE is evaluated once. `order` is the column of
    the (status, column) index that finds the candidates, so that the oldest are taken first without a scan. In a
    unit of work for one team (storage.scope), only that team's rows are taken."""
    where = [*where, *team_scope(table)]
    candidates = select(table.id).where(*where).order_by(order, table.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimable = candidates.cte("claimable")
    result = session.execute(
        update(table).where(table.id == claimable.c.id, *where).values(**values).returning(table.id)
    )
    return sorted(result.scalars().all())


def claim_due_or_stale(
    session: Session, table, now: datetime, lease_before: datetime, limit: int, *where: ColumnElement[bool]
) -> list[int]:
    """Take up to `limit` rows of an outbox (status, due_at, claimed_at, attempts) that are due, or that a sender took
    before lease_before and never finished, oldest due first."""
    due = or_(
        and_(table.status == PostStatus.PENDING, table.due_at <= now),
        and_(table.status == PostStatus.SENDING, table.claimed_at < lease_before),
    )
    values = {"status": PostStatus.SENDING, "claimed_at": now, "attempts": table.attempts + 1}
    return claim(session, [due, *where], values, limit, order=table.due_at, table=table)


def claim_posts(
    session: Session, table, now: datetime, limit: int, *, lease_before: datetime | None = None, order=None
) -> list[int]:
    """Posts (a table with status, claimed_at and attempts) to make: pending ones, or with lease_before those whose
    poster took them before then and never finished."""
    if lease_before is None:
        where = [table.status == PostStatus.PENDING]
    else:
        where = [table.status == PostStatus.SENDING, table.claimed_at < lease_before]
    values = {"status": PostStatus.SENDING, "claimed_at": now, "attempts": table.attempts + 1}
    return claim(session, where, values, limit, order if order is not None else table.id, table)


def newest_answers(*where: ColumnElement[bool]) -> Subquery:
    """The newest version of each (initiative, stakeholder, question) among the answers matching `where`: join Answer
    to it with `is_newest`."""
    return (
        select(
            col(Answer.initiative_id),
            col(Answer.stakeholder_id),
            col(Answer.question),
            func.max(col(Answer.version)).label("version"),
        )
        .where(*where)
        .group_by(col(Answer.initiative_id), col(Answer.stakeholder_id), col(Answer.question))
        .subquery()
    )


def is_newest(newest: Subquery) -> ColumnElement[bool]:
    return and_(
        col(Answer.initiative_id) == newest.c.initiative_id,
        col(Answer.stakeholder_id) == newest.c.stakeholder_id,
        col(Answer.question) == newest.c.question,
        col(Answer.version) == newest.c.version,
    )
