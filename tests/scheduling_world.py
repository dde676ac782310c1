"""A world for scheduling tests: initiatives opened through the services, the pass run at chosen instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import ColumnElement, func, select, update
from sqlmodel import col

from bot.app import patient_gateway
from bot.ids import MessageEvent
from bot.services import initiatives
from bot.services.initiatives import NewInitiative
from bot.simulator import FakeSlackApi
from bot.slack.profiles import Profile
from bot.usecases import touchpoint_dms
from bot.usecases.outbound import Outbound
from schedules.touchpoint_pass import PassReport, PassSettings, run_pass
from storage.db import Database
from storage.models import Schedule, Stakeholder, Touchpoint, TouchpointStatus
from storage.types import utcnow
from tests.conftest import LD_CHANNEL, LENA, TEAM, Waits, make_settings


def noon_zone(at: datetime) -> str:
    """A zone at a fixed offset (no holidays) where `at` is local noon, give or take the minutes."""
    offset = 12 - at.astimezone(UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # the tz database's signs are reversed


@dataclass
class World:
    db: Database
    slack: FakeSlackApi
    outbound: Outbound
    settings: PassSettings
    waits: Waits

    @classmethod
    def make(cls, slack: FakeSlackApi, db: Database, **pass_settings) -> World:
        settings, waits = make_settings(slack, db), Waits()
        outbound = Outbound(db, patient_gateway(settings, sleep=waits), utcnow, "UTC")
        return cls(db, slack, outbound, PassSettings(**pass_settings), waits)

    def open(
        self, at: datetime, people: dict[str, str], name: str = "Sales onboarding refresh", send: bool = True
    ) -> list[int]:
        """Open an initiative at `at` with these stakeholders (user id -> time zone), DMing the kickoffs if `send`."""
        for user_id, tz in people.items():
            if user_id not in self.slack.users:
                self.slack.add_user(user_id, f"Person {user_id}", tz=tz)
        with freeze_time(at):
            with self.db.session() as session:
                created = initiatives.create(
                    session,
                    TEAM,
                    LENA,
                    NewInitiative(name, "Grow revenue per rep", "", tuple(people), None),
                    {u: Profile(f"Person {u}", tz, False, False) for u, tz in people.items()},
                    LD_CHANNEL,
                    utcnow(),
                )
            if send:
                touchpoint_dms.send(self.outbound, created.touchpoint_ids)
        return list(created.touchpoint_ids)

    def open_now(self, people: list[str], name: str = "Sales onboarding refresh") -> list[int]:
        """Open an initiative on the real clock (for real processes) with its first DMs sent at once, to people
        somewhere it is working hours now."""
        opened = datetime.now(UTC) - timedelta(minutes=1)
        ids = self.open(opened, dict.fromkeys(people, "UTC"), name=name, send=False)
        self.make_due(ids, opened)
        touchpoint_dms.send(self.outbound, ids)
        return ids

    def make_due(self, touchpoint_ids: list[int], at: datetime, team_id: str = TEAM) -> None:
        """Seed, for passes run by real processes on the real clock: these touchpoints fall due at `at`, and their
        stakeholders are somewhere it is the middle of a working day then (a zone at a fixed offset, so no holidays,
        and a schedule open every day), whatever day and hour `at` is."""
        zone = noon_zone(at)
        with self.db.session() as session:
            rows = session.execute(
                update(Touchpoint)
                .where(col(Touchpoint.id).in_(touchpoint_ids))
                .values(due_at=at)
                .returning(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id))
            ).all()
            session.execute(
                update(Stakeholder).where(col(Stakeholder.id).in_({s for _, s in rows})).values(tz=zone, country=None)
            )
            for initiative_id in {i for i, _ in rows}:
                session.add(
                    Schedule(team_id=team_id, initiative_id=initiative_id, working_days="0,1,2,3,4,5,6", updated_at=at)
                )

    def run(self, at: datetime) -> PassReport:
        with freeze_time(at):
            return run_pass(self.outbound, self.settings)

    def next_event(self, after: datetime | None = None) -> datetime | None:
        """The earliest instant (after `after`) at which a pass has something to do."""

        def later(column: datetime | None) -> ColumnElement[bool]:
            return col(column) > after if after is not None else col(column).is_not(None)

        with self.db.reading() as session:
            candidates = [
                session.execute(
                    select(func.min(Touchpoint.due_at)).where(
                        col(Touchpoint.status) == TouchpointStatus.PENDING, later(Touchpoint.due_at)
                    )
                ).scalar(),
                session.execute(
                    select(func.min(Touchpoint.remind_at)).where(
                        col(Touchpoint.status) == TouchpointStatus.SENT,
                        col(Touchpoint.reminded_at).is_(None),
                        later(Touchpoint.remind_at),
                    )
                ).scalar(),
                session.execute(
                    select(func.min(Touchpoint.expires_at)).where(
                        col(Touchpoint.status) == TouchpointStatus.SENT, later(Touchpoint.expires_at)
                    )
                ).scalar(),
            ]
        found = [c for c in candidates if c is not None]
        return min(found) if found else None

    def run_until(self, start: datetime, end: datetime, *, check_early: bool = True) -> int:
        """Run the pass at `start` (planning what is new), then at every later instant something falls due until
        `end`, checking that a pass one second early sends nothing. Returns how many passes ran. (A touchpoint that
        stays pending after its time, such as one of an inactive initiative, is not waited on again; the business
        calendar's planning touchpoints, sent by the first pass in their window, are not touchpoints of the cadence.)"""
        self.run(start)
        passes, last = 1, start
        while (at := self.next_event(after=last)) is not None and at < end:
            if check_early:
                before = len(self._cadence_posts())
                self.run(at - timedelta(seconds=1))
                assert len(self._cadence_posts()) == before, f"something was sent before {at}"
            self.run(at)
            passes, last = passes + 1, at
        return passes

    def _cadence_posts(self) -> list:
        """What the touchpoints' own times decide (next_event's instants): not the DMs of the business calendar and
        of calibration, which go at the first pass after their time, whichever that is."""
        other = (MessageEvent.PLANNING_ASKED, MessageEvent.CALIBRATION_PACK_SENT, MessageEvent.CALIBRATION_OUTCOME_SENT)
        return [
            c
            for c in self.slack.calls_to("chat.postMessage")
            if not any(kind in str(c.args.get("metadata") or "") for kind in other)
        ]

    def touchpoints(self) -> list[Touchpoint]:
        with self.db.reading() as session:
            return list(session.execute(select(Touchpoint).order_by(col(Touchpoint.id))).scalars())

    def touchpoint_dms(self, user_id: str) -> list:
        """The touchpoint DMs (not reminders or notices) a person received, by their metadata."""
        channel = self.slack.dm_channel(user_id)
        return [m for m in self.slack.messages_in(channel) if (m.metadata or {}).get("event_type") == "touchpoint_sent"]
