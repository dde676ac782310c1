"""Measures agreed together: a measure the L&D member confirmed is proposed to its owner, who confirms it ("Yes,
that's right") or corrects its name, baseline and target. Either makes it agreed; every version is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from bot.services.initiatives import name_key
from bot.services.measures import checked_fields
from storage.models import Initiative, Measure, MeasureVersionKind, PostStatus, Stakeholder, saved_id
from storage.repositories import measures as measure_rows

PROPOSAL_BATCH = 100


@dataclass(frozen=True)
class ProposalView:
    """A measure as its owner is asked about it, and where that DM stands."""

    proposal_id: int
    team_id: str
    measure_id: int
    initiative_name: str
    name: str
    unit: str
    direction: str
    baseline: float | None
    baseline_on: date | None
    target: float | None
    target_on: date | None
    owner_user_id: str
    owner_dm_channel_id: str | None
    proposed_by: str  # the L&D member who confirmed it
    proposed_at: datetime
    agreed_by: str | None = None
    agreed_at: datetime | None = None
    corrected: bool = False  # its owner corrected it (the newest version is theirs)
    channel_id: str | None = None  # the DM, once it is there
    message_ts: str | None = None
    attempts: int = 1
    # Why it can no longer be asked ("measure_retired", "initiative_closed", "owner_removed"), or None.
    withdrawn: str | None = None


def versioned(measure: Measure, kind: str, user_id: str, now: datetime) -> dict:
    return {
        "team_id": measure.team_id,
        "measure_id": saved_id(measure),
        "kind": kind,
        "name": measure.name,
        "baseline": measure.baseline,
        "baseline_on": measure.baseline_on,
        "target": measure.target,
        "target_on": measure.target_on,
        "given_by": user_id,
        "given_at": now,
    }


def propose(session: Session, measure: Measure, now: datetime) -> int:
    """In the measure's own transaction: its first version, and its proposal claimed by the caller, who sends it
    right after the acknowledgement (the scheduling pass does, if the caller stops first)."""
    measure_rows.add_version(session, versioned(measure, MeasureVersionKind.PROPOSED, measure.confirmed_by, now))
    return measure_rows.add_proposal(
        session,
        {
            "team_id": measure.team_id,
            "measure_id": saved_id(measure),
            "status": PostStatus.SENDING,
            "created_at": now,
            "claimed_at": now,
            "attempts": 1,
        },
    )


def views(session: Session, proposal_ids: list[int]) -> list[ProposalView]:
    found = measure_rows.proposals(session, proposal_ids)
    corrected = {
        v.measure_id: v.kind == MeasureVersionKind.CORRECTED
        for v in measure_rows.versions_of(session, [saved_id(m) for _, m, _, _, _ in found])
    }  # the newest version of each wins: they come in version order
    return [
        ProposalView(
            saved_id(p),
            m.team_id,
            saved_id(m),
            initiative.name,
            m.name,
            m.unit,
            m.direction,
            m.baseline,
            m.baseline_on,
            m.target,
            m.target_on,
            owner.user_id,
            owner.dm_channel_id,
            m.confirmed_by,
            m.confirmed_at,
            m.agreed_by,
            m.agreed_at,
            corrected.get(saved_id(m), False),
            p.channel_id,
            p.message_ts,
            p.attempts,
            _withdrawn(m, initiative, owner_on_initiative),
        )
        for p, m, owner, initiative, owner_on_initiative in found
    ]


def _withdrawn(measure: Measure, initiative: Initiative, owner_on_initiative: bool) -> str | None:
    if not measure.active:
        return "measure_retired"
    if not initiative.active:
        return "initiative_closed"
    return None if owner_on_initiative else "owner_removed"


def claim(session: Session, now: datetime) -> list[ProposalView]:
    """Proposals handed back by a web process that stopped (or written by the migration), claimed by the caller."""
    return views(session, measure_rows.claim_proposals(session, now, PROPOSAL_BATCH))


def reclaim_stale(session: Session, now: datetime, lease: timedelta) -> list[ProposalView]:
    """Proposals whose sender stopped part-way (or met a passing failure): look in the DM before sending again."""
    return views(session, measure_rows.claim_proposals(session, now, PROPOSAL_BATCH, lease_before=now - lease))


def posted(session: Session, view: ProposalView, channel_id: str, ts: str, now: datetime) -> None:
    values = {"status": PostStatus.POSTED, "channel_id": channel_id, "message_ts": ts, "posted_at": now}
    measure_rows.mark_proposal(session, view.proposal_id, values)


def failed(session: Session, view: ProposalView, error: str) -> None:
    measure_rows.mark_proposal(session, view.proposal_id, {"status": PostStatus.FAILED, "last_error": error[:500]})


def hand_back(session: Session, proposal_id: int) -> None:
    measure_rows.mark_proposal(session, proposal_id, {"status": PostStatus.PENDING})


def _owned(session: Session, team_id: str, measure_id: int | None, user_id: str) -> tuple[Measure, Stakeholder]:
    found = measure_rows.measure_with_owner(session, team_id, measure_id) if measure_id is not None else None
    if found is None:
        raise UserError("I can't find that measure any more.")
    measure, owner = found
    if owner.user_id != user_id:
        raise UserError("Only the stakeholder who reports this measure can agree it or correct it.")
    if not measure.active:
        raise UserError("That measure has been retired, so there is nothing to agree any more.")
    return measure, owner


def _view_of(session: Session, measure_id: int) -> ProposalView:
    proposal = measure_rows.proposal_of_measure(session, measure_id)
    assert proposal is not None  # every measure is proposed in its own transaction (or by the migration)
    return views(session, [saved_id(proposal)])[0]


def agree(session: Session, team_id: str, measure_id: int | None, user_id: str, now: datetime) -> ProposalView:
    """Its owner says "Yes, that's right": agreed as it stands. Saying it again changes nothing."""
    measure, _ = _owned(session, team_id, measure_id, user_id)
    if measure.agreed_at is None:
        measure_rows.set_measure(session, saved_id(measure), {"agreed_by": user_id, "agreed_at": now})
        measure_rows.add_version(session, versioned(measure, MeasureVersionKind.CONFIRMED, user_id, now))
    return _view_of(session, saved_id(measure))


def correction_form(session: Session, team_id: str, measure_id: int | None, user_id: str) -> ProposalView:
    measure, _ = _owned(session, team_id, measure_id, user_id)
    return _view_of(session, saved_id(measure))


def correct(
    session: Session,
    team_id: str,
    measure_id: int | None,
    user_id: str,
    values: Mapping[str, str | None],
    now: datetime,
) -> ProposalView:
    """Its owner's correction of the name, baseline and target (checked like the L&D member's form): a new version,
    and the measure agreed as corrected. FormInvalid with every problem at once."""
    measure, _ = _owned(session, team_id, measure_id, user_id)
    errors: dict[str, str] = {}
    fields = checked_fields(
        values,
        errors,
        lambda key: measure_rows.name_taken_by_another(session, measure.initiative_id, key, saved_id(measure)),
    )
    if errors:
        raise FormInvalid(errors)
    name, baseline, baseline_on, target, target_on = fields
    changed = {
        "name": name,
        "name_key": name_key(name),
        "baseline": baseline,
        "baseline_on": baseline_on,
        "target": target,
        "target_on": target_on,
    }
    measure_rows.set_measure(session, saved_id(measure), {**changed, "agreed_by": user_id, "agreed_at": now})
    for key, value in changed.items():
        setattr(measure, key, value)
    measure_rows.add_version(session, versioned(measure, MeasureVersionKind.CORRECTED, user_id, now))
    session.expire(measure)
    return _view_of(session, saved_id(measure))


def correction_blocks() -> tuple[str, ...]:
    return (Block.MEASURE_NAME, Block.BASELINE, Block.BASELINE_ON, Block.TARGET, Block.TARGET_ON)
