"""The DMs asking stakeholders to sign a plan: each claimed, checked at the moment of sending (a closed initiative's
or a removed stakeholder's skipped, an away stakeholder's waiting for their return), recorded as posted or failed,
and reminded once; their answers ("This matches our plan", "Something's off") and commitments; and each
stakeholder's sign-off as the workbook and the Homes show it. Saving the plan, which asks them, is
bot.services.plans'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.services import calendar
from bot.services.export_plan import FIELDS
from bot.services.plans import TEXT_MAX, changes, version_values
from bot.services.signoffs import WAITING, must_sign, overdue, state_of
from bot.services.touchpoints import local_calendar
from storage.models import Initiative, PlanSignoff, PostStatus, SignoffAnswer, saved_id
from storage.repositories import plans as plan_rows
from storage.repositories import stakeholders as stakeholder_rows

BATCH = 100
ATTEMPTS_MAX = 5


@dataclass(frozen=True)
class SignoffDm:
    """One stakeholder's DM asking them to sign one version of the plan, and where it stands."""

    signoff_id: int
    team_id: str
    initiative_id: int
    initiative_name: str
    user_id: str
    dm_channel_id: str | None
    must_sign: bool
    asked_by: str
    created_at: datetime
    attempts: int
    version: int
    fields: tuple[tuple[str, str], ...]  # (label, text) of the elements that are filled in
    changes: tuple[tuple[str, str], ...] | None  # asked again: (label, new text) of what changed since they signed
    answer: str | None = None
    comment: str = ""
    commitment: str = ""
    channel_id: str | None = None
    message_ts: str | None = None


@dataclass(frozen=True)
class SignoffStatus:
    user_id: str
    must_sign: bool
    state: str  # SIGNED, OFF, WAITING, NOT_ASKED
    comment: str = ""
    commitment: str = ""
    version: int | None = None
    overdue: bool = False  # waiting past its reminder


# The DMs


def _dms(session: Session, found) -> list[SignoffDm]:
    ids = [s.plan_version_id for s, _, _, _ in found] + [s.approved_version_id for s, _, _, _ in found]
    by_id = plan_rows.versions(session, [i for i in ids if i is not None])
    out = []
    for s, person, initiative, _pair in found:
        version = by_id[s.plan_version_id]
        now_values = version_values(version)
        approved = by_id.get(s.approved_version_id) if s.approved_version_id is not None else None
        out.append(
            SignoffDm(
                saved_id(s),
                s.team_id,
                s.initiative_id,
                initiative.name,
                person.user_id,
                person.dm_channel_id,
                s.must_sign,
                s.asked_by,
                s.created_at,
                s.attempts,
                version.version,
                tuple((label, now_values[key]) for key, label in FIELDS if now_values[key].strip()),
                changes(version_values(approved), now_values) if approved is not None else None,
                s.answer,
                s.comment,
                s.commitment,
                s.channel_id,
                s.message_ts,
            )
        )
    return out


def _skip_why(s: PlanSignoff, person, initiative: Initiative, pair) -> str | None:
    if not initiative.active:
        return "initiative_closed"
    if pair is None or not person.active:
        return "stakeholder_removed"
    return None


def _sendable(session: Session, ids: list[int], now: datetime, default_tz: str) -> list[SignoffDm]:
    """The claimed DMs that may go now, checked at the moment of sending: a closed initiative or a removed
    stakeholder's is skipped; one whose stakeholder is away waits for their return."""
    found = []
    for s, person, initiative, pair in plan_rows.signoffs(session, ids):
        why = _skip_why(s, person, initiative, pair)
        if why is not None:
            plan_rows.mark(session, saved_id(s), {"status": plan_rows.SKIPPED, "last_error": why})
            continue
        cadence, tz, is_holiday = local_calendar(session, s.initiative_id, person.tz, person.country, default_tz)
        if calendar.is_paused(person.paused_until, tz, now):
            due = calendar.first_ask(cadence, tz, is_holiday, now, person.paused_until)
            plan_rows.mark(session, saved_id(s), {"status": PostStatus.PENDING, "due_at": due})
            continue
        found.append((s, person, initiative, pair))
    return _dms(session, found)


def claim(session: Session, now: datetime, default_tz: str) -> list[SignoffDm]:
    return _sendable(session, plan_rows.claim_due(session, now, BATCH), now, default_tz)


def reclaim_stale(session: Session, now: datetime, lease: timedelta, default_tz: str) -> list[SignoffDm]:
    """DMs whose sender stopped part-way (or met a passing failure): look in the DM before sending again."""
    return _sendable(session, plan_rows.claim_due(session, now, BATCH, lease_before=now - lease), now, default_tz)


def posted(session: Session, dm: SignoffDm, channel_id: str, ts: str, now: datetime, default_tz: str) -> None:
    """Recorded; one who must sign gets a reminder when a touchpoint would (the schedule's working days after)."""
    [(s, person, _, _)] = plan_rows.signoffs(session, [dm.signoff_id])
    remind_at = None
    if s.must_sign:
        cadence, tz, is_holiday = local_calendar(session, s.initiative_id, person.tz, person.country, default_tz)
        remind_at, _ = calendar.follow_ups(cadence, tz, is_holiday, now)
    values = {"channel_id": channel_id, "message_ts": ts, "posted_at": now, "remind_at": remind_at}
    plan_rows.mark_posted(session, dm.signoff_id, values)
    if person.dm_channel_id != channel_id:
        stakeholder_rows.set_stakeholder_dm(session, s.stakeholder_id, channel_id)


