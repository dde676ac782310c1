"""Answers: every version of every answer; the latest are what the services read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_, update
from sqlmodel import Session, col

from storage.models import Answer
from storage.repositories._shared import is_newest, newest_answers


def latest_answers(session: Session, initiative_id: int, stakeholder_id: int) -> dict[str, Answer]:
    """The newest version of each question's answer."""
    newest = newest_answers(col(Answer.initiative_id) == initiative_id, col(Answer.stakeholder_id) == stakeholder_id)
    query = select(Answer).join(newest, is_newest(newest))
    return {a.question: a for a in session.execute(query).scalars()}


def latest_answers_before(
    session: Session, initiative_id: int, stakeholder_id: int, touchpoint_id: int
) -> dict[str, Answer]:
    """The newest version of each question's answer given before this touchpoint was first answered (every answer,
    if it has none yet): what a correction of its answers is compared with to find their shifts."""
    first = select(func.min(col(Answer.id))).where(col(Answer.touchpoint_id) == touchpoint_id).scalar_subquery()
    query = (
        select(Answer)
        .where(
            col(Answer.initiative_id) == initiative_id,
            col(Answer.stakeholder_id) == stakeholder_id,
            or_(first.is_(None), col(Answer.id) < first),
        )
        .order_by(col(Answer.version))
    )
    return {a.question: a for a in session.execute(query).scalars()}  # the last of each question is its newest


def add_answer_versions(
    session: Session,
    *,
    team_id: str,
    initiative_id: int,
    stakeholder_id: int,
    touchpoint_id: int,
    texts: Mapping[str, str],
    now: datetime,
    versions: Mapping[str, int] | None = None,
    judgements: Mapping[str, str] | None = None,
) -> dict[str, Answer]:
    """Store each text as the next version of its question (after `versions`, the latest answers' versions, when
    the caller has them), with its author's `judgements` of their revision where given. Concurrent writers of one version collide on the unique constraint and the later one fails, rather
    than both claiming the same version."""
    if versions is None:
        versions = {q: a.version for q, a in latest_answers(session, initiative_id, stakeholder_id).items()}
    added = {}
    for question, text in texts.items():
        answer = Answer(
            team_id=team_id,
            initiative_id=initiative_id,
            stakeholder_id=stakeholder_id,
            touchpoint_id=touchpoint_id,
            question=question,
            text=text,
            version=versions.get(question, 0) + 1,
            answered_at=now,
            judgement=(judgements or {}).get(question),
        )
        session.add(answer)
        added[question] = answer
    session.flush()
    return added


def judge_answer(
    session: Session, initiative_id: int, stakeholder_id: int, question: str, versions: Mapping[str, int], judged: str
) -> None:
    """Record its author's judgement of the latest version of a question's answer (one corrected without its words)."""
    session.execute(
        update(Answer)
        .where(
            col(Answer.initiative_id) == initiative_id,
            col(Answer.stakeholder_id) == stakeholder_id,
            col(Answer.question) == question,
            col(Answer.version) == versions[question],
        )
        .values(judgement=judged)
    )


def latest_answers_for(
    session: Session, pairs: Iterable[tuple[int, int]], questions: Iterable[str]
) -> dict[tuple[int, int], dict[str, str]]:
    """The newest text of each question for many (initiative, stakeholder) pairs, in one query."""
    keys = list(set(pairs))
    if not keys:
        return {}
    newest = newest_answers(
        tuple_(col(Answer.initiative_id), col(Answer.stakeholder_id)).in_(keys),
        col(Answer.question).in_(list(questions)),
    )
    rows = session.execute(
        select(col(Answer.initiative_id), col(Answer.stakeholder_id), col(Answer.question), col(Answer.text)).join(
            newest, is_newest(newest)
        )
    ).all()
    found: dict[tuple[int, int], dict[str, str]] = {}
    for initiative_id, stakeholder_id, question, text in rows:
        found.setdefault((initiative_id, stakeholder_id), {})[question] = text
    return found
