"""Planning: each stakeholder's next check-in or review stored as pending, a batch a transaction."""

from __future__ import annotations

from datetime import timedelta

from bot.services import planning
from bot.usecases.outbound import Outbound


def plan(out: Outbound, default_tz: str, grace: timedelta) -> int:
    """Plan batch after batch until one finds less than a full batch to look at; returns how many were looked at.
    What fell due within `grace` is still planned, for the pass to send."""
    looked_at = 0
    while True:
        with out.db.session() as session:
            batch = planning.plan(session, out.clock(), default_tz, since=out.clock() - grace)
        looked_at += batch
        if batch < planning.PLAN_BATCH:
            return looked_at
