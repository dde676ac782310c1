"""When things happen: an initiative's touchpoint schedule, a stakeholder's pause, the weekly digest's time."""

from __future__ import annotations

from datetime import date

from bot.runtime import Deps
from bot.services import cadence, digest, pauses, planning
from bot.services.cadence import ScheduleForm, ScheduleSettings
from bot.services.digest import DigestTime
from bot.services.initiatives import InitiativeInfo
from bot.services.planning import UpcomingRow


def find(deps: Deps, team_id: str, initiative_name: str) -> tuple[InitiativeInfo, ScheduleSettings]:
    with deps.db.reading() as session:
        return cadence.find(session, team_id, initiative_name, deps.clock())


def save(deps: Deps, team_id: str, initiative_id: int, form: ScheduleForm) -> str:
    """Store the schedule and re-plan the coming touchpoints; returns the initiative's name."""
    with deps.db.session() as session:
        return cadence.save(session, team_id, initiative_id, form, deps.clock())


def upcoming(deps: Deps, team_id: str) -> list[UpcomingRow]:
    with deps.db.reading() as session:
        return planning.upcoming(session, team_id, deps.settings.touchpoint_tz)


def pause(deps: Deps, team_id: str, user_id: str, until: date) -> int:
    """Pause a stakeholder's touchpoints until a day; returns how many were moved."""
    with deps.db.session() as session:
        return pauses.pause(session, team_id, user_id, until, deps.clock(), deps.settings.touchpoint_tz)


def digest_time(deps: Deps, team_id: str) -> DigestTime:
    with deps.db.reading() as session:
        return digest.digest_time(session, team_id)


def current_digest_week(deps: Deps, team_id: str) -> str:
    """The week whose digest a preview shows now."""
    return digest.current_week(deps.clock(), digest_time(deps, team_id), deps.settings.touchpoint_tz)


def save_digest_time(
    deps: Deps, team_id: str, user_id: str, weekday: str, send_time: str, channel_id: str
) -> DigestTime:
    with deps.db.session() as session:
        return digest.save_time(session, team_id, user_id, weekday, send_time, channel_id, deps.clock())
