"""What each App Home shows, as plain frozen data: a stakeholder's own initiatives, or the L&D team's live picture.

The L&D member's Home is the digest's picture as of now (bot.services.digest builds it: attention items and every
active initiative's alignment index, lowest first), plus what only the Home shows: open shifts and the next
touchpoints. Both Homes are read in a fixed number of queries (storage.repositories.home, and the digest's own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.errors import UserError
from bot.services import answers, calibration, digest, signoff_dms
from bot.services import measures as measure_service
from bot.services.answers import AnswerContext
from bot.services.business_calendar import PlanningAnswerRow
from bot.services.calibration import CalibrationStanding
from bot.services.digest_attention import Attention
from storage.models import Question, TouchpointStatus
from storage.repositories import home as home_rows
from storage.repositories import team_settings as team_rows


@dataclass(frozen=True)
class Statement:
    text: str
    answered_at: datetime


@dataclass(frozen=True)
class HomeMeasure:
    name: str
    unit: str
    direction: str
    baseline: float | None
    latest: float | None
    latest_on: date | None
    target: float | None
    target_on: date | None


@dataclass(frozen=True)
class OpenTouchpoint:
    touchpoint_id: int
    kind: str
    closes_at: datetime | None


@dataclass(frozen=True)
class StakeholderInitiative:
    initiative_id: int
    name: str
    business_goal: str
    summary_channel_id: str
    impact: Statement | None
    tracking: Statement | None
    measures: tuple[HomeMeasure, ...]
    open_touchpoint: OpenTouchpoint | None
    next_due_at: datetime | None  # the next touchpoint still to go out
    next_kind: str | None
    revisable: bool = False  # their kickoff is answered: "Revise" reopens its questions, pre-filled


@dataclass(frozen=True)
class StakeholderHome:
    user_id: str
    tz: str  # theirs, or the team's when Slack gave none
    paused_until: date | None
    initiatives: tuple[StakeholderInitiative, ...]  # empty: they are no stakeholder of anything (the welcome)
    plans_waiting: tuple[tuple[str, int, bool], ...] = ()  # (initiative, version, must sign) waiting for their sign-off


@dataclass(frozen=True)
class LdInitiative:
    summary: digest.InitiativeDigest  # name, alignment index, trend, responses, shifts...
    open_shifts: int  # shifts nobody has taken the follow-up of
    next_due_at: datetime | None
    waiting: int  # touchpoints planned and not yet sent
    measures: tuple[measure_service.MeasureRow, ...] = ()  # its success measures, agreed or waiting for their owners
    calibration: CalibrationStanding | None = None  # its next calibration date and its last session


@dataclass(frozen=True)
class LdHome:
    user_id: str
    attention: tuple[Attention, ...]
    more_attention: int
    initiatives: tuple[LdInitiative, ...]  # this page's, lowest alignment index first
    page: int
    pages: int
    total: int
    planning: tuple[PlanningAnswerRow, ...] = ()  # the business calendar's answers given this week
    needs_channel: bool = False  # installed, and no L&D channel chosen yet: the Home says where to choose it


def stakeholder_home(session: Session, team_id: str, user_id: str, default_tz: str) -> StakeholderHome:
    person = home_rows.stakeholder(session, team_id, user_id)
    if person is None:
        return StakeholderHome(user_id, default_tz, None, ())
    initiatives = home_rows.initiatives_of(session, person.stakeholder_id)
    if not initiatives:
        return StakeholderHome(user_id, person.tz or default_tz, person.paused_until, ())
    said = {
        (s.initiative_id, s.question): s
        for s in home_rows.statements(session, person.stakeholder_id, home_rows.STATEMENT_QUESTIONS)
    }
    latest = home_rows.latest_values(session, person.stakeholder_id)
    measures: dict[int, list[HomeMeasure]] = {}
    for m in home_rows.measures_owned(session, person.stakeholder_id):
        value, on = latest.get(m.measure_id, (None, None))
        measures.setdefault(m.initiative_id, []).append(
            HomeMeasure(m.name, m.unit, m.direction, m.baseline, value, on, m.target, m.target_on)
        )
    open_by: dict[int, OpenTouchpoint] = {}
    next_by: dict[int, home_rows.TouchpointRow] = {}
    revisable: set[int] = set()
    for t in home_rows.touchpoints_ahead(session, person.stakeholder_id):  # soonest first: the first of each kind wins
        if t.status == TouchpointStatus.ANSWERED:
            revisable.add(t.initiative_id)
        elif t.status == TouchpointStatus.SENT:
            open_by.setdefault(t.initiative_id, OpenTouchpoint(t.touchpoint_id, t.kind, t.expires_at))
        else:
            next_by.setdefault(t.initiative_id, t)

    def statement(initiative_id: int, question: str) -> Statement | None:
        found = said.get((initiative_id, question))
        return Statement(found.text, found.answered_at) if found else None

    return StakeholderHome(
        user_id,
        person.tz or default_tz,
        person.paused_until,
        plans_waiting=signoff_dms.waiting_for(session, team_id, user_id),
        initiatives=tuple(
            StakeholderInitiative(
                initiative_id=i.initiative_id,
                name=i.name,
                business_goal=i.business_goal,
                summary_channel_id=i.summary_channel_id,
                impact=statement(i.initiative_id, Question.IMPACT),
                tracking=statement(i.initiative_id, Question.TRACKING),
                measures=tuple(measures.get(i.initiative_id, ())),
                open_touchpoint=open_by.get(i.initiative_id),
                next_due_at=next_by[i.initiative_id].due_at if i.initiative_id in next_by else None,
                next_kind=next_by[i.initiative_id].kind if i.initiative_id in next_by else None,
                revisable=i.initiative_id in revisable,
            )
            for i in initiatives
        ),
    )


def ld_home(
    session: Session, team_id: str, user_id: str, now: datetime, tz: str, *, page: int, per_page: int
) -> LdHome:
    """The L&D member's Home as of `now`: the digest's attention items and one page of initiatives."""
    week = digest.current_week(now, digest.digest_time(session, team_id), tz)
    picture = digest.build(session, team_id, now, week)
    total = len(picture.initiatives)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    shown = picture.initiatives[(page - 1) * per_page : page * per_page]
    ids = [i.initiative_id for i in shown]
    shifts = home_rows.open_shifts(session, team_id, ids) if ids else {}
    ahead = home_rows.next_touchpoints(session, team_id, ids) if ids else {}
    agreed = measure_service.rows_of(session, ids) if ids else {}
    calibrated = calibration.standings(session, ids, now, tz)
    return LdHome(
        user_id=user_id,
        attention=picture.attention,
        more_attention=picture.more_attention,
        initiatives=tuple(
            LdInitiative(
                summary=i,
                open_shifts=shifts.get(i.initiative_id, 0),
                next_due_at=ahead[i.initiative_id][0] if i.initiative_id in ahead else None,
                waiting=ahead[i.initiative_id][1] if i.initiative_id in ahead else 0,
                measures=tuple(agreed.get(i.initiative_id, ())),
                calibration=calibrated.get(i.initiative_id),
            )
            for i in shown
        ),
        page=page,
        pages=pages,
        needs_channel=team_rows.ld_channels(session, [team_id]).get(team_id) == "",
        total=total,
        planning=picture.planning,
    )


def active_initiative_name(session: Session, team_id: str, initiative_id: int | None) -> str:
    """The name of the active initiative a Home button was made for (it carries the id); UserError if it is gone."""
    name = home_rows.initiative_name(session, team_id, initiative_id) if initiative_id is not None else None
    if name is None:
        raise UserError("That initiative is no longer active.")
    return name


def revision(session: Session, team_id: str, user_id: str, initiative_id: int | None) -> AnswerContext:
    """What the answer modal needs to revise this person's impact statement and what they track: their answered
    kickoff, whose questions stay open, pre-filled with their current words."""
    touchpoint_id = (
        home_rows.answered_kickoff(session, team_id, user_id, initiative_id) if initiative_id is not None else None
    )
    if touchpoint_id is None:
        raise UserError("There is nothing of yours to revise on that initiative yet.")
    return answers.for_answering(session, team_id, touchpoint_id, user_id)


def teams_with_active_initiatives(session: Session) -> list[str]:
    return home_rows.teams_with_active_initiatives(session)
