"""Plans and their sign-off: the versions of each initiative's plan, and the DMs asking its stakeholders to sign it
(claimed like posts, so each goes out once) with their answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, insert, select, update
from sqlmodel import Session, col

from storage.models import (
    Initiative,
    InitiativeStakeholder,
    PlanSignoff,
    PlanVersion,
    PostStatus,
    Stakeholder,
)
from storage.repositories._shared import claim, claim_posts, rows_matched

SKIPPED = "skipped"


def newest_version(session: Session, initiative_id: int) -> PlanVersion | None:
    query = (
        select(PlanVersion)
        .where(col(PlanVersion.initiative_id) == initiative_id)
        .order_by(col(PlanVersion.version).desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def newest_versions(session: Session, initiative_ids: Iterable[int]) -> dict[int, PlanVersion]:
    ids = list(initiative_ids)
    if not ids:
        return {}
    newest = (
        select(col(PlanVersion.initiative_id), func.max(col(PlanVersion.version)).label("version"))
        .where(col(PlanVersion.initiative_id).in_(ids))
        .group_by(col(PlanVersion.initiative_id))
        .subquery()
    )
    query = select(PlanVersion).join(
        newest,
        and_(col(PlanVersion.initiative_id) == newest.c.initiative_id, col(PlanVersion.version) == newest.c.version),
    )
    return {v.initiative_id: v for v in session.execute(query).scalars().all()}


def versions(session: Session, version_ids: Iterable[int]) -> dict[int, PlanVersion]:
    ids = list(set(version_ids))
    if not ids:
        return {}
    return {v.id or 0: v for v in session.execute(select(PlanVersion).where(col(PlanVersion.id).in_(ids))).scalars()}


def add_version(session: Session, row: dict) -> PlanVersion:
    """The next version of an initiative's plan (its number after the newest one), as one statement."""
    number = (
        select(func.coalesce(func.max(col(PlanVersion.version)), 0) + 1)
        .where(col(PlanVersion.initiative_id) == row["initiative_id"])
        .scalar_subquery()
    )
    new_id = session.execute(insert(PlanVersion).values(**row, version=number).returning(col(PlanVersion.id))).scalar()
    found = session.get(PlanVersion, new_id)
    assert found is not None
    return found


def add_signoffs(session: Session, rows: list[dict]) -> list[int]:
    ids = []
    for row in rows:
        signoff = PlanSignoff(**row)
        session.add(signoff)
        session.flush()
        ids.append(signoff.id or 0)
    return ids


def newest_signoffs(session: Session, initiative_ids: Iterable[int]) -> dict[tuple[int, int], PlanSignoff]:
    """(initiative, stakeholder) -> their newest sign-off row: where they stand on the plan."""
    ids = list(initiative_ids)
    if not ids:
        return {}
    newest = (
        select(func.max(col(PlanSignoff.id)).label("id"))
        .where(col(PlanSignoff.initiative_id).in_(ids))
        .group_by(col(PlanSignoff.initiative_id), col(PlanSignoff.stakeholder_id))
        .subquery()
    )
    query = select(PlanSignoff).join(newest, col(PlanSignoff.id) == newest.c.id)
    return {(s.initiative_id, s.stakeholder_id): s for s in session.execute(query).scalars().all()}


