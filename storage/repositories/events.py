"""Slack event ids already handled, so a retried event is done once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import ProcessedEvent, table_of
from storage.repositories._shared import insert_ignoring_conflicts


def first_time_seen(session: Session, team_id: str, event_id: str, now: datetime, forget_before: datetime) -> bool:
    """Record an event id; False when it was recorded before (Slack retried the event). Ids received before
    forget_before are deleted in the same transaction (an index range that is empty but for a day's first event),
    so the table holds what Slack may still retry, not every event the workspace ever sent."""
    row = {"event_id": event_id, "team_id": team_id, "received_at": now}
    first = insert_ignoring_conflicts(session, table_of(ProcessedEvent), [row]) == 1
    session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < forget_before))
    return first
