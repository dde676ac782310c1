"""Queries. Each function takes the caller's session; none commits (the unit of work does)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import (
    RECURRING_KINDS,
    AlignmentSnapshot,
    Answer,
    AnswerPost,
    DigestPost,
    DigestSettings,
    Initiative,
    InitiativeStakeholder,
    Measure,
    PostStatus,
    ProcessedEvent,
    Question,
    Reading,
    ReadingStatus,
    Schedule,
    Shift,
    ShiftSummary,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)

CHUNK = 1000  # rows per multi-row statement, and ids per IN list


def _insert_ignoring_conflicts(session: Session, table, rows: list[dict[str, Any]]) -> int:
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


# Initiatives


def initiative_name_taken(session: Session, team_id: str, name_key: str) -> bool:
    query = select(Initiative.id).where(Initiative.team_id == team_id, Initiative.name_key == name_key)
    return session.execute(query).first() is not None


def count_initiatives(session: Session, team_id: str) -> int:
    return session.execute(select(func.count(Initiative.id)).where(Initiative.team_id == team_id)).scalar_one()


def initiatives_with_answer_counts(session: Session, team_id: str, *, offset: int, limit: int) -> list[dict]:
    """A page of initiatives with their stakeholder count and how many of them have answered: three queries."""
    page = (
        session.execute(
            select(Initiative)
            .where(Initiative.team_id == team_id)
            .order_by(Initiative.created_at.desc(), Initiative.id.desc())
            .offset(offset)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    ids = [i.id for i in page]
    stakeholders = dict(
        session.execute(
            select(InitiativeStakeholder.initiative_id, func.count())
            .where(InitiativeStakeholder.initiative_id.in_(ids))
            .group_by(InitiativeStakeholder.initiative_id)
        ).all()
    )
    answered = dict(
        session.execute(
            select(Answer.initiative_id, func.count(func.distinct(Answer.stakeholder_id)))
            .where(Answer.initiative_id.in_(ids), Answer.question == Question.IMPACT, Answer.version == 1)
            .group_by(Answer.initiative_id)
        ).all()
    )
    return [
        {
            "id": i.id,
            "name": i.name,
            "business_goal": i.business_goal,
            "summary_channel_id": i.summary_channel_id,
            "created_by": i.created_by,
            "stakeholders": stakeholders.get(i.id, 0),
            "answered": answered.get(i.id, 0),
        }
        for i in page
    ]


# Stakeholders


def upsert_stakeholders(
    session: Session,
    team_id: str,
    profiles: Mapping[str, tuple[str, str | None, str | None] | None],
    user_ids: Iterable[str],
    now: datetime,
) -> list[Stakeholder]:
    """The stakeholder rows for user_ids, created where missing and refreshed where a profile is given."""
    user_ids = list(dict.fromkeys(user_ids))
    _insert_ignoring_conflicts(
        session,
        Stakeholder.__table__,
        [
            {
                "team_id": team_id,
                "user_id": u,
                "display_name": (profiles.get(u) or ("", None, None))[0],
                "tz": (profiles.get(u) or ("", None, None))[1],
                "country": (profiles.get(u) or ("", None, None))[2],
                "active": True,
                "updated_at": now,
            }
            for u in user_ids
        ],
    )
    rows = {s.user_id: s for s in stakeholders_by_users(session, team_id, user_ids)}
    for user_id, profile in profiles.items():
        if profile is not None and user_id in rows:
            row = rows[user_id]
            row.display_name, row.tz, row.country, row.active, row.updated_at = (*profile, True, now)
    return [rows[u] for u in user_ids]


def stakeholders_by_users(session: Session, team_id: str, user_ids: list[str]) -> list[Stakeholder]:
    return [
        s
        for start in range(0, len(user_ids), CHUNK)
        for s in session.execute(
            select(Stakeholder).where(
                Stakeholder.team_id == team_id, Stakeholder.user_id.in_(user_ids[start : start + CHUNK])
            )
        ).scalars()
    ]


def stakeholder_by_user(session: Session, team_id: str, user_id: str) -> Stakeholder | None:
    query = select(Stakeholder).where(Stakeholder.team_id == team_id, Stakeholder.user_id == user_id)
    return session.execute(query).scalars().first()


def set_stakeholder_dm(session: Session, stakeholder_id: int, channel_id: str) -> None:
    session.execute(update(Stakeholder).where(Stakeholder.id == stakeholder_id).values(dm_channel_id=channel_id))


def deactivate_stakeholder(session: Session, stakeholder_id: int, now: datetime) -> None:
    session.execute(update(Stakeholder).where(Stakeholder.id == stakeholder_id).values(active=False, updated_at=now))


def refresh_stakeholder(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    display_name: str,
    tz: str | None,
    country: str | None,
    active: bool,
    now: datetime,
) -> bool:
    result = session.execute(
        update(Stakeholder)
        .where(Stakeholder.team_id == team_id, Stakeholder.user_id == user_id)
        .values(display_name=display_name, tz=tz, country=country, active=active, updated_at=now)
    )
    return result.rowcount > 0


def unplan_pair(session: Session, initiative_id: int, stakeholder_id: int) -> None:
    """Mark one pair's next check-in or review as still to plan."""
    session.execute(
        update(InitiativeStakeholder)
        .where(
            InitiativeStakeholder.initiative_id == initiative_id, InitiativeStakeholder.stakeholder_id == stakeholder_id
        )
        .values(planned=False)
    )


