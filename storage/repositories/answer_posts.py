"""The outbox of answers' Slack messages: posts recorded with the answer, made by the web process or the pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlmodel import Session, col

from storage.models import AnswerPost, PostStatus, table_of
from storage.repositories._shared import claim_posts, rows_matched


def add_answer_post(session: Session, row: Mapping[str, Any]) -> int:
    return session.connection().execute(_ADD_ANSWER_POST, dict(row)).scalar_one()


_ADD_ANSWER_POST = insert(table_of(AnswerPost)).returning(table_of(AnswerPost).c.id)  # built once, as _ANSWER_AS_READ


def claim_answer_posts(session: Session, now: datetime, limit: int) -> list[int]:
    """Posts handed back by a web process that stopped before it could make them."""
    return claim_posts(session, AnswerPost, now, limit)


def claim_stale_answer_posts(session: Session, now: datetime, lease_before: datetime, limit: int) -> list[int]:
    """Posts whose poster stopped part-way (or met a passing Slack failure), to check and make again."""
    return claim_posts(session, AnswerPost, now, limit, lease_before=lease_before, order=col(AnswerPost.claimed_at))


def answer_posts(session: Session, post_ids: Iterable[int]) -> list[AnswerPost]:
    ids = list(post_ids)
    if not ids:
        return []
    return list(
        session.execute(select(AnswerPost).where(col(AnswerPost.id).in_(ids)).order_by(col(AnswerPost.id))).scalars()
    )


def record_answer_posts(session: Session, outcomes: list[dict[str, Any]]) -> None:
    """Each post's outcome (`id`, message_ts, dm_done, status, last_error, posted_at), only while it is still being
    sent: a post handed back meanwhile is its new poster's to record."""
    if outcomes:
        rows = [{"post_id": o["id"], "posted_now": o.get("posted_at"), **{k: o[k] for k in _OUTCOME}} for o in outcomes]
        session.connection().execute(_RECORD_ANSWER_POST, rows)


_OUTCOME = ("message_ts", "dm_done", "status", "last_error")


_post = table_of(AnswerPost).c


_RECORD_ANSWER_POST = (  # built once, as _ANSWER_AS_READ: the web process runs it after every answer
    update(table_of(AnswerPost))
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
    return rows_matched(
        session,
        update(AnswerPost)
        .where(
            col(AnswerPost.id).in_(ids),
            col(AnswerPost.status) == PostStatus.SENDING,
            col(AnswerPost.message_ts).is_(None),
        )
        .values(status=PostStatus.PENDING, claimed_at=None),
    )
