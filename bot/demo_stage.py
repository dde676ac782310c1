"""The demo's stage: a simulated Slack workspace with the app serving it, a simulated clock the scheduling pass runs
on at chosen instants, and the transcript of what Touchpoint did there. The story told on it is `bot.demo`'s."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app import create_app
from bot.ids import MessageEvent
from bot.server import ServerThread
from bot.services import planning, touchpoints
from bot.settings import load_settings
from bot.simulator import FakeSlackApi, Workspace
from bot.simulator.transcript import indent, plain, render_blocks, render_view
from bot.simulator.webapi import TOKEN
from storage.models import MapMessageKind, PostStatus, TouchpointKind
from storage.repositories import map_messages
from storage.types import utcnow

SECRET = "demo-signing-secret"
LD_CHANNEL = "C0LEARNING"
PEOPLE = {
    "U0LENA": ("Lena Park", "Europe/London", "L&D lead"),
    "U0SAM": ("Sam Okafor", "America/New_York", "Sales Director"),
    "U0MEI": ("Mei Tanaka", "Asia/Tokyo", "Head of Customer Service"),
    "U0OLU": ("Olu Adeyemi", "Europe/London", "Operations Manager"),
}


class SimulatedClock:
    """The demo's "now": real at first, then moved forward to show months of touchpoints in seconds."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Stage:
    """Runs `story` (a subclass's) with the app up, and prints as it goes."""

    def __init__(self, database_url: str, out: Callable[[str], None], start: datetime | None = None) -> None:
        self.out = out
        self.start = start or utcnow()
        self.slack = FakeSlackApi(team_id="T" + uuid.uuid4().hex[:10].upper())  # a fresh workspace each run
        for user_id, (name, tz, _) in PEOPLE.items():
            self.slack.add_user(user_id, name, tz=tz)
        self.slack.add_channel(LD_CHANNEL)
        self.names = {u: p[0] for u, p in PEOPLE.items()} | {LD_CHANNEL: "learning-and-development"}
        self.database_url = database_url
        self._seen = 0

    def run(self) -> None:
        from bot.cli import open_database

        self.slack.start()
        settings = load_settings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=self.slack.url,
            database_url=self.database_url,
            ld_channel_id=LD_CHANNEL,
            ld_admin_user_ids="U0LENA",
        )
        self.clock = SimulatedClock(self.start)
        touchpoint = create_app(settings, db=open_database(settings.database_url), clock=self.clock)
        self.deps = touchpoint.deps
        server = ServerThread(touchpoint).start()
        self.ws = Workspace(self.slack, server.url + "/slack/events", SECRET)
        self.settle = lambda: touchpoint.deps.interactive.wait_idle(30) and touchpoint.deps.background.wait_idle(30)
        try:
            self.story()
        finally:
            server.stop()
            touchpoint.close()
            self.slack.stop()

    def story(self) -> None:
        raise NotImplementedError

    # The clock and the scheduling pass

    def pass_at(self, when: datetime) -> None:
        from schedules.touchpoint_pass import PassSettings, run_pass

        self.clock.now = when
        report = run_pass(self.deps.outbound, PassSettings(default_tz="UTC", ld_channel_id=LD_CHANNEL))
        self.say(
            f"⏰ The scheduling pass runs at {when:%a %d %b %Y %H:%M} UTC: planned {report.planned}, "
            f"sent {report.sent}, reminded {report.reminded}, shift summaries {report.summaries}, "
            f"digests {report.digests}, status updates and alerts {report.map_messages}, "
            f"planning touchpoints {report.planning}"
        )
        self.show_new()

    def next_due(self, kinds: tuple[str, ...]) -> datetime | None:
        with self.deps.db.reading() as session:
            rows = [r for r in planning.upcoming(session, self.slack.team_id, "UTC", limit=50) if r.kind in kinds]
        return min((r.due_at for r in rows), default=None)

    def passes_for_next_round(self) -> str:
        """Run the pass at each instant the next round of check-ins or reviews falls due (each stakeholder's 10:00,
        moved off their weekends and holidays), and at the keep-informed stakeholders' status updates due by then;
        returns the round's kind, a check-in or a review, as planned for this calendar. (A month's status update
        may come without that month's check-ins: none is planned this soon after the kickoff.)"""
        rounds = (TouchpointKind.CHECKIN, TouchpointKind.REVIEW)
        with self.deps.db.reading() as session:
            rows = [r for r in planning.upcoming(session, self.slack.team_id, "UTC", limit=50) if r.kind in rounds]
            statuses = map_messages.messages_of(session, self.slack.team_id, MapMessageKind.STATUS)
        if not rows:
            raise RuntimeError("nothing is planned: the demo's schedule sends no check-in or review")
        first = min(rows, key=lambda r: r.due_at)
        round_at = {r.due_at for r in rows if r.period == first.period}
        updates = {m.due_at for m in statuses if m.status == PostStatus.PENDING and m.due_at <= max(round_at)}
        for when in sorted(round_at | updates):
            self.pass_at(when)
        return first.kind

    def next_reminder(self) -> datetime:
        with self.deps.db.reading() as session:
            due = touchpoints.next_reminder(session, self.slack.team_id)
        if due is None:
            raise RuntimeError("the demo expected a reminder to be due, and none is")
        return due

    def next_digest(self) -> datetime:
        """The next Monday 09:00 UTC: the weekly digest's default time."""
        now = self.clock.now
        monday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(hour=9, minute=0, second=0, microsecond=0)
        return monday

    # What happened, as people see it

    def modal_from(self, user_id: str, act: Callable[[], object]) -> dict:
        """The modal `act` (a command or a click of the person's) opens for them, once Slack has it."""
        before = len(self.slack.views_for(user_id))
        act()
        return self.slack.wait_for(lambda: self.slack.views_for(user_id)[before:])[0]

    def latest_touchpoint_dm(self, user_id: str):
        return [
            m
            for m in self.slack.messages_in(self.slack.dm_channel(user_id))
            if (m.metadata or {}).get("event_type") == MessageEvent.TOUCHPOINT_SENT
        ][-1]

    def show_new(self) -> None:
        """Print what the app did in Slack since last time."""
        for call in self.slack.calls[self._seen :]:
            args = call.args
            if call.method == "views.open":
                self.out("  Touchpoint opens a modal:")
                self.out(indent(render_view(args["view"], self.names)))
            elif call.method in ("chat.postMessage", "chat.update"):
                where = self._where(args["channel"])
                verb = "posts in" if call.method == "chat.postMessage" else "updates its message in"
                self.out(f"  Touchpoint {verb} {where}:")
                self.out(indent(render_blocks(args.get("blocks") or [], self.names)))
        self._seen = len(self.slack.calls)

    def _where(self, channel: str) -> str:
        for user_id, (name, _, _) in PEOPLE.items():
            if channel in (user_id, self.slack.dm_channel(user_id)):
                return f"a DM to {name}"
        return "#" + self.names.get(channel, channel)

    def show_reply(self, reply: dict) -> None:
        """An ephemeral reply as the person sees it: its blocks, or its text when it has none (a refusal)."""
        blocks = reply.get("blocks") or []
        self.out(indent(render_blocks(blocks, self.names) if blocks else [plain(reply.get("text", ""), self.names)]))

    def step(self, who: str, what: str) -> None:
        self.out(f"\n▶ {who}: {what}" if what else f"\n▶ {who}:")

    def say(self, text: str) -> None:
        self.out(f"\n{text}")
