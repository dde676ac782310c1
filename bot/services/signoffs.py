"""Where each initiative's plan sign-off stands: who must sign (the stakeholder map's high-influence quadrants), who
signed, what is off, who is waiting; for the alignment index, the digest, the Home and the workbook. Apart from
bot.services.plans so that the index (which the Plan sheet's content reads) can count it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.services.stakeholder_map import HIGH
from storage.models import PlanSignoff, PostStatus, SignoffAnswer
from storage.repositories import plans as plan_rows

SIGNED, OFF, WAITING, NOT_ASKED = "signed", "off", "waiting", "not_asked"
STATE_NAMES = {SIGNED: "signed", OFF: "something's off", WAITING: "waiting", NOT_ASKED: "not asked"}


@dataclass(frozen=True)
class SignoffCounts:
    """An initiative's sign-off, for the index, the digest and the Home."""

    sent: bool  # a plan went to its stakeholders
    must_sign: int  # current stakeholders whose quadrant says they must sign
    signed: int  # of them, those whose newest answer is "This matches our plan"
    off_user_ids: tuple[str, ...] = ()  # said "Something's off" (anyone: the comment is on the Sign-off sheet)
    waiting_user_ids: tuple[str, ...] = ()  # still to answer
    overdue_user_ids: tuple[str, ...] = ()  # of them, those who must sign and are past their reminder


def must_sign(influence: str) -> bool:
    """Manage closely and keep satisfied (high influence) must sign; keep informed and monitor are told."""
    return influence == HIGH


def state_of(s: PlanSignoff | None) -> str:
    if s is None or s.status in (PostStatus.FAILED, plan_rows.SKIPPED):
        return NOT_ASKED
    if s.answer == SignoffAnswer.MATCHES:
        return SIGNED
    if s.answer == SignoffAnswer.OFF:
        return OFF
    return WAITING


def overdue(s: PlanSignoff, now: datetime) -> bool:
    return state_of(s) == WAITING and s.must_sign and s.remind_at is not None and s.remind_at <= now


def counts(session: Session, team_id: str, now: datetime) -> dict[int, SignoffCounts]:
    """Each active initiative whose plan went to its stakeholders: who must sign, who signed, what is off and who is
    waiting (past their reminder or not). Two queries for the whole team."""
    rows = plan_rows.team_signoffs(session, team_id)
    must = plan_rows.must_sign_counts(session, team_id, HIGH)
    found: dict[int, dict] = {}
    for s, user_id, _name, influence in rows:
        entry = found.setdefault(s.initiative_id, {"sent": False, "signed": 0, "off": [], "waiting": [], "late": []})
        entry["sent"] = entry["sent"] or s.posted_at is not None
        state = state_of(s)
        if state == SIGNED and must_sign(influence):
            entry["signed"] += 1
        elif state == OFF:
            entry["off"].append(user_id)
        elif state == WAITING:
            entry["waiting"].append(user_id)
            if overdue(s, now):
                entry["late"].append(user_id)
    return {
        initiative_id: SignoffCounts(
            True,
            must.get(initiative_id, 0),
            e["signed"],
            tuple(e["off"]),
            tuple(e["waiting"]),
            tuple(e["late"]),
        )
        for initiative_id, e in found.items()
        if e["sent"]
    }
