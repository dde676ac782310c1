"""The alignment index: a 0-100 figure per initiative summarising how well L&D and its stakeholders agree, with the
parts it is made of visible (agreed impact, measures agreed, responses, ratings, shifts with an outcome, plan signed
off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services import signoffs
from bot.services.signoffs import SignoffCounts
from storage import reporting

WINDOW = timedelta(days=90)  # the response rate of the alignment index, and how long a shift stays open


@dataclass(frozen=True)
class Part:
    """One visible part of the alignment index."""

    key: str
    label: str
    weight: int
    score: float | None  # 0..1; None when there is nothing to judge yet (the part is left out, not counted as 0)
    detail: str


@dataclass(frozen=True)
class Alignment:
    value: int | None  # 0-100; None for an initiative without active stakeholders
    parts: tuple[Part, ...]


# They sum to 100. The plan's sign-off took 15 from agreed impact, responses and ratings (5 each): a signed plan
# quotes the impact each stakeholder wants and is the agreement that ratings and responses only hint at.
WEIGHTS = {"impact": 20, "measures": 20, "responses": 15, "ratings": 20, "follow_up": 10, "signoff": 15}


def alignment(
    standing: reporting.Standing,
    traffic: reporting.Traffic,
    shifts: reporting.ShiftCounts,
    signoff: SignoffCounts | None = None,
) -> Alignment:
    """The alignment index: a weighted average of the parts that have evidence, as a whole number 0-100."""
    n = standing.stakeholders
    if n == 0:
        return Alignment(None, ())
    open_people = min(shifts.open_stakeholders, n)
    average = standing.rating_sum / standing.rated if standing.rated else None
    parts = (
        Part(
            "impact",
            "Agreed impact",
            WEIGHTS["impact"],
            standing.with_impact / n,
            f"{standing.with_impact} of {n} stakeholders have said what impact they want",
        ),
        # A measure counts once its owner has agreed it (confirmed or corrected), not when L&D confirms it.
        Part(
            "measures",
            "Measures agreed",
            WEIGHTS["measures"],
            standing.with_agreed_measure / n,
            f"{standing.with_agreed_measure} of {n} stakeholders own a success measure they have agreed",
        ),
        Part(
            "responses",
            "Responses",
            WEIGHTS["responses"],
            traffic.window_answered / traffic.window_closed if traffic.window_closed else None,
            f"{traffic.window_answered} of {traffic.window_closed} touchpoints answered in the last 90 days"
            if traffic.window_closed
            else "no touchpoint has closed in the last 90 days",
        ),
        Part(
            "ratings",
            "Ratings",
            WEIGHTS["ratings"],
            (average - 1) / 4 if average is not None else None,
            f"latest on-track or alignment ratings average {average:.1f} of 5 ({standing.rated} stakeholders)"
            if average is not None
            else "no ratings yet",
        ),
        # A follow-up counts once it ends in a decision (an outcome recorded), not when someone takes it.
        Part(
            "follow_up",
            "Shifts with an outcome",
            WEIGHTS["follow_up"],
            1 - open_people / n,
            f"{open_people} of {n} have a priority shift (last 90 days) with no follow-up outcome recorded",
        ),
        _signoff_part(signoff),
    )
    scored = [(p.weight, p.score) for p in parts if p.score is not None]
    value = round(100 * sum(weight * score for weight, score in scored) / sum(weight for weight, _ in scored))
    return Alignment(value, parts)


def _signoff_part(signoff: SignoffCounts | None) -> Part:
    """Only those who must sign count (manage closely, keep satisfied); left out until a plan was sent."""
    if signoff is None or not signoff.must_sign:
        detail = "no plan sent for sign-off yet" if signoff is None else "nobody whose quadrant says they must sign"
        return Part("signoff", "Plan signed off", WEIGHTS["signoff"], None, detail)
    signed = min(signoff.signed, signoff.must_sign)
    return Part(
        "signoff",
        "Plan signed off",
        WEIGHTS["signoff"],
        signed / signoff.must_sign,
        f"{signed} of {signoff.must_sign} stakeholders who must sign say the plan matches theirs",
    )


def for_team(session: Session, team_id: str, now: datetime) -> dict[int, Alignment]:
    """Every initiative's index by id (those without active stakeholders are absent), in a fixed number of queries."""
    traffic = reporting.traffic(session, team_id, now, period=WINDOW, window=WINDOW, recent=WINDOW, ahead=timedelta(0))
    shift_counts = reporting.shift_counts(session, team_id, now, recent=WINDOW, open_window=WINDOW)
    signed = signoffs.counts(session, team_id, now)
    return {
        s.initiative_id: alignment(
            s,
            traffic.get(s.initiative_id, reporting.Traffic()),
            shift_counts.get(s.initiative_id, reporting.ShiftCounts()),
            signed.get(s.initiative_id),
        )
        for s in reporting.standings(session, team_id)
    }
