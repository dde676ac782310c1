"""The demo story's later acts, the months after its first week: the plan written and signed off, the check-ins
and a quarterly review on simulated time, a priority shift followed up, the business calendar asked and answered, a
calibration session recorded and its outcome sent, and the quarter's workbook. Their running order is `bot.demo`'s;
the stage they are told on, `bot.demo_stage`."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.plans import ASK, field_block
from bot.demo_stage import LD_CHANNEL, Stage
from bot.ids import Action, Block, MessageEvent
from bot.services import calibration, signoff_dms
from bot.services.initiatives import name_key
from bot.simulator.transcript import indent, render_view
from storage.models import ImpactJudgement, Outcome, saved_id
from storage.repositories import business_calendar as calendar_rows
from storage.repositories import initiatives as initiative_rows
from storage.repositories import schedules as schedule_rows

INITIATIVE = "Sales onboarding refresh"


class MonthsLater(Stage):
    """The acts of the months after the first week, for the story (`bot.demo.Demo`) to tell in its order."""

    followed_up = False  # Lena takes the follow-up of the first priority shift, once

    # What stakeholders say in the check-ins the demo shows, in order: Sam's priorities move in the first one.
    CHECKINS = (
        (
            (
                "Somewhat",
                "Ramp time, but also keeping new AEs past their first year: we lost four last quarter.",
                "3",
                "41",
            ),
            ("No", "Still the escalations from over-promising.", "4", "17"),
        ),
        (
            ("No", "Keeping new AEs past their first year.", "4", "36"),
            ("No", "Fewer escalations from over-promising.", "4", "12"),
        ),
    )

    def months_later(self) -> None:
        """Simulated time: the clock process's pass at the instants the check-ins and reviews fall due, as many
        rounds as it takes to show two check-ins and a quarterly review (whichever comes first on this start day)."""
        self.pass_at(self.clock.now + timedelta(minutes=1))  # plans each stakeholder's first check-in or review
        self.step("Lena types", "/touchpoint upcoming")
        reply = self.ws.slash("U0LENA", "upcoming").json()
        self.show_reply(reply)

        checkins = reviews = 0
        while checkins < len(self.CHECKINS) or not reviews:
            kind = self.passes_for_next_round()
            if kind == "review":
                reviews += 1
                self.review() if reviews == 1 else self.say("Nobody answers this review: the demo has shown one.")
            elif checkins < len(self.CHECKINS):
                (sam, mei) = self.CHECKINS[checkins]
                checkins += 1
                self.checkin("U0SAM", "Sam", *sam[:3], {"Time to first closed deal": sam[3]})
                self.checkin("U0MEI", "Mei", *mei[:3], {"Escalations tagged 'sales promise'": mei[3]})
                if checkins == 1:
                    self.say("Sam's priorities moved. The next pass tells the L&D channel, once for the day:")
            self.pass_at(self.clock.now + timedelta(minutes=1))
            if checkins == 1 and not self.followed_up:
                self.follow_up("U0LENA", "Lena")
            self.pass_at(self.next_digest())  # the weekly digest
        self.say("The digest's alignment index moves with what stakeholders say. Lena asks what it is made of:")
        self.step("Lena types", "/touchpoint alignment Sales onboarding refresh")
        reply = self.ws.slash("U0LENA", "alignment Sales onboarding refresh").json()
        self.show_reply(reply)

    def plan(self) -> None:
        """Lena writes the plan (pre-filled from what Sam and Mei said and the measures) and asks for sign-off: Sam
        and Mei (high influence) must sign, Olu (keep informed) gets it for information. Sam signs; Mei says
        something's off."""
        self.step("Lena clicks", "[ Plan ] beside Sales onboarding refresh on her Home tab")
        self.ws.open_home("U0LENA", event_id=f"EvDEMOPLAN{len(self.slack.published)}")
        self.settle()
        view = self.modal_from("U0LENA", lambda: self.ws.click_home("U0LENA", Action.HOME_PLAN))
        self.show_new()
        audience = "Every new account executive in their first six months, and their managers."
        deliver = "The six-week programme, manager coaching guides, and a monthly read-out of the measures."
        self.step("Lena adds the audience and what L&D can deliver, ticks", "[ Ask the stakeholders to sign it off ]")
        reply = self.ws.submit(
            "U0LENA",
            view,
            {field_block("audience"): audience, field_block("deliver"): deliver, Block.PLAN_ASK: [ASK]},
        ).json()
        self.settle()
        self.out("  The modal now says:")
        self.out(indent(render_view(reply["view"], self.names)))
        self.show_new()
        with self.deps.db.reading() as session:
            due = signoff_dms.pending_due_times(session, self.slack.team_id)
        for when in sorted(set(due)):  # at a sensible hour of each stakeholder's day
            self.pass_at(when)

        def dm_to(user_id: str):
            return [
                m
                for m in self.slack.messages_in(self.slack.dm_channel(user_id))
                if (m.metadata or {}).get("event_type") == MessageEvent.PLAN_SIGNOFF and not m.thread_ts
            ][-1]

        sam = dm_to("U0SAM")
        self.step("Sam clicks", "[ This matches our plan ]")
        self.ws.click("U0SAM", sam.channel, sam.ts, Action.PLAN_MATCHES)
        self.settle()
        self.show_new()
        mei = dm_to("U0MEI")
        self.step("Mei clicks", "[ Something's off ]")
        view = self.modal_from("U0MEI", lambda: self.ws.click("U0MEI", mei.channel, mei.ts, Action.PLAN_OFF))
        self.show_new()
        comment = "Handovers to CS need their own objective: escalations start there."
        self.step("Mei says what is off", comment)
        self.ws.submit("U0MEI", view, {Block.PLAN_COMMENT: comment})
        self.settle()
        self.show_new()

    def checkin(
        self, user_id: str, who: str, shifted: str, matters: str, on_track: str, readings: dict[str, str] | None = None
    ) -> None:
        dm = self.latest_touchpoint_dm(user_id)
        self.step(f"{who} clicks", "[ Answer ] in the monthly check-in")
        view = self.modal_from(user_id, lambda: self.ws.click(user_id, dm.channel, dm.ts, Action.OPEN_ANSWER))
        self._seen = len(self.slack.calls)  # the check-in modal looks like the DM; skip printing it
        self.step(f"{who} answers", f"priorities shifted: {shifted} · on track: {on_track}/5")
        self.out(
            indent(
                [f"What matters most now: {matters}", *(f"{name}: {value}" for name, value in (readings or {}).items())]
            )
        )
        values: dict[str, Any] = {
            Block.PRIORITIES_SHIFTED: shifted,
            Block.MATTERS_MOST: matters,
            Block.ON_TRACK: on_track,
        }
        for block in view["blocks"]:  # the measures they report, found by name in the form
            name = next((n for n in readings or {} if block.get("label", {}).get("text", "").startswith(n)), None)
            if name and readings and block["element"]["type"] == "number_input":
                values[block["block_id"]] = readings[name]
        self.ws.submit(user_id, view, values)
        self.settle()
        self.show_new()

    def review(self) -> None:
        dm = self.latest_touchpoint_dm("U0SAM")
        self.step("Sam clicks", "[ Answer ] in the quarterly review")
        view = self.modal_from("U0SAM", lambda: self.ws.click("U0SAM", dm.channel, dm.ts, Action.OPEN_ANSWER))
        self.show_new()
        self.step(
            "Sam rewords what he wants (and says only the wording changed), confirms what he tracks, rates alignment 4/5",
            "",
        )
        self.ws.submit(
            "U0SAM",
            view,
            {
                Block.IMPACT: "New AEs close a first deal within 30 days, stay past year one, and hand over cleanly to CS.",
                Block.IMPACT_JUDGEMENT: ImpactJudgement.REWORDED,
                Block.ALIGNMENT: "4",
                Block.ADJUST: "More practice on discovery calls; less product training.",
            },
        )
        self.settle()
        self.show_new()

    def follow_up(self, user_id: str, who: str) -> None:
        self.followed_up = True
        summary = [
            m
            for m in self.slack.messages_in(LD_CHANNEL)
            if (m.metadata or {}).get("event_type") == "shift_summary_posted"
        ][-1]
        self.step(f"{who} clicks", "[ Follow up ] on the priority-shift summary")
        self.ws.click(user_id, LD_CHANNEL, summary.ts, Action.FOLLOW_UP)
        self.settle()
        self.show_new()
        self.step(f"{who} talks it through with Sam, then clicks", "[ Record outcome ] on the same summary")
        view = self.modal_from(user_id, lambda: self.ws.click(user_id, LD_CHANNEL, summary.ts, Action.RECORD_OUTCOME))
        self.show_new()
        note = "Adding a module on keeping new AEs through their first year."
        self.step(f"{who} picks “plan adjusted”, notes", note)
        self.ws.submit(user_id, view, {Block.OUTCOME: Outcome.PLAN_ADJUSTED, Block.OUTCOME_NOTE: note})
        self.settle()
        self.show_new()

    def business_calendar(self) -> None:
        """Lena sets the initiative's financial year to start within the planning weeks; the pass asks the
        high-influence stakeholders what matters next year and their busiest weeks; Sam's become quiet weeks, and a
        warning in the schedule modal."""
        today = self.clock.now.date()
        next_month = _first_of_next_month(today)
        after_next = _first_of_next_month(next_month)
        year_start = after_next if after_next - today <= timedelta(weeks=8) else next_month  # 25 days away or more
        self.say(
            f"The business calendar: eight weeks before a financial year, Touchpoint asks each high-influence "
            f"stakeholder about next year. Lena's company starts its year on 1 {year_start:%B}."
        )
        self.step("Lena types", "/touchpoint schedule Sales onboarding refresh")
        view = self.modal_from("U0LENA", lambda: self.ws.slash("U0LENA", "schedule Sales onboarding refresh"))
        self._seen = len(self.slack.calls)
        self.step("Lena sets", f"Financial year starts in {year_start:%B} and saves")
        self.ws.submit("U0LENA", view, {Block.FISCAL_START: str(year_start.month)})
        self.settle()
        self.show_new()
        self.pass_at(self.clock.now + timedelta(minutes=1))  # queues them, due in each person's working hours
        with self.deps.db.reading() as session:
            due = [a.due_at for a in calendar_rows.asks_of_team(session, self.slack.team_id) if a.posted_at is None]
        for when in sorted(set(due)):  # each at the first working hour where its person is (Sam's is the one shown)
            self.pass_at(max(when, self.clock.now + timedelta(minutes=1)))
        dm = [
            m
            for m in self.slack.messages_in(self.slack.dm_channel("U0SAM"))
            if (m.metadata or {}).get("event_type") == MessageEvent.PLANNING_ASKED
        ][-1]
        self.step("Sam clicks", "[ Answer ] in the planning touchpoint")
        view = self.modal_from("U0SAM", lambda: self.ws.click("U0SAM", dm.channel, dm.ts, Action.PLANNING_ANSWER))
        self.show_new()
        busy_from = _first_of_next_month(year_start)
        busy_to = busy_from + timedelta(days=11)
        matters = "Opening the Nordics: every new AE sells there from day one."
        self.step("Sam answers", f"{matters} Busiest: {busy_from:%-d %b}-{busy_to:%-d %b %Y}, the quarter's close")
        self.ws.submit(
            "U0SAM",
            view,
            {
                Block.PLANNING_MATTERS: matters,
                Block.PLANNING_BUSY_TEXT: "The close of each quarter, and the kickoff week after the year starts.",
                f"{Block.PLANNING_BUSY_FROM_PREFIX}1": busy_from.isoformat(),
                f"{Block.PLANNING_BUSY_TO_PREFIX}1": busy_to.isoformat(),
            },
        )
        self.settle()
        self.show_new()
        self.say("Nothing of Touchpoint's reaches Sam in those weeks. When Lena plans, she is warned:")
        self.step("Lena types", "/touchpoint schedule Sales onboarding refresh")
        self.modal_from("U0LENA", lambda: self.ws.slash("U0LENA", "schedule Sales onboarding refresh"))
        self.show_new()

    def calibration(self) -> None:
        """Twice a year Lena gets a calibration pack, holds the session, records it and tells the stakeholders."""
        with self.deps.db.reading() as session:  # the financial year Lena set for the business calendar
            initiative = initiative_rows.initiative_by_name(session, self.slack.team_id, name_key(INITIATIVE))
            initiative_id = saved_id(initiative) if initiative else 0
            schedule = schedule_rows.schedules_for(session, [initiative_id]).get(initiative_id)
        due = calibration.next_due(schedule, ZoneInfo("UTC"), self.clock.now)
        self.say(
            "Twice a year, at the start of the 6th and the 12th month of the financial year, the initiative's owner "
            f"gets a calibration pack. The next is on {due.day:%a %d %b %Y}:"
        )
        self.pass_at(due.at)
        pack = next(
            m
            for m in self.slack.messages_in(self.slack.dm_channel("U0LENA"))
            if (m.metadata or {}).get("event_type") == MessageEvent.CALIBRATION_PACK_SENT
        )
        self.step("Lena holds the session with Sam, Mei and Olu, then clicks", "[ Record the session ] in the pack")
        view = self.modal_from(
            "U0LENA", lambda: self.ws.click("U0LENA", pack.channel, pack.ts, Action.RECORD_CALIBRATION)
        )
        self.show_new()
        agreed = "A new AE closes a first deal within 30 days and is still with us after a year; handovers to CS clean."
        self.step("Lena records", agreed)
        reply = self.ws.submit(
            "U0LENA",
            view,
            {
                Block.CALIBRATION_DATE: due.day.isoformat(),
                Block.CALIBRATION_AGREED: agreed,
                Block.CALIBRATION_CHANGES: "Retire the product-training hours; add year-one retention as a measure.",
            },
        ).json()
        self.settle()
        self.out("  The modal now says:")
        self.out(indent(render_view(reply["view"], self.names)))
        self.show_new()
        recorded = next(
            m
            for m in reversed(self.slack.messages_in(self.slack.dm_channel("U0LENA")))
            if any(e.get("action_id") == Action.CALIBRATION_OUTCOME for b in m.blocks for e in b.get("elements", []))
        )
        self.step("Lena clicks", "[ Send the outcome to stakeholders ]")
        self.ws.click("U0LENA", recorded.channel, recorded.ts, Action.CALIBRATION_OUTCOME)
        self.settle()
        self.show_new()
        self.say("Each stakeholder's next quarterly review recalls what the session agreed.")

    def workbook(self) -> None:
        """The demo ends as a quarter would: with the plan handed over as a workbook."""
        from bot.exports import workbook
        from bot.services import exporting

        path = os.path.abspath("touchpoint-demo.xlsx")
        with self.deps.db.reading() as session:
            data = exporting.collect(session, exporting.Scope(self.slack.team_id), self.clock.now, "UTC")
            workbook.write(data, path)
        self.step("Lena types", "touchpoint export --out touchpoint-demo.xlsx")
        self.out(
            f"  Wrote {path}: the sheets Plan, {', '.join(s.title for s in data.sheets)} and Charts "
            f"(response rate per month; each measure's readings against its baseline and target)."
        )


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
