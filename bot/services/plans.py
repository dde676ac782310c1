"""A plan the stakeholders sign off: its eight elements, pre-filled from what Touchpoint knows and versioned at each
save, which asks the stakeholders to sign it (those whose quadrant of the stakeholder map has high influence must
sign, the others get it for information). The DMs that ask them, their answers and commitments, and where each
stakeholder's sign-off stands are bot.services.signoff_dms'."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from bot.services import calendar, export_plan
from bot.services import measures as measure_service
from bot.services.export_plan import FIELDS
from bot.services.initiatives import by_name
from bot.services.signoffs import must_sign
from bot.services.touchpoints import local_calendar
from storage.models import ChangeKind, Initiative, PlanVersion, PostStatus, SignoffAnswer, saved_id
from storage.repositories import changes as change_rows
from storage.repositories import initiatives as initiative_rows
from storage.repositories import plans as plan_rows
from storage.repositories import stakeholders as stakeholder_rows

TEXT_MAX = 3000  # a plain_text_input's max_length, and a section's text


@dataclass(frozen=True)
class PlanForm:
    initiative_id: int
    initiative_name: str
    values: tuple[tuple[str, str], ...]  # (field, text) in FIELDS order
    version: int | None  # the newest saved version; None before the first save
    prefilled: tuple[str, ...] = ()  # fields filled from what Touchpoint knows (empty in the saved version)


@dataclass(frozen=True)
class Saved:
    initiative_name: str
    version: int
    changed: tuple[str, ...]  # the labels of the elements that changed (every one at the first save)
    asked: int  # stakeholders asked to sign it now
    asked_again: int  # of them, those who had signed an earlier version


def version_values(version: PlanVersion | None) -> dict[str, str]:
    return {key: (getattr(version, key) if version is not None else "") for key, _ in FIELDS}


def _lines(items) -> str:
    return "\n".join(f"• {item}" for item in items)


def prefill(session: Session, initiative: Initiative, now: datetime) -> dict[str, str]:
    """What Touchpoint already knows, for each element: the Plan sheet's own content (export_plan)."""
    initiative_id = saved_id(initiative)
    agreed = measure_service.rows_of(session, [initiative_id])
    [block] = export_plan.plan_blocks(session, initiative.team_id, [initiative_id], [initiative], agreed, now)
    overview = initiative.business_goal + (f"\n\n{initiative.description}" if initiative.description else "")
    objectives = [f"The business goal: {initiative.business_goal}"] + [
        f"Measured by {m.name}" + (f" ({m.source})" if m.source else "") for m in block.measures
    ]
    found = {
        "overview": overview,
        "objectives": _lines(objectives),
        "needs": _lines(f"{who}: {said}" for who, said in block.impacts),
        "short_term": _lines(block.short_term),
        "long_term": _lines(block.long_term),
        "obstacles": _lines(o for o in block.obstacles if o != export_plan.NO_OBSTACLES),
    }
    return {key: text[:TEXT_MAX] for key, text in found.items() if text}


def _initiative(session: Session, team_id: str, initiative_id: int | None) -> Initiative:
    found = initiative_rows.initiative_by_id(session, team_id, initiative_id) if initiative_id is not None else None
    if found is None or not found.active:
        raise UserError("That initiative is no longer active.")
    return found


def form(session: Session, team_id: str, initiative_id: int | None, now: datetime) -> PlanForm:
    """The newest version, each empty element pre-filled from what Touchpoint knows."""
    initiative = _initiative(session, team_id, initiative_id)
    newest = plan_rows.newest_version(session, saved_id(initiative))
    values = version_values(newest)
    known = prefill(session, initiative, now)
    filled = tuple(key for key, _ in FIELDS if not values[key].strip() and key in known)
    for key in filled:
        values[key] = known[key]
    return PlanForm(
        saved_id(initiative),
        initiative.name,
        tuple((key, values[key]) for key, _ in FIELDS),
        newest.version if newest else None,
        filled,
    )


def form_by_name(session: Session, team_id: str, name: str, now: datetime) -> PlanForm:
    return form(session, team_id, by_name(session, team_id, name).id, now)


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(label, new text) of each element that differs, in the plan's order ("" when it was emptied)."""
    return tuple(
        (label, after.get(key, ""))
        for key, label in FIELDS
        if before.get(key, "").strip() != after.get(key, "").strip()
    )


def _checked(values: Mapping[str, str | None]) -> dict[str, str]:
    cleaned = {key: (values.get(key) or "").strip() for key, _ in FIELDS}
    errors = {
        f"{Block.PLAN_PREFIX}{key}": f"At most {TEXT_MAX} characters, please."
        for key, text in cleaned.items()
        if len(text) > TEXT_MAX
    }
    if not cleaned["overview"]:
        errors[f"{Block.PLAN_PREFIX}overview"] = (
            "Say in a few lines what this plan is for: it is what a stakeholder reads first."
        )
    if errors:
        raise FormInvalid(errors)
    return cleaned


def save(
    session: Session,
    team_id: str,
    user_id: str,
    initiative_id: int | None,
    values: Mapping[str, str | None],
    ask: bool,
    now: datetime,
    default_tz: str,
) -> Saved:
    """A new version when anything changed; those who signed an earlier version are asked again (told what
    changed), and with `ask` every current stakeholder not yet asked about this version too. FormInvalid with every
    problem at once."""
    initiative = _initiative(session, team_id, initiative_id)
    cleaned = _checked(values)
    newest = plan_rows.newest_version(session, saved_id(initiative))
    changed = changes(version_values(newest), cleaned)
    if changed or newest is None:
        row = {"team_id": team_id, "initiative_id": saved_id(initiative), "saved_by": user_id, "saved_at": now}
        newest = plan_rows.add_version(session, {**row, **cleaned})
        what = ", ".join(label for label, _ in changed) or "nothing"
        line = f"Plan version {newest.version} saved ({what})"
        log = {"team_id": team_id, "initiative_id": saved_id(initiative), "changed_by": user_id, "changed_at": now}
        change_rows.record(session, [{**log, "kind": ChangeKind.PLAN, "text": line[:1000]}])
    current = plan_rows.newest_signoffs(session, [saved_id(initiative)])
    rows, again = [], 0
    for pair, person in stakeholder_rows.current_pairs_of(session, saved_id(initiative)):
        if not person.active:
            continue
        had = current.get((pair.initiative_id, pair.stakeholder_id))
        if had is not None and had.plan_version_id == saved_id(newest):
            continue  # asked about this version already
        signed_before = had is not None and had.answer == SignoffAnswer.MATCHES
        if not (ask or signed_before):
            continue
        cadence, tz, is_holiday = local_calendar(session, saved_id(initiative), person.tz, person.country, default_tz)
        again += signed_before
        rows.append(
            {
                "team_id": team_id,
                "initiative_id": saved_id(initiative),
                "stakeholder_id": pair.stakeholder_id,
                "plan_version_id": saved_id(newest),
                "approved_version_id": had.plan_version_id if had is not None and signed_before else None,
                "must_sign": must_sign(pair.influence),
                "asked_by": user_id,
                "created_at": now,
                # at a sensible hour of their day, after any pause: as their first questions are
                "due_at": calendar.first_ask(cadence, tz, is_holiday, now, person.paused_until),
                "status": PostStatus.PENDING,
                "attempts": 0,
            }
        )
    plan_rows.add_signoffs(session, rows)
    labels = tuple(label for label, _ in changed) if changed else ()
    return Saved(initiative.name, newest.version, labels, len(rows), again)