# Touchpoints


def _deliverable() -> list:
    """Touchpoints of an active initiative and an active stakeholder: nothing else is ever sent or reminded."""
    return [
        Touchpoint.initiative_id.in_(select(Initiative.id).where(Initiative.active.is_(True))),
        Touchpoint.stakeholder_id.in_(select(Stakeholder.id).where(Stakeholder.active.is_(True))),
    ]


def claim_touchpoints(session: Session, touchpoint_ids: Iterable[int], now: datetime) -> list[int]:
    """Move the given pending touchpoints that are due to sending, atomically: of two concurrent claimers only one
    gets each row."""
    ids = list(touchpoint_ids)
    if not ids:
        return []
    where = [
        Touchpoint.id.in_(ids),
        Touchpoint.status == TouchpointStatus.PENDING,
        Touchpoint.due_at <= now,
        *_deliverable(),
    ]
    return _claim(session, where, _sending(now), len(ids))


def hold_touchpoint(session: Session, touchpoint_id: int, due_at: datetime) -> None:
    """A claimed touchpoint that may not go out yet (its stakeholder is away) goes back to pending, due later."""
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id)
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
                Touchpoint.stakeholder_id.in_(ids[start : start + CHUNK]),
                Touchpoint.status.in_((TouchpointStatus.PENDING, TouchpointStatus.SENT)),
            )
        ).scalars()
    ]


def _sending(now: datetime) -> dict:
    return {"status": TouchpointStatus.SENDING, "claimed_at": now, "attempts": Touchpoint.attempts + 1}


def touchpoint_context(
    session: Session, touchpoint_ids: Iterable[int]
) -> list[tuple[Touchpoint, Initiative, Stakeholder]]:
    """Each touchpoint with its initiative and stakeholder, in one query."""
    ids = list(touchpoint_ids)
    if not ids:
        return []
    query = (
        select(Touchpoint, Initiative, Stakeholder)
        .join(Initiative, Initiative.id == Touchpoint.initiative_id)
        .join(Stakeholder, Stakeholder.id == Touchpoint.stakeholder_id)
        .where(Touchpoint.id.in_(ids))
        .order_by(Touchpoint.id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def mark_touchpoint_sent(session: Session, touchpoint_id: int, channel_id: str, ts: str, now: datetime) -> None:
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id)
        .values(status=TouchpointStatus.SENT, channel_id=channel_id, message_ts=ts, sent_at=now, last_error=None)
    )


def mark_touchpoint_failed(session: Session, touchpoint_id: int, error: str) -> None:
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id)
        .values(status=TouchpointStatus.FAILED, last_error=error[:500])
    )


def mark_touchpoint_answered(session: Session, touchpoint_id: int, now: datetime) -> None:
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id, Touchpoint.answered_at.is_(None))
        .values(status=TouchpointStatus.ANSWERED, answered_at=now)
    )


def answer_touchpoint_as_read(session: Session, touchpoint_id: int, status: str, now: datetime) -> bool:
    """Mark the touchpoint answered (keeping a revised kickoff's first answer time) if it still has the status its
    answers were checked against; False if it moved meanwhile."""
    row = {"touchpoint_id": touchpoint_id, "seen": status, "now": now}
    return session.connection().execute(_ANSWER_AS_READ, row).first() is not None


# Built once and run on the connection: this runs inside the single writer's turn of every answer, where the ORM's
# statement building and session synchronising would cost more than the database's own work.
_touchpoint = Touchpoint.__table__.c
_ANSWER_AS_READ = (
    update(Touchpoint.__table__)
    .where(_touchpoint.id == bindparam("touchpoint_id"), _touchpoint.status == bindparam("seen"))
    .values(
        status=TouchpointStatus.ANSWERED,
        answered_at=func.coalesce(_touchpoint.answered_at, bindparam("now", type_=_touchpoint.answered_at.type)),
    )
    .returning(_touchpoint.id)
)


# Answers


def latest_answers(session: Session, initiative_id: int, stakeholder_id: int) -> dict[str, Answer]:
    """The newest version of each question's answer."""
    newest = (
        select(Answer.question, func.max(Answer.version).label("version"))
        .where(Answer.initiative_id == initiative_id, Answer.stakeholder_id == stakeholder_id)
        .group_by(Answer.question)
        .subquery()
    )
    query = select(Answer).join(
        newest,
        and_(
            Answer.question == newest.c.question,
            Answer.version == newest.c.version,
            Answer.initiative_id == initiative_id,
            Answer.stakeholder_id == stakeholder_id,
        ),
    )
    return {a.question: a for a in session.execute(query).scalars()}


