"""The weekly digest: its settings, its posts and the alignment snapshots it records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlmodel import Session, col

from storage.models import AlignmentSnapshot, DigestPost, DigestSettings, Initiative, PostStatus, table_of
from storage.repositories._shared import insert_ignoring_conflicts, save_team_row
from storage.scope import team_scope


def digest_settings(session: Session, team_id: str) -> DigestSettings | None:
    return session.execute(select(DigestSettings).where(col(DigestSettings.team_id) == team_id)).scalar_one_or_none()


def save_digest_settings(session: Session, team_id: str, values: Mapping[str, Any]) -> None:
    save_team_row(session, DigestSettings, digest_settings(session, team_id), team_id, values)


def digest_teams(session: Session) -> list[tuple[str, DigestSettings | None]]:
    """Every team with an active initiative, with its digest settings if it has any."""
    teams = select(col(Initiative.team_id)).where(col(Initiative.active).is_(True)).distinct().subquery()
    query = select(teams.c.team_id, DigestSettings).outerjoin(
        DigestSettings, col(DigestSettings.team_id) == teams.c.team_id
    )
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
    if not insert_ignoring_conflicts(session, table_of(DigestPost), statement_rows):
        return None
    return session.execute(
        select(col(DigestPost.id)).where(col(DigestPost.team_id) == team_id, col(DigestPost.week) == week)
    ).scalar_one()


def reclaim_stale_digests(session: Session, now: datetime, lease_before: datetime) -> list[DigestPost]:
    """Digests whose poster stopped part-way, taken over by the caller."""
    ids = (
        session.execute(
            update(DigestPost)
            .where(
                col(DigestPost.status) == PostStatus.SENDING,
                col(DigestPost.claimed_at) < lease_before,
                *team_scope(DigestPost),
            )
            .values(claimed_at=now, attempts=col(DigestPost.attempts) + 1)
            .returning(col(DigestPost.id))
        )
        .scalars()
        .all()
    )
    return list(session.execute(select(DigestPost).where(col(DigestPost.id).in_(ids))).scalars()) if ids else []


def digest_weeks_posted(session: Session, weeks: Mapping[str, str]) -> set[str]:
    """The teams among {team: week} whose digest for that week exists (posted, being posted or failed)."""
    if not weeks:
        return set()
    query = select(col(DigestPost.team_id)).where(
        tuple_(col(DigestPost.team_id), col(DigestPost.week)).in_(list(weeks.items()))
    )
    return set(session.execute(query).scalars())


def record_digest_part(session: Session, post_id: int, part: int, ts: str, now: datetime) -> None:
    """One more part posted; the lease is renewed with it, so a long digest is not taken over while it posts."""
    values: dict[str, Any] = {"parts_posted": part + 1, "claimed_at": now}
    if part == 0:
        values["thread_ts"] = ts
    session.execute(
        update(DigestPost).where(col(DigestPost.id) == post_id, col(DigestPost.parts_posted) == part).values(**values)
    )


def mark_digest_posted(session: Session, post_id: int, now: datetime) -> None:
    session.execute(
        update(DigestPost).where(col(DigestPost.id) == post_id).values(status=PostStatus.POSTED, posted_at=now)
    )


def mark_digest_failed(session: Session, post_id: int, error: str) -> None:
    session.execute(
        update(DigestPost).where(col(DigestPost.id) == post_id).values(status=PostStatus.FAILED, last_error=error[:500])
    )


def save_alignment_snapshots(session: Session, team_id: str, week: str, values: Mapping[int, int]) -> None:
    insert_ignoring_conflicts(
        session,
        table_of(AlignmentSnapshot),
        [
            {"team_id": team_id, "initiative_id": initiative_id, "week": week, "value": value}
            for initiative_id, value in values.items()
        ],
    )