def team_signoffs(session: Session, team_id: str) -> list[tuple[PlanSignoff, str, str, str]]:
    """Every active initiative's current stakeholders' newest sign-off rows, with the stakeholder's user id and the
    initiative's name and the pair's influence, in one query (for the digest, the index and the Home)."""
    newest = (
        select(func.max(col(PlanSignoff.id)).label("id"))
        .where(col(PlanSignoff.team_id) == team_id)
        .group_by(col(PlanSignoff.initiative_id), col(PlanSignoff.stakeholder_id))
        .subquery()
    )
    query = (
        select(PlanSignoff, col(Stakeholder.user_id), col(Initiative.name), col(InitiativeStakeholder.influence))
        .join(newest, col(PlanSignoff.id) == newest.c.id)
        .join(Initiative, col(Initiative.id) == col(PlanSignoff.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(PlanSignoff.stakeholder_id))
        .join(
            InitiativeStakeholder,
            and_(
                col(InitiativeStakeholder.initiative_id) == col(PlanSignoff.initiative_id),
                col(InitiativeStakeholder.stakeholder_id) == col(PlanSignoff.stakeholder_id),
            ),
        )
        .where(
            col(Initiative.active).is_(True),
            col(Stakeholder.active).is_(True),
            col(InitiativeStakeholder.removed_at).is_(None),
        )
        .order_by(col(PlanSignoff.initiative_id), col(PlanSignoff.id))
    )
    return [(s, user_id, name, influence) for s, user_id, name, influence in session.execute(query).all()]


def must_sign_counts(session: Session, team_id: str, influence: str) -> dict[int, int]:
    """Active initiatives' current, active stakeholders of this influence, counted per initiative."""
    query = (
        select(col(InitiativeStakeholder.initiative_id), func.count())
        .join(Initiative, col(Initiative.id) == col(InitiativeStakeholder.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
        .where(
            col(InitiativeStakeholder.team_id) == team_id,
            col(InitiativeStakeholder.removed_at).is_(None),
            col(InitiativeStakeholder.influence) == influence,
            col(Initiative.active).is_(True),
            col(Stakeholder.active).is_(True),
        )
        .group_by(col(InitiativeStakeholder.initiative_id))
    )
    return dict(session.execute(query).all())


def signoffs_of_user(session: Session, team_id: str, user_id: str) -> list[PlanSignoff]:
    query = (
        select(PlanSignoff)
        .join(Stakeholder, col(Stakeholder.id) == col(PlanSignoff.stakeholder_id))
        .where(col(PlanSignoff.team_id) == team_id, col(Stakeholder.user_id) == user_id)
        .order_by(col(PlanSignoff.id))
    )
    return list(session.execute(query).scalars().all())


def claim_due(session: Session, now: datetime, limit: int, lease_before: datetime | None = None) -> list[int]:
    """Sign-off DMs due to go (pending, due), or with lease_before those a sender took before then and never finished."""
    if lease_before is not None:
        return claim_posts(session, PlanSignoff, now, limit, lease_before=lease_before)
    where = [col(PlanSignoff.status) == PostStatus.PENDING, col(PlanSignoff.due_at) <= now]
    values = {"status": PostStatus.SENDING, "claimed_at": now, "attempts": col(PlanSignoff.attempts) + 1}
    return claim(session, where, values, limit, order=PlanSignoff.due_at, table=PlanSignoff)


def claim_reminders(session: Session, now: datetime, limit: int) -> list[int]:
    """Posted, unanswered sign-offs whose reminder time came: taken once (reminded_at set), as touchpoints' are."""
    where = [
        col(PlanSignoff.status) == PostStatus.POSTED,
        col(PlanSignoff.answer).is_(None),
        col(PlanSignoff.reminded_at).is_(None),
        col(PlanSignoff.remind_at) <= now,
    ]
    return claim(session, where, {"reminded_at": now}, limit, order=PlanSignoff.remind_at, table=PlanSignoff)


def signoffs(
    session: Session, signoff_ids: Iterable[int]
) -> list[tuple[PlanSignoff, Stakeholder, Initiative, InitiativeStakeholder | None]]:
    """Each sign-off with its stakeholder, its initiative and their pair (None once they were removed)."""
    query = (
        select(PlanSignoff, Stakeholder, Initiative, InitiativeStakeholder)
        .join(Stakeholder, col(Stakeholder.id) == col(PlanSignoff.stakeholder_id))
        .join(Initiative, col(Initiative.id) == col(PlanSignoff.initiative_id))
        .outerjoin(
            InitiativeStakeholder,
            and_(
                col(InitiativeStakeholder.initiative_id) == col(PlanSignoff.initiative_id),
                col(InitiativeStakeholder.stakeholder_id) == col(PlanSignoff.stakeholder_id),
                col(InitiativeStakeholder.removed_at).is_(None),
            ),
        )
        .where(col(PlanSignoff.id).in_(list(signoff_ids)))
        .order_by(col(PlanSignoff.id))
    )
    return [(s, p, i, pair) for s, p, i, pair in session.execute(query).all()]


def mark(session: Session, signoff_id: int, values: dict) -> None:
    session.execute(update(PlanSignoff).where(col(PlanSignoff.id) == signoff_id).values(**values))


def mark_posted(session: Session, signoff_id: int, values: dict) -> bool:
    """Recorded as posted by this sender; False if another one recorded it meanwhile."""
    statement = (
        update(PlanSignoff)
        .where(col(PlanSignoff.id) == signoff_id, col(PlanSignoff.status) == PostStatus.SENDING)
        .values(status=PostStatus.POSTED, **values)
    )
    return rows_matched(session, statement) == 1


def pending_due_times(session: Session, team_id: str) -> list[datetime]:
    """When each sign-off DM still to send falls due (the demo runs its pass then)."""
    query = select(col(PlanSignoff.due_at)).where(
        col(PlanSignoff.team_id) == team_id, col(PlanSignoff.status) == PostStatus.PENDING
    )
    return sorted(session.execute(query).scalars().all())
