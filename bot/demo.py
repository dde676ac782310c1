"""`touchpoint demo`: the whole loop against a local Slack simulator, printed as a conversation. The story's running
order and its first week are here (the initiative opened, the first answers and a revision, the Homes, the
stakeholder map, the measures agreed), and its own database; the months after are `bot.demo_acts`, and the stage they
are told on (the simulated workspace, clock and transcript) `bot.demo_stage`."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime

from bot.demo_acts import MonthsLater
from bot.demo_stage import PEOPLE
from bot.ids import Action, Block, MessageEvent
from bot.services import judgement
from bot.services.stakeholder_map import Quadrant
from bot.simulator.transcript import indent, render_home, render_view
from storage.models import ImpactJudgement


class Demo(MonthsLater):
    """Lena opens an initiative for Sam, Mei and Olu; they answer, revise, check in and review over simulated months;
    the L&D channel hears of a priority shift and gets its digests; the quarter ends with a workbook."""

    def story(self) -> None:
        self.say(
            f"Touchpoint demo: a simulated Slack workspace ({self.slack.team_id}), database {self.database_url}, "
            f"starting {self.start:%a %d %b %Y %H:%M} UTC"
        )
        self.say("People: " + "; ".join(f"{n} ({r}, {tz})" for n, tz, r in PEOPLE.values()))

        self.step("Lena (L&D) types", "/touchpoint new")
        view = self.modal_from("U0LENA", lambda: self.ws.slash("U0LENA", "new"))
        self.show_new()
        self.step("Lena fills in the modal and submits it", "Sales onboarding refresh · stakeholders Sam, Mei, Olu")
        self.ws.submit(
            "U0LENA",
            view,
            {
                Block.NAME: "Sales onboarding refresh",
                Block.GOAL: "New account executives reach full quota in 4 months instead of 6",
                Block.DESCRIPTION: "A six-week blended programme for every new AE, with coaching from their manager.",
                Block.STAKEHOLDERS: ["U0SAM", "U0MEI", "U0OLU"],
            },
        )
        self.settle()
        self.show_new()
        self.first_asks()

        self.answer(
            "U0SAM",
            "Sam",
            "New AEs closing their first deal inside 30 days, and fewer of them leaving in year one.",
            "Time to first closed deal and quota attainment by tenure, both in Salesforce; regretted attrition from HR.",
        )
        self.answer(
            "U0MEI",
            "Mei",
            "Fewer escalations caused by over-promising during the sale.",
            "Escalations tagged 'sales promise' in Zendesk, and CSAT for accounts in their first 90 days.",
        )
        self.answer(
            "U0SAM",
            "Sam, revising his answers",
            "New AEs closing their first deal inside 30 days, fewer leaving in year one, and cleaner handovers to CS.",
            "Time to first closed deal and quota attainment by tenure, both in Salesforce; regretted attrition from HR.",
            judged=ImpactJudgement.REWORDED,
        )

        self.step("Lena types", "/touchpoint list")
        reply = self.ws.slash("U0LENA", "list").json()
        self.out("  Only Lena sees:")
        self.show_reply(reply)
        self.step("Olu (not in the L&D team) types", "/touchpoint new")
        reply = self.ws.slash("U0OLU", "new").json()
        self.out("  Only Olu sees:")
        self.show_reply(reply)
        self.say("Olu has not answered yet; Mei and Sam have. Everything they said is stored with its history.")
        self.home("U0SAM", "Sam opens Touchpoint's Home tab")
        self.home("U0LENA", "Lena opens Touchpoint's Home tab")
        self.edit()
        self.stakeholder_map()
        self.pass_at(self.next_reminder())  # Olu's first DM: one reminder, three working days on
        self.measure("Time to first closed deal", "Sam", "Salesforce", "days", "48", "30")
        self.measure("Escalations tagged 'sales promise'", "Mei", "Zendesk", "per month", "22", "8")
        self.plan()
        self.months_later()
        self.business_calendar()
        self.calibration()
        self.workbook()

    def first_asks(self) -> None:
        """Run the pass when each first DM that waits for its stakeholder's working hours falls due."""
        while (when := self.next_due(kinds=("kickoff",))) is not None:
            self.pass_at(when)

    def answer(self, user_id: str, who: str, impact: str, tracking: str, judged: str | None = None) -> None:
        dm = self.slack.messages_in(self.slack.dm_channel(user_id))[0]
        button = next(e for b in dm.blocks if b["type"] == "actions" for e in b["elements"])
        self.step(f"{who} clicks", f"[ {button['text']['text']} ] in the DM")
        view = self.modal_from(user_id, lambda: self.ws.click(user_id, dm.channel, dm.ts, Action.OPEN_ANSWER))
        self.show_new()
        self.step(f"{who} answers", "")
        said = [f"Has what you want changed? {judgement.OPTIONS[judged]}"] if judged else []
        self.out(indent([f"Impact: {impact}", f"Tracking: {tracking}", *said]))
        values: dict[str, str] = {Block.IMPACT: impact, Block.TRACKING: tracking}
        if judged:
            values[Block.IMPACT_JUDGEMENT] = judged
        self.ws.submit(user_id, view, values)
        self.settle()
        self.show_new()

    def edit(self) -> None:
        """An initiative changes after it opened: Lena edits its description (the Home's Edit opens the same modal)."""
        self.step("Lena types", "/touchpoint edit Sales onboarding refresh")
        view = self.modal_from("U0LENA", lambda: self.ws.slash("U0LENA", "edit Sales onboarding refresh"))
        self.show_new()
        description = "A six-week blended programme for every new AE, now with a handover-to-CS module."
        self.step("Lena changes the description and saves", description)
        self.ws.submit("U0LENA", view, {Block.DESCRIPTION: description})
        self.settle()
        self.show_new()

    def home(self, user_id: str, what: str) -> None:
        """The person opens the app's Home tab: Touchpoint publishes it after the ack; shown as they see it."""
        self.step(what, "")
        before = len(self.slack.published)
        self.ws.open_home(user_id, event_id=f"EvDEMOHOME{len(self.slack.published)}{user_id}")
        self.slack.wait_for(lambda: any(u == user_id for u, _ in self.slack.published[before:]), timeout=30)
        self.settle()
        self.out(indent(render_home(self.slack.home_of(user_id) or {}, self.names, user_id)))

    def stakeholder_map(self) -> None:
        """Lena places Olu on the stakeholder map: keep informed, so a monthly status DM instead of questions."""
        self.step("Lena clicks", "[ Stakeholder map ] beside Sales onboarding refresh on her Home tab")
        view = self.modal_from("U0LENA", lambda: self.ws.click_home("U0LENA", Action.HOME_MAP))
        self.show_new()
        olu = next(
            b["block_id"]
            for b in view["blocks"]
            if str(b.get("block_id", "")).startswith(Block.MAP_QUADRANT_PREFIX) and b["label"]["text"].startswith("Olu")
        )
        self.step("Lena puts Olu in", "Keep informed (low influence, high interest) and saves")
        reply = self.ws.submit("U0LENA", view, {olu: Quadrant.KEEP_INFORMED}).json()
        self.settle()
        self.out("  The modal now says:")
        self.out(indent(render_view(reply["view"], self.names)))
        self.show_new()
        self.say("Olu now gets a short monthly DM of where the initiative stands, with nothing to answer.")

    def measure(self, name: str, owner: str, source: str, unit: str, baseline: str, target: str) -> None:
        """Lena confirms one of the things a stakeholder tracks as a success measure."""
        self.step("Lena types", "/touchpoint measures Sales onboarding refresh")
        view = self.modal_from("U0LENA", lambda: self.ws.slash("U0LENA", "measures Sales onboarding refresh"))
        self.show_new()
        owners = next(b for b in view["blocks"] if b.get("block_id") == Block.MEASURE_OWNER)["element"]["options"]
        today = self.clock.now.date()
        self.step(
            "Lena confirms", f"{name} ({owner}, {source}): baseline {baseline} {unit}, target {target} {unit} in a year"
        )
        self.ws.submit(
            "U0LENA",
            view,
            {
                Block.MEASURE_NAME: name,
                Block.MEASURE_OWNER: next(o["value"] for o in owners if o["text"]["text"] == owner),
                Block.MEASURE_SOURCE: source,
                Block.MEASURE_UNIT: unit,
                Block.MEASURE_DIRECTION: "lower",
                Block.BASELINE: baseline,
                Block.BASELINE_ON: today.isoformat(),
                Block.TARGET: target,
                Block.TARGET_ON: today.replace(year=today.year + 1).isoformat(),
            },
        )
        self._seen = len(self.slack.calls)
        self.settle()  # after the ack, its owner is asked whether it is what they track
        self.show_new()
        user_id = next(u for u, (full_name, _, _) in PEOPLE.items() if full_name.startswith(owner))
        dm = [
            m
            for m in self.slack.messages_in(self.slack.dm_channel(user_id))
            if (m.metadata or {}).get("event_type") == MessageEvent.MEASURE_PROPOSED
        ][-1]
        self.step(f"{owner} clicks", "[ Yes, that's right ]")
        self.ws.click(user_id, dm.channel, dm.ts, Action.MEASURE_AGREE)
        self.settle()
        self.show_new()


DEMO_DATABASE = "touchpoint-demo.db"


def run_demo(database_url: str | None = None, start: datetime | None = None) -> int:
    """The demo on a database of its own: its passes move a simulated clock over every team the database holds, so
    it never runs on DATABASE_URL. Without --database-url, a fresh SQLite file in the working directory each run."""
    logging.getLogger().setLevel(logging.WARNING)
    # On a busy machine a request of the demo's may wait a moment for one of the server's threads, which waitress
    # reports as a warning; the people watching a demo have nothing to do about it.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if database_url is None:
        for leftover in (DEMO_DATABASE, DEMO_DATABASE + "-wal", DEMO_DATABASE + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        database_url = f"sqlite:///{DEMO_DATABASE}"
    Demo(database_url, lambda line: print(line, flush=True), start).run()
    print(
        f"\nDone. The demo's database is {database_url}; `touchpoint demo` again starts a fresh one.", file=sys.stderr
    )
    return 0