def add_answer_versions(
    session: Session,
    *,
    team_id: str,
    initiative_id: int,
    stakeholder_id: int,
    touchpoint_id: int,
    texts: Mapping[str, str],
    now: datetime,
    current: Mapping[str, Answer] | None = None,
) -> dict[str, Answer]:
    """Store each text as the next version of its question (after `current`, the latest answers, when the caller
    has them). Concurrent writers of one version collide on the unique constraint and the later one fails, rather
    than both claiming the same version."""
    if current is None:
        current = latest_answers(session, initiative_id, stakeholder_id)
    added = {}
    for question, text in texts.items():
        answer = Answer(
            team_id=team_id,
            initiative_id=initiative_id,
            stakeholder_id=stakeholder_id,
            touchpoint_id=touchpoint_id,
            question=question,
            text=text,
            version=(current[question].version + 1) if question in current else 1,
            answered_at=now,
        )
        session.add(answer)
        added[question] = answer
    session.flush()
    return added


# Events


def first_time_seen(session: Session, team_id: str, event_id: str, now: datetime, forget_before: datetime) -> bool:
    """Record an event id; False when it was recorded before (Slack retried the event). Ids received before
    forget_before are deleted in the same transaction (an index range that is empty but for a day's first event),
    so the table holds what Slack may still retry, not every event the workspace ever sent."""
    row = {"event_id": event_id, "team_id": team_id, "received_at": now}
    first = _insert_ignoring_conflicts(session, ProcessedEvent.__table__, [row]) == 1
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < forget_before))
    return first


# Schedules and planning


def schedules_for(session: Session, initiative_ids: Iterable[int]) -> dict[int, Schedule]:
    ids = list(set(initiative_ids))
    if not ids:
        return {}
    return {
        s.initiative_id: s for s in session.execute(select(Schedule).where(Schedule.initiative_id.in_(ids))).scalars()
    }


def initiative_by_name(session: Session, team_id: str, name_key: str) -> Initiative | None:
    query = select(Initiative).where(Initiative.team_id == team_id, Initiative.name_key == name_key)
    return session.execute(query).scalars().first()


def save_schedule(session: Session, schedule: Schedule) -> None:
    existing = (
        session.execute(select(Schedule).where(Schedule.initiative_id == schedule.initiative_id)).scalars().first()
    )
    if existing is None:
        session.add(schedule)
        return
    for column in Schedule.__table__.columns:
        if column != "id":
            setattr(existing, column, getattr(schedule, column))