def failed(session: Session, dm: SignoffDm, error: str) -> None:
    plan_rows.mark(session, dm.signoff_id, {"status": PostStatus.FAILED, "last_error": error[:500]})


def claim_reminders(session: Session, now: datetime) -> list[SignoffDm]:
    """Unanswered DMs of those who must sign whose reminder time came, each taken once; none for a closed
    initiative, a removed stakeholder or one who is away (theirs is not sent)."""
    found = []
    for s, person, initiative, pair in plan_rows.signoffs(session, plan_rows.claim_reminders(session, now, BATCH)):
        if _skip_why(s, person, initiative, pair) is None and not calendar.is_paused(
            person.paused_until, calendar.zone(person.tz, "UTC"), now
        ):
            found.append((s, person, initiative, pair))
    return _dms(session, found)


# Their answers


def _own(session: Session, team_id: str, signoff_id: int | None, user_id: str) -> PlanSignoff:
    found = plan_rows.signoffs(session, [signoff_id]) if signoff_id is not None else []
    if not found or found[0][0].team_id != team_id:
        raise UserError("I can't find that plan any more.")
    s, person, initiative, pair = found[0]
    if person.user_id != user_id:
        raise UserError("Only the stakeholder this plan was sent to can answer it.")
    if not initiative.active or pair is None:
        raise UserError("This initiative is closed, or you are no longer one of its stakeholders.")
    newest = plan_rows.newest_signoffs(session, [s.initiative_id]).get((s.initiative_id, s.stakeholder_id))
    if newest is not None and saved_id(newest) != saved_id(s):
        raise UserError("The plan has changed since this message: the newer one in our DM is the one to answer.")
    return s


def dm_of(session: Session, team_id: str, signoff_id: int | None, user_id: str) -> SignoffDm:
    s = _own(session, team_id, signoff_id, user_id)
    return _dms(session, plan_rows.signoffs(session, [saved_id(s)]))[0]


def answer(
    session: Session,
    team_id: str,
    signoff_id: int | None,
    user_id: str,
    said: str,
    comment: str,
    now: datetime,
    comment_block: str,
) -> SignoffDm:
    """ "This matches our plan", or "Something's off" with a comment (FormInvalid under `comment_block` without)."""
    s = _own(session, team_id, signoff_id, user_id)
    comment = comment.strip()
    if said == SignoffAnswer.OFF and not comment:
        raise FormInvalid({comment_block: "Say what is off, so the L&D team can put it right."})
    if len(comment) > TEXT_MAX:
        raise FormInvalid({comment_block: f"At most {TEXT_MAX} characters, please."})
    values = {"answer": said, "comment": comment if said == SignoffAnswer.OFF else "", "answered_at": now}
    plan_rows.mark(session, saved_id(s), values)
    session.expire(s)
    return dm_of(session, team_id, saved_id(s), user_id)


def commit(
    session: Session, team_id: str, signoff_id: int | None, user_id: str, text: str, now: datetime, block: str
) -> SignoffDm:
    """ "What I will do to help": their commitment, recorded (a new one replaces it)."""
    s = _own(session, team_id, signoff_id, user_id)
    text = text.strip()
    if not text:
        raise FormInvalid({block: "Say what you will do to help, even if it is small."})
    if len(text) > TEXT_MAX:
        raise FormInvalid({block: f"At most {TEXT_MAX} characters, please."})
    plan_rows.mark(session, saved_id(s), {"commitment": text, "committed_at": now})
    session.expire(s)
    return dm_of(session, team_id, saved_id(s), user_id)


# Where each initiative stands


def statuses(session: Session, team_id: str, initiative_id: int, now: datetime) -> tuple[SignoffStatus, ...]:
    """Each current stakeholder's sign-off, in the order they were added (for the workbook and the Home)."""
    newest = plan_rows.newest_signoffs(session, [initiative_id])
    numbers = {
        v.id: v.version for v in plan_rows.versions(session, [s.plan_version_id for s in newest.values()]).values()
    }
    out = []
    for pair, person in stakeholder_rows.current_pairs_of(session, initiative_id):
        s = newest.get((initiative_id, pair.stakeholder_id))
        out.append(
            SignoffStatus(
                person.user_id,
                must_sign(pair.influence),
                state_of(s),
                s.comment if s else "",
                s.commitment if s else "",
                numbers.get(s.plan_version_id) if s else None,
                overdue(s, now) if s else False,
            )
        )
    return tuple(out)


def waiting_for(session: Session, team_id: str, user_id: str) -> tuple[tuple[str, int, bool], ...]:
    """(initiative name, version, must sign) of each plan waiting for this stakeholder's answer (their Home)."""
    mine = plan_rows.signoffs_of_user(session, team_id, user_id)
    newest: dict[int, PlanSignoff] = {}
    for s in mine:
        newest[s.initiative_id] = s
    live = [s for s in newest.values() if state_of(s) == WAITING and s.posted_at is not None]
    if not live:
        return ()
    rows = [r for r in plan_rows.signoffs(session, [saved_id(s) for s in live]) if _skip_why(*r) is None]
    return tuple((d.initiative_name, d.version, d.must_sign) for d in _dms(session, rows))


def pending_due_times(session: Session, team_id: str) -> list[datetime]:
    return plan_rows.pending_due_times(session, team_id)