def pairs_to_plan(
    session: Session, limit: int
) -> list[tuple[InitiativeStakeholder, Stakeholder, datetime | None, str | None]]:
    """Pairs whose next check-in or review is not planned yet, with each stakeholder, when the kickoff reached them,
    and the last recurring period already planned: three queries, whatever the number of pairs."""
    rows = session.execute(
        select(InitiativeStakeholder, Stakeholder)
        .join(Stakeholder, Stakeholder.id == InitiativeStakeholder.stakeholder_id)
        .join(Initiative, Initiative.id == InitiativeStakeholder.initiative_id)
        .where(InitiativeStakeholder.planned.is_(False), Initiative.active.is_(True), Stakeholder.active.is_(True))
        .order_by(InitiativeStakeholder.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    keys = [(pair.initiative_id, pair.stakeholder_id) for pair, _ in rows]
    pair_filter = tuple_(Touchpoint.initiative_id, Touchpoint.stakeholder_id).in_(keys)
    kickoffs = {
        (i, s): sent
        for i, s, sent in session.execute(
            select(Touchpoint.initiative_id, Touchpoint.stakeholder_id, Touchpoint.sent_at).where(
                pair_filter, Touchpoint.kind == TouchpointKind.KICKOFF
            )
        ).all()
    }
    last_periods = {
        (i, s): period
        for i, s, period in session.execute(
            select(Touchpoint.initiative_id, Touchpoint.stakeholder_id, func.max(Touchpoint.period))
            .where(pair_filter, Touchpoint.kind.in_(RECURRING_KINDS))
            .group_by(Touchpoint.initiative_id, Touchpoint.stakeholder_id)
        ).all()
    }
    return [
        (pair, stakeholder, kickoffs.get(key), last_periods.get(key))
        for (pair, stakeholder), key in zip(rows, keys, strict=True)
    ]


def add_pairs(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(InitiativeStakeholder), rows)


def add_touchpoints_returning(session: Session, rows: list[dict]) -> list[tuple[int, int]]:
    """Insert touchpoints; (id, initiative id) of each, in one batched statement per thousand."""
    if not rows:
        return []
    statement = insert(Touchpoint).returning(Touchpoint.id, Touchpoint.initiative_id, sort_by_parameter_order=True)
    return [tuple(row) for row in session.execute(statement, rows).all()]


def add_touchpoints(session: Session, rows: list[dict]) -> int:
    return _insert_ignoring_conflicts(session, Touchpoint.__table__, rows)


def set_planned(session: Session, pair_ids: Iterable[int], planned: bool) -> None:
    ids = list(pair_ids)
    if ids:
        session.execute(update(InitiativeStakeholder).where(InitiativeStakeholder.id.in_(ids)).values(planned=planned))


def unplan(session: Session, *, initiative_id: int | None = None, stakeholder_ids: Iterable[int] = ()) -> int:
    """Drop the not-yet-sent recurring touchpoints of an initiative or of stakeholders, so they are planned afresh."""
    if initiative_id is not None:
        return _unplan(
            session, Touchpoint.initiative_id == initiative_id, InitiativeStakeholder.initiative_id == initiative_id
        )
    ids = list(stakeholder_ids)
    return sum(
        _unplan(session, Touchpoint.stakeholder_id.in_(chunk), InitiativeStakeholder.stakeholder_id.in_(chunk))
        for chunk in (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))
    )


def _unplan(session: Session, touchpoints_of, pairs_of) -> int:
    dropped = session.execute(
        delete(Touchpoint).where(
            Touchpoint.status == TouchpointStatus.PENDING, Touchpoint.kind.in_(RECURRING_KINDS), touchpoints_of
        )
    ).rowcount
    session.execute(update(InitiativeStakeholder).where(pairs_of).values(planned=False))
    return dropped


def _claim(session: Session, where: list, values: dict, limit: int, order=Touchpoint.id, table=Touchpoint) -> list[int]:
    """Atomically take up to `limit` rows of `table` matching `where`: on PostgreSQL rows another claimer holds are
    skipped, not waited for; on SQLite the single writer does the same. Each row goes to exactly one claimer.

    The candidates are a CTE joined to the UPDATE: PostgreSQL may run an `IN (subquery)` once per row, which turns
    its LIMIT ... FOR UPDATE SKIP LOCKED into no limit at all; a CTE is evaluated once. `order` is the column of
    the (status, column) index that finds the candidates, so that the oldest are taken first without a scan."""
    candidates = select(table.id).where(*where).order_by(order, table.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimable = candidates.cte("claimable")
    result = session.execute(
        update(table).where(table.id == claimable.c.id, *where).values(**values).returning(table.id)
    )
    return sorted(result.scalars().all())


def claim_due(session: Session, now: datetime, *, recurring_since: datetime, limit: int) -> list[int]:
    """Pending touchpoints that are due: kickoffs whenever, check-ins and reviews only if due since recurring_since."""
    where = [
        Touchpoint.status == TouchpointStatus.PENDING,
        Touchpoint.due_at <= now,
        or_(Touchpoint.kind == TouchpointKind.KICKOFF, Touchpoint.due_at >= recurring_since),
        *_deliverable(),
    ]
    return _claim(session, where, _sending(now), limit, order=Touchpoint.due_at)


def miss_stale_pending(session: Session, before: datetime) -> int:
    """Check-ins and reviews that fell due too long ago (the app was down) are missed, not sent late; their pairs'
    next ones are to be planned."""
    missed = session.execute(
        update(Touchpoint)
        .where(
            Touchpoint.status == TouchpointStatus.PENDING,
            Touchpoint.kind.in_(RECURRING_KINDS),
            Touchpoint.due_at < before,
        )
        .values(status=TouchpointStatus.MISSED, last_error="fell due while Touchpoint was not running")
        .returning(Touchpoint.initiative_id, Touchpoint.stakeholder_id)
    ).all()
    for initiative_id, stakeholder_id in set(missed):
        unplan_pair(session, initiative_id, stakeholder_id)
    return len(missed)


def claim_stale_sending(session: Session, now: datetime, lease_before: datetime, limit: int) -> list[int]:
    """Touchpoints a sender claimed and never finished (it crashed), re-claimed for checking and sending."""
    where = [Touchpoint.status == TouchpointStatus.SENDING, Touchpoint.claimed_at < lease_before]
    return _claim(session, where, {"claimed_at": now}, limit, order=Touchpoint.claimed_at)


def claim_reminders(session: Session, now: datetime, limit: int) -> list[int]:
    """Open touchpoints whose reminder is due, and that are still open to an answer: a touchpoint past its answer-by
    time is closed as missed, never reminded (a clock that was down for weeks wakes up to what is current)."""
    where = [
        Touchpoint.status == TouchpointStatus.SENT,
        Touchpoint.remind_at <= now,
        Touchpoint.reminded_at.is_(None),
        or_(Touchpoint.expires_at.is_(None), Touchpoint.expires_at > now),
        *_deliverable(),
    ]
    return _claim(session, where, {"reminded_at": now}, limit, order=Touchpoint.remind_at)


def expire_unanswered(session: Session, now: datetime, limit: int) -> list[int]:
    where = [Touchpoint.status == TouchpointStatus.SENT, Touchpoint.expires_at <= now]
    return _claim(session, where, {"status": TouchpointStatus.MISSED}, limit, order=Touchpoint.expires_at)


def set_follow_ups(
    session: Session, touchpoint_id: int, remind_at: datetime | None, expires_at: datetime | None
) -> None:
    session.execute(
        update(Touchpoint).where(Touchpoint.id == touchpoint_id).values(remind_at=remind_at, expires_at=expires_at)
    )


def clear_reminded(session: Session, touchpoint_id: int) -> None:
    session.execute(update(Touchpoint).where(Touchpoint.id == touchpoint_id).values(reminded_at=None))


def close_touchpoint(
    session: Session, touchpoint_id: int, status: str, *, only_if: str = TouchpointStatus.SENT
) -> bool:
    result = session.execute(
        update(Touchpoint).where(Touchpoint.id == touchpoint_id, Touchpoint.status == only_if).values(status=status)
    )
    return result.rowcount == 1


def upcoming(session: Session, team_id: str, limit: int) -> list[tuple[Touchpoint, Initiative, Stakeholder]]:
    query = (
        select(Touchpoint, Initiative, Stakeholder)
        .join(Initiative, Initiative.id == Touchpoint.initiative_id)
        .join(Stakeholder, Stakeholder.id == Touchpoint.stakeholder_id)
        .where(Touchpoint.team_id == team_id, Touchpoint.status == TouchpointStatus.PENDING)
        .order_by(Touchpoint.due_at, Touchpoint.id)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def pause_stakeholder(session: Session, stakeholder_id: int, until: date | None, now: datetime) -> None:
    session.execute(
        update(Stakeholder).where(Stakeholder.id == stakeholder_id).values(paused_until=until, updated_at=now)
    )


def latest_answers_for(
    session: Session, pairs: Iterable[tuple[int, int]], questions: Iterable[str]
) -> dict[tuple[int, int], dict[str, str]]:
    """The newest text of each question for many (initiative, stakeholder) pairs, in one query."""
    keys = list(set(pairs))
    if not keys:
        return {}
    newest = (
        select(Answer.initiative_id, Answer.stakeholder_id, Answer.question, func.max(Answer.version).label("version"))
        .where(tuple_(Answer.initiative_id, Answer.stakeholder_id).in_(keys), Answer.question.in_(list(questions)))
        .group_by(Answer.initiative_id, Answer.stakeholder_id, Answer.question)
        .subquery()
    )
    rows = session.execute(
        select(Answer.initiative_id, Answer.stakeholder_id, Answer.question, Answer.text).join(
            newest,
            and_(
                Answer.initiative_id == newest.c.initiative_id,
                Answer.stakeholder_id == newest.c.stakeholder_id,
                Answer.question == newest.c.question,
                Answer.version == newest.c.version,
            ),
        )
    ).all()
    found: dict[tuple[int, int], dict[str, str]] = {}
    for initiative_id, stakeholder_id, question, text in rows:
        found.setdefault((initiative_id, stakeholder_id), {})[question] = text
    return found


def next_reminder(session: Session, team_id: str) -> datetime | None:
    return session.execute(
        select(func.min(Touchpoint.remind_at)).where(
            Touchpoint.team_id == team_id, Touchpoint.status == TouchpointStatus.SENT, Touchpoint.reminded_at.is_(None)
        )
    ).scalar()


# Where each stakeholder stands


def note_answered(
    session: Session,
    initiative_id: int,
    stakeholder_id: int,
    *,
    has_impact: bool,
    has_tracking: bool,
    rating: int | None,
    now: datetime,
) -> None:
    values: dict[str, Any] = {"last_answered_at": now, "silent_cycles": 0}
    if has_impact:
        values["has_impact"] = True
    if has_tracking:
        values["has_tracking"] = True
    if rating is not None:
        values["rating"] = rating
    session.execute(
        update(InitiativeStakeholder)
        .where(
            InitiativeStakeholder.initiative_id == initiative_id, InitiativeStakeholder.stakeholder_id == stakeholder_id
        )
        .values(**values)
    )


def note_missed(session: Session, touchpoint_ids: Iterable[int]) -> None:
    """One more cycle of silence for the stakeholders of these missed check-ins and reviews."""
    ids = list(touchpoint_ids)
    if not ids:
        return
    pairs = select(Touchpoint.initiative_id, Touchpoint.stakeholder_id).where(
        Touchpoint.id.in_(ids), Touchpoint.kind.in_(RECURRING_KINDS)
    )
    session.execute(
        update(InitiativeStakeholder)
        .where(tuple_(InitiativeStakeholder.initiative_id, InitiativeStakeholder.stakeholder_id).in_(pairs))
        .values(silent_cycles=InitiativeStakeholder.silent_cycles + 1)
    )


# Shifts and their daily summaries


def shift_summary_for_day(session: Session, *, team_id: str, initiative_id: int, day: str, channel_id: str) -> int:
    """The initiative's summary for `day`, created if need be, with one more revision to show."""
    _insert_ignoring_conflicts(
        session,
        ShiftSummary.__table__,
        [
            {
                "team_id": team_id,
                "initiative_id": initiative_id,
                "day": day,
                "channel_id": channel_id,
                "status": PostStatus.PENDING,
                "revision": 0,
                "posted_revision": 0,
                "attempts": 0,
            }
        ],
    )
    # A posted message goes back to pending to be updated, and one that failed is tried again (its channel may be
    # fixed by now); one being sent is left to its sender, which sees the newer revision when it records its post.
    again = ShiftSummary.status.in_((PostStatus.POSTED, PostStatus.FAILED))
    return session.execute(
        update(ShiftSummary)
        .where(ShiftSummary.initiative_id == initiative_id, ShiftSummary.day == day)
        .values(revision=ShiftSummary.revision + 1, status=case((again, PostStatus.PENDING), else_=ShiftSummary.status))
        .returning(ShiftSummary.id)
    ).scalar_one()


def add_shifts(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(Shift), rows)


def claim_shift_summaries(session: Session, now: datetime, limit: int) -> list[int]:
    """Summaries to post, or to update with the day's newer shifts."""
    return _claim_posts(session, ShiftSummary, now, limit)


def claim_stale_shift_summaries(session: Session, now: datetime, lease_before: datetime, limit: int) -> list[int]:
    """Summaries whose poster stopped part-way (or met a passing Slack failure), to check and post again."""
    return _claim_posts(session, ShiftSummary, now, limit, lease_before=lease_before, order=ShiftSummary.id)


def _claim_posts(
    session: Session, table, now: datetime, limit: int, *, lease_before: datetime | None = None, order=None
) -> list[int]:
    """Posts (a table with status, claimed_at and attempts) to make: pending ones, or with lease_before those whose
    poster took them before then and never finished."""
    if lease_before is None:
        where = [table.status == PostStatus.PENDING]
    else:
        where = [table.status == PostStatus.SENDING, table.claimed_at < lease_before]
    values = {"status": PostStatus.SENDING, "claimed_at": now, "attempts": table.attempts + 1}
    return _claim(session, where, values, limit, order if order is not None else table.id, table)


def shift_summaries(session: Session, summary_ids: Iterable[int]) -> list[tuple[ShiftSummary, Initiative]]:
    query = (
        select(ShiftSummary, Initiative)
        .join(Initiative, Initiative.id == ShiftSummary.initiative_id)
        .where(ShiftSummary.id.in_(list(summary_ids)))
        .order_by(ShiftSummary.id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def shifts_of_summaries(session: Session, summary_ids: Iterable[int]) -> list[tuple[Shift, Stakeholder, Touchpoint]]:
    query = (
        select(Shift, Stakeholder, Touchpoint)
        .join(Stakeholder, Stakeholder.id == Shift.stakeholder_id)
        .join(Touchpoint, Touchpoint.id == Shift.touchpoint_id)
        .where(Shift.summary_id.in_(list(summary_ids)))
        .order_by(Shift.id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def mark_summary_posted(session: Session, summary_id: int, revision: int, ts: str, now: datetime) -> None:
    """Record that the message shows `revision`; if shifts arrived meanwhile it is pending again, for an update."""
    session.execute(
        update(ShiftSummary)
        .where(ShiftSummary.id == summary_id)
        .values(
            message_ts=ts,
            posted_at=func.coalesce(ShiftSummary.posted_at, now),
            posted_revision=revision,
            status=case((ShiftSummary.revision > revision, PostStatus.PENDING), else_=PostStatus.POSTED),
            last_error=None,
        )
    )


def mark_summary_failed(session: Session, summary_id: int, error: str) -> None:
    session.execute(
        update(ShiftSummary)
        .where(ShiftSummary.id == summary_id)
        .values(status=PostStatus.FAILED, last_error=error[:500])
    )


def follow_up_shifts(
    session: Session, team_id: str, summary_id: int, stakeholder_id: int, user_id: str, now: datetime
) -> int:
    """Record who takes the follow-up of a stakeholder's shifts in one summary; shifts already taken keep theirs."""
    return session.execute(
        update(Shift)
        .where(
            Shift.team_id == team_id,
            Shift.summary_id == summary_id,
            Shift.stakeholder_id == stakeholder_id,
            Shift.followed_up_by.is_(None),
        )
        .values(followed_up_by=user_id, followed_up_at=now)
    ).rowcount


def recent_shifts(
    session: Session, team_id: str, since: datetime, *, initiative_id: int | None = None, limit: int
) -> list[tuple[Shift, Initiative, Stakeholder]]:
    query = (
        select(Shift, Initiative, Stakeholder)
        .join(Initiative, Initiative.id == Shift.initiative_id)
        .join(Stakeholder, Stakeholder.id == Shift.stakeholder_id)
        .where(Shift.team_id == team_id, Shift.detected_at >= since)
        .order_by(Shift.detected_at.desc(), Shift.id.desc())
        .limit(limit)
    )
    if initiative_id is not None:
        query = query.where(Shift.initiative_id == initiative_id)
    return [tuple(row) for row in session.execute(query).all()]


def count_recent_shifts(session: Session, team_id: str, since: datetime, *, initiative_id: int | None = None) -> int:
    query = select(func.count(Shift.id)).where(Shift.team_id == team_id, Shift.detected_at >= since)
    if initiative_id is not None:
        query = query.where(Shift.initiative_id == initiative_id)
    return session.execute(query).scalar_one()


# The weekly digest


def digest_settings(session: Session, team_id: str) -> DigestSettings | None:
    return session.execute(select(DigestSettings).where(DigestSettings.team_id == team_id)).scalar_one_or_none()


def save_digest_settings(session: Session, team_id: str, values: Mapping[str, Any]) -> None:
    existing = digest_settings(session, team_id)
    if existing is None:
        session.add(DigestSettings(team_id=team_id, **values))
    else:
        for key, value in values.items():
            setattr(existing, key, value)
        session.add(existing)
    session.flush()


def digest_teams(session: Session) -> list[tuple[str, DigestSettings | None]]:
    """Every team with an active initiative, with its digest settings if it has any."""
    teams = select(Initiative.team_id).where(Initiative.active.is_(True)).distinct().subquery()
    query = select(teams.c.team_id, DigestSettings).outerjoin(DigestSettings, DigestSettings.team_id == teams.c.team_id)
    return [tuple(row) for row in session.execute(query.order_by(teams.c.team_id)).all()]


def claim_digest(session: Session, team_id: str, week: str, channel_id: str, now: datetime) -> int | None:
    """The week's digest row, if this caller created it (and so owns posting it); None if it exists already."""
    statement_rows = [
        {
            "team_id": team_id,
            "week": week,
            "channel_id": channel_id,
            "status": PostStatus.SENDING,
            "claimed_at": now,
            "parts_posted": 0,
            "attempts": 1,
        }
    ]
    if not _insert_ignoring_conflicts(session, DigestPost.__table__, statement_rows):
        return None
    return session.execute(
        select(DigestPost.id).where(DigestPost.team_id == team_id, DigestPost.week == week)
    ).scalar_one()


def reclaim_stale_digests(session: Session, now: datetime, lease_before: datetime) -> list[DigestPost]:
    """Digests whose poster stopped part-way, taken over by the caller."""
    ids = (
        session.execute(
            update(DigestPost)
            .where(DigestPost.status == PostStatus.SENDING, DigestPost.claimed_at < lease_before)
            .values(claimed_at=now, attempts=DigestPost.attempts + 1)
            .returning(DigestPost.id)
        )
        .scalars()
        .all()
    )
    return list(session.execute(select(DigestPost).where(DigestPost.id.in_(ids))).scalars()) if ids else []


def digest_post(session: Session, post_id: int) -> DigestPost:
    return session.execute(select(DigestPost).where(DigestPost.id == post_id)).scalar_one()


def digest_weeks_posted(session: Session, weeks: Mapping[str, str]) -> set[str]:
    """The teams among {team: week} whose digest for that week exists (posted, being posted or failed)."""
    if not weeks:
        return set()
    query = select(DigestPost.team_id).where(tuple_(DigestPost.team_id, DigestPost.week).in_(list(weeks.items())))
    return set(session.execute(query).scalars())


def record_digest_part(session: Session, post_id: int, part: int, ts: str, now: datetime) -> None:
    """One more part posted; the lease is renewed with it, so a long digest is not taken over while it posts."""
    values: dict[str, Any] = {"parts_posted": part + 1, "claimed_at": now}
    if part == 0:
        values["thread_ts"] = ts
    session.execute(
        update(DigestPost).where(DigestPost.id == post_id, DigestPost.parts_posted == part).values(**values)
    )


def mark_digest_posted(session: Session, post_id: int, now: datetime) -> None:
    session.execute(update(DigestPost).where(DigestPost.id == post_id).values(status=PostStatus.POSTED, posted_at=now))


def mark_digest_failed(session: Session, post_id: int, error: str) -> None:
    session.execute(
        update(DigestPost).where(DigestPost.id == post_id).values(status=PostStatus.FAILED, last_error=error[:500])
    )


def save_alignment_snapshots(session: Session, team_id: str, week: str, values: Mapping[int, int]) -> None:
    _insert_ignoring_conflicts(
        session,
        AlignmentSnapshot.__table__,
        [
            {"team_id": team_id, "initiative_id": initiative_id, "week": week, "value": value}
            for initiative_id, value in values.items()
        ],
    )


# Measures and readings


def initiative_by_id(session: Session, team_id: str, initiative_id: int) -> Initiative | None:
    initiative = session.get(Initiative, initiative_id)
    return initiative if initiative is not None and initiative.team_id == team_id else None


def stakeholders_of(session: Session, initiative_id: int) -> list[Stakeholder]:
    query = (
        select(Stakeholder)
        .join(InitiativeStakeholder, InitiativeStakeholder.stakeholder_id == Stakeholder.id)
        .where(InitiativeStakeholder.initiative_id == initiative_id)
        .order_by(InitiativeStakeholder.id)
    )
    return list(session.execute(query).scalars())


def measures_of(session: Session, initiative_ids: Iterable[int]) -> list[tuple[Measure, str, str]]:
    """Active measures of these initiatives, each with its owner's user id and name, in the order they were agreed."""
    query = (
        select(Measure, Stakeholder.user_id, Stakeholder.display_name)
        .join(Stakeholder, Stakeholder.id == Measure.owner_id)
        .where(Measure.initiative_id.in_(list(initiative_ids)), Measure.active.is_(True))
        .order_by(Measure.initiative_id, Measure.id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def latest_readings(session: Session, measure_ids: Iterable[int]) -> dict[int, tuple[float, date]]:
    """The latest value given for each measure ("no change" and "don't know" are not values)."""
    ids = list(measure_ids)
    if not ids:
        return {}
    newest = (
        select(Reading.measure_id, func.max(Reading.id).label("id"))
        .where(Reading.measure_id.in_(ids), Reading.status == ReadingStatus.VALUE)
        .group_by(Reading.measure_id)
        .subquery()
    )
    rows = session.execute(
        select(Reading.measure_id, Reading.value, Reading.read_on).join(newest, Reading.id == newest.c.id)
    )
    return {measure_id: (value, read_on) for measure_id, value, read_on in rows}


def measure_name_taken(session: Session, initiative_id: int, name_key: str) -> bool:
    query = select(Measure.id).where(Measure.initiative_id == initiative_id, Measure.name_key == name_key)
    return session.execute(query).first() is not None


def add_measure(session: Session, measure: Measure) -> None:
    session.add(measure)
    session.flush()


def add_readings(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(Reading), rows)


def deactivate_initiatives(session: Session, initiative_ids: list[int]) -> None:
    for start in range(0, len(initiative_ids), CHUNK):
        session.execute(
            update(Initiative).where(Initiative.id.in_(initiative_ids[start : start + CHUNK])).values(active=False)
        )


def pause_users(session: Session, team_id: str, user_ids: list[str], until: date, now: datetime) -> None:
    for start in range(0, len(user_ids), CHUNK):
        session.execute(
            update(Stakeholder)
            .where(Stakeholder.team_id == team_id, Stakeholder.user_id.in_(user_ids[start : start + CHUNK]))
            .values(paused_until=until, updated_at=now)
        )


def teams(session: Session) -> list[str]:
    return list(session.execute(select(Initiative.team_id).distinct().order_by(Initiative.team_id)).scalars())


# The outbox of answers' Slack messages


def add_answer_post(session: Session, row: Mapping[str, Any]) -> int:
    return session.connection().execute(_ADD_ANSWER_POST, dict(row)).scalar_one()


_ADD_ANSWER_POST = insert(AnswerPost.__table__).returning(AnswerPost.__table__.c.id)  # built once, as _ANSWER_AS_READ


def claim_answer_posts(session: Session, now: datetime, limit: int) -> list[int]:
    """Posts handed back by a web process that stopped before it could make them."""
    return _claim_posts(session, AnswerPost, now, limit)


def claim_stale_answer_posts(session: Session, now: datetime, lease_before: datetime, limit: int) -> list[int]:
    """Posts whose poster stopped part-way (or met a passing Slack failure), to check and make again."""
    return _claim_posts(session, AnswerPost, now, limit, lease_before=lease_before, order=AnswerPost.claimed_at)


def answer_posts(session: Session, post_ids: Iterable[int]) -> list[AnswerPost]:
    ids = list(post_ids)
    if not ids:
        return []
    return list(session.execute(select(AnswerPost).where(AnswerPost.id.in_(ids)).order_by(AnswerPost.id)).scalars())


def record_answer_posts(session: Session, outcomes: list[dict[str, Any]]) -> None:
    """Each post's outcome (`id`, message_ts, dm_done, status, last_error, posted_at), only while it is still being
    sent: a post handed back meanwhile is its new poster's to record."""
    if outcomes:
        rows = [{"post_id": o["id"], "posted_now": o.get("posted_at"), **{k: o[k] for k in _OUTCOME}} for o in outcomes]
        session.connection().execute(_RECORD_ANSWER_POST, rows)


_OUTCOME = ("message_ts", "dm_done", "status", "last_error")
_post = AnswerPost.__table__.c
_RECORD_ANSWER_POST = (  # built once, as _ANSWER_AS_READ: the web process runs it after every answer
    update(AnswerPost.__table__)
    .where(_post.id == bindparam("post_id"), _post.status == PostStatus.SENDING)
    .values(
        **{k: bindparam(k) for k in _OUTCOME},
        posted_at=func.coalesce(bindparam("posted_now", type_=_post.posted_at.type), _post.posted_at),
    )
)


def hand_back_answer_posts(session: Session, post_ids: Iterable[int]) -> int:
    """Posts a stopping web process never started: the next scheduling pass takes them at once, without a lease."""
    ids = list(post_ids)
    if not ids:
        return 0
    return session.execute(
        update(AnswerPost)
        .where(AnswerPost.id.in_(ids), AnswerPost.status == PostStatus.SENDING, AnswerPost.message_ts.is_(None))
        .values(status=PostStatus.PENDING, claimed_at=None)
    ).rowcount
