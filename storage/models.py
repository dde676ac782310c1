"""The tables. Every row carries the Slack team (workspace) id it belongs to.

One module on purpose, though past 400 lines: it is declarations only (no logic), the tables reference each other
across aggregates by foreign key, and the migrations are read against the whole schema on one page; by aggregate it
would be a dozen files of 20-40 lines and an index that every schema change touches too."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import DateTime, Index, Table, Text, UniqueConstraint, text
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _when(nullable: bool = False):
    """A timezone-aware UTC timestamp column; required ones default to now."""
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TouchpointKind(StrEnum):
    KICKOFF = "kickoff"
    CHECKIN = "checkin"
    REVIEW = "review"


class TouchpointStatus(StrEnum):
    PENDING = "pending"  # stored, waiting for its due time
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"  # delivered, waiting for an answer
    ANSWERED = "answered"
    FAILED = "failed"  # could not be delivered; the reason is in last_error
    SKIPPED = "skipped"  # the stakeholder chose to skip it, or was away
    MISSED = "missed"  # not answered in time, or fell due while nothing could send it
    CLOSED = "closed"  # its initiative was closed, or its stakeholder removed from it, while it was open


RECURRING_KINDS = (TouchpointKind.CHECKIN, TouchpointKind.REVIEW)


class Question(StrEnum):
    IMPACT = "impact"
    TRACKING = "tracking"
    PRIORITIES_SHIFTED = "priorities_shifted"  # No / Somewhat / Significantly
    MATTERS_MOST = "matters_most"
    ON_TRACK = "on_track"  # 1-5
    NOTES = "notes"
    ALIGNMENT = "alignment"  # 1-5
    ADJUST = "adjust"


class ImpactJudgement(StrEnum):
    """What a stakeholder said of their own revised impact statement, when they were asked."""

    CHANGED = "changed"  # "What I want has changed": a priority shift, whatever the wording judge says
    REWORDED = "reworded"  # "Only the wording changed": no shift, whatever the wording judge says


class Initiative(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "name_key", name="uq_initiative_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    business_goal: str = Field(max_length=300)
    description: str = Field(default="", max_length=2000)
    summary_channel_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = _when()
    active: bool = True


class Stakeholder(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_stakeholder_team_user"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    display_name: str = Field(default="", max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    dm_channel_id: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, max_length=8)  # for public holidays; from the time zone
    paused_until: date | None = None  # nothing is sent up to and including this day
    active: bool = True
    updated_at: datetime = _when()


class InitiativeStakeholder(SQLModel, table=True):
    __tablename__ = "initiative_stakeholder"
    __table_args__ = (UniqueConstraint("initiative_id", "stakeholder_id", name="uq_initiative_stakeholder"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id", index=True)
    added_at: datetime = _when()
    # False while this pair's next check-in or review still has to be planned; the scheduling pass picks these up.
    planned: bool = Field(default=False, index=True)
    # Where this stakeholder stands, kept up to date with each answer so that the digest reads one row per pair.
    has_impact: bool = False  # has an impact statement
    has_tracking: bool = False  # has said what they track
    rating: int | None = None  # their latest on-track or alignment rating, 1-5
    last_answered_at: datetime | None = _when(nullable=True)
    silent_cycles: int = 0  # check-ins and reviews missed in a row since their last answer
    # Where they sit on the stakeholder map (the power/interest grid), set by an L&D member; high/high (manage
    # closely) is how every pair was treated before the map existed.
    influence: str = Field(default="high", max_length=8)  # "high" or "low"
    interest: str = Field(default="high", max_length=8)  # "high" or "low"
    # Which touchpoints they get: "quadrant" (as their quadrant says) or an override (bot/services/stakeholder_map.py)
    cadence: str = Field(default="quadrant", max_length=16)
    # The rating before `rating`, and the touchpoint that gave `rating` (a correction of it keeps the previous one).
    previous_rating: int | None = None
    rated_touchpoint_id: int | None = None
    # Set when the stakeholder is removed from the initiative: nothing more is asked, the index and the digest stop
    # counting them, and the exports keep what they said.
    removed_at: datetime | None = _when(nullable=True)


class Schedule(SQLModel, table=True):
    """An initiative's cadence of check-ins and reviews; an initiative without a row uses the defaults."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id", unique=True)
    checkins: bool = True
    reviews: bool = True
    day_rule: str = Field(default="weekday", max_length=16)  # "weekday": nth weekday; "working_day": nth working day
    nth: int = 2
    weekday: int = 1  # Monday is 0
    send_time: str = Field(default="10:00", max_length=5)
    fiscal_year_start: int = 1  # reviews fall in this month and every third month after it
    working_days: str = Field(default="0,1,2,3,4", max_length=16)
    quiet_last_days: int = 0  # nothing is sent in the last N days of each (fiscal) quarter
    quiet_ranges: str = Field(default="", max_length=1000)  # "YYYY-MM-DD..YYYY-MM-DD" lines
    reminder_after: int = 3  # working days
    missed_after: int = 10  # working days
    # Calibration sessions: the months of the financial year (1 is its first) at whose start the owner gets a pack
    calibration_first: int = 6
    calibration_second: int = 12
    updated_at: datetime = _when()


class Touchpoint(SQLModel, table=True):
    """One conversation with one stakeholder about one initiative; (initiative, stakeholder, kind, period) is unique."""

    __table_args__ = (
        UniqueConstraint("initiative_id", "stakeholder_id", "kind", "period", name="uq_touchpoint_instance"),
        Index("ix_touchpoint_status_due", "status", "due_at"),
        Index("ix_touchpoint_status_remind", "status", "remind_at"),
        Index("ix_touchpoint_status_expires", "status", "expires_at"),
        Index("ix_touchpoint_team_due", "team_id", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    stakeholder_id: int = Field(foreign_key="stakeholder.id", index=True)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=16)
    status: str = Field(default=TouchpointStatus.PENDING, max_length=16)
    due_at: datetime = _when()
    claimed_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True)
    answered_at: datetime | None = _when(nullable=True)
    remind_at: datetime | None = _when(nullable=True)
    reminded_at: datetime | None = _when(nullable=True)
    expires_at: datetime | None = _when(nullable=True)
    # An answered check-in or review takes corrections until expires_at; then its DM is shown closed, once.
    dm_closed_at: datetime | None = _when(nullable=True)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class Answer(SQLModel, table=True):
    """One answer to one question; answering again adds the next version, never overwrites."""

    __table_args__ = (
        UniqueConstraint("initiative_id", "stakeholder_id", "question", "version", name="uq_answer_version"),
        # The digest's rewordings: few rows have a judgement, and only those are indexed (so that a planner with
        # statistics, which sees one value in nearly every row, still takes the index).
        Index(
            "ix_answer_judgement",
            "judgement",
            sqlite_where=text("judgement IS NOT NULL"),
            postgresql_where=text("judgement IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id", index=True)
    touchpoint_id: int | None = Field(default=None, foreign_key="touchpoint.id", index=True)
    question: str = Field(max_length=32)
    text: str = Field(max_length=3000)
    version: int
    answered_at: datetime = _when()
    # An impact statement's revision as its author judged it (ImpactJudgement); None where they were not asked.
    judgement: str | None = Field(default=None, max_length=16)


class ShiftRule(StrEnum):
    """Why a priority shift was recorded: each is one detection rule."""

    SAID_SHIFTED = "said_shifted"  # answered Somewhat / Significantly to "Have your priorities shifted?"
    RATING_DROP = "rating_drop"  # on-track or alignment rating fell by 2 or more, or to 2 or less
    IMPACT_REVISED = "impact_revised"  # the impact statement was revised materially
    MEASURE_ADDED = "measure_added"  # something tracked was added
    MEASURE_DROPPED = "measure_dropped"  # something tracked was dropped
    NEW_FOCUS = "new_focus"  # what matters most now is about something not said before


class Shift(SQLModel, table=True):
    """One detected priority shift, with the rule that fired and its evidence."""

    __table_args__ = (
        Index("ix_shift_team_detected", "team_id", "detected_at"),
        Index("ix_shift_initiative_detected", "initiative_id", "detected_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    touchpoint_id: int = Field(foreign_key="touchpoint.id", index=True)
    summary_id: int = Field(foreign_key="shift_summary.id", index=True)
    rule: str = Field(max_length=32)
    question: str = Field(max_length=32)
    before: str = Field(default="", max_length=3000)
    after: str = Field(default="", max_length=3000)
    evidence: str = Field(default="", max_length=1000)
    strength: int = 2  # 1 mild, 2 moderate, 3 strong
    detected_at: datetime = _when()
    followed_up_by: str | None = Field(default=None, max_length=32)
    followed_up_at: datetime | None = _when(nullable=True)
    # The latest outcome recorded for this shift's follow-up (earlier ones stay in shift_outcome): set, it is closed.
    outcome_id: int | None = Field(default=None, foreign_key="shift_outcome.id")
    # Set when a corrected answer no longer shows the shift: kept for the record, out of summaries and the digest.
    withdrawn_at: datetime | None = _when(nullable=True)
    # Set when the stakeholder judged the revision themselves (ImpactJudgement): their word decided, and the
    # evidence is the wording judge's verdict beside it. None: the rule alone decided.
    judgement: str | None = Field(default=None, max_length=16)


class Outcome(StrEnum):
    """How an L&D member's follow-up of a stakeholder's shifts ended."""

    PLAN_ADJUSTED = "plan_adjusted"
    NO_CHANGE = "no_change"
    RETHINK = "rethink"  # the initiative itself is to rethink


class ShiftOutcome(SQLModel, table=True):
    """One outcome recorded for the follow-up of a stakeholder's shifts in one summary. Recording again adds a row
    (the shifts point at the newest): what was decided before is never lost."""

    __tablename__ = "shift_outcome"
    __table_args__ = (Index("ix_shift_outcome_follow_up", "summary_id", "stakeholder_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    summary_id: int = Field(foreign_key="shift_summary.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    outcome: str = Field(max_length=32)
    note: str = Field(default="", max_length=1000)
    recorded_by: str = Field(max_length=32)
    recorded_at: datetime = _when()


class PostStatus(StrEnum):
    PENDING = "pending"  # waiting to be posted
    SENDING = "sending"  # claimed by one poster
    POSTED = "posted"
    FAILED = "failed"  # Slack refused it; the reason is in last_error


class ShiftSummary(SQLModel, table=True):
    """The one message per initiative and day that tells the summary channel about that day's shifts.

    `revision` counts the shifts added; the message shows `posted_revision` of them, so a later shift the same day
    updates the message instead of posting another."""

    __tablename__ = "shift_summary"
    __table_args__ = (
        UniqueConstraint("initiative_id", "day", name="uq_shift_summary_day"),
        Index("ix_shift_summary_status_claimed", "status", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    day: str = Field(max_length=10)  # YYYY-MM-DD in the L&D team's time zone
    channel_id: str = Field(max_length=32)
    status: str = Field(default=PostStatus.PENDING, max_length=16)
    revision: int = 1
    posted_revision: int = 0
    claimed_at: datetime | None = _when(nullable=True)
    message_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class AnswerPost(SQLModel, table=True):
    """The Slack side of one submission of answers: its summary in the summary channel and its DM shown as
    answered. Stored in the answers' own transaction, so that a crash or a deploy after the acknowledgement loses
    neither; the row is the claim that makes the summary go out exactly once, like a shift summary's.

    `payload` is what the messages show (the recorded answers, as JSON): they tell what was answered then, whatever
    is answered later."""

    __tablename__ = "answer_post"
    __table_args__ = (Index("ix_answer_post_status_claimed", "status", "claimed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    touchpoint_id: int = Field(foreign_key="touchpoint.id", index=True)
    channel_id: str = Field(max_length=32)
    payload: str = Field(sa_type=Text)
    status: str = Field(default=PostStatus.SENDING, max_length=16)  # claimed by the web process that stored it
    created_at: datetime = _when()
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 1
    message_ts: str | None = Field(default=None, max_length=32)  # the summary's, once Slack has it
    dm_done: bool = False  # the DM shows the touchpoint answered (or cannot: its message is gone)
    posted_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class DigestSettings(SQLModel, table=True):
    """When and where a team's weekly digest goes; a team without a row gets Monday 09:00 in the L&D channel."""

    __tablename__ = "digest_settings"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, unique=True)
    weekday: int = 0  # Monday is 0
    send_time: str = Field(default="09:00", max_length=5)
    channel_id: str | None = Field(default=None, max_length=32)  # None: the L&D channel
    updated_by: str = Field(default="", max_length=32)
    updated_at: datetime = _when()


class TeamSettings(SQLModel, table=True):
    """Who the team's L&D members are and where its channel is, as saved from the Home tab; a team without a row
    uses the environment's LD_CHANNEL_ID, LD_ADMIN_USER_IDS and LD_USERGROUP_ID."""

    __tablename__ = "team_settings"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, unique=True)
    ld_channel_id: str = Field(max_length=32)
    admin_user_ids: str = Field(default="", sa_type=Text)  # comma-separated user ids
    usergroup_id: str | None = Field(default=None, max_length=32)
    planning_weeks: int = 8  # the business calendar's planning touchpoint, this many weeks before a year starts
    updated_by: str = Field(max_length=32)
    updated_at: datetime = _when()


class TeamSettingsChange(SQLModel, table=True):
    """Who changed the team's settings, when, and what (each setting changed: {"setting": [before, after]})."""

    __tablename__ = "team_settings_change"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    changed_by: str = Field(max_length=32)
    changed_at: datetime = _when()
    changes: str = Field(sa_type=Text)  # JSON


class DigestPost(SQLModel, table=True):
    """A week's digest: the row is the claim (one per team and week), and records each part as it is posted."""

    __tablename__ = "digest_post"
    __table_args__ = (UniqueConstraint("team_id", "week", name="uq_digest_week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    week: str = Field(max_length=10)  # the date of the week's digest day, YYYY-MM-DD
    channel_id: str = Field(max_length=32)
    status: str = Field(default=PostStatus.SENDING, max_length=16)
    claimed_at: datetime = _when()
    thread_ts: str | None = Field(default=None, max_length=32)
    parts_posted: int = 0
    posted_at: datetime | None = _when(nullable=True)
    attempts: int = 1
    last_error: str | None = Field(default=None, max_length=500)


class AlignmentSnapshot(SQLModel, table=True):
    """An initiative's alignment index as a posted digest showed it, for the next digest's trend."""

    __tablename__ = "alignment_snapshot"
    __table_args__ = (UniqueConstraint("initiative_id", "week", name="uq_alignment_week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    week: str = Field(max_length=10)
    value: int


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"


class ReadingStatus(StrEnum):
    VALUE = "value"
    NO_CHANGE = "no_change"
    DONT_KNOW = "dont_know"


class Measure(SQLModel, table=True):
    """A tracked measure: an indicator a stakeholder already watches, agreed as a success measure of an initiative."""

    __table_args__ = (UniqueConstraint("initiative_id", "name_key", name="uq_measure_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    name: str = Field(max_length=150)
    name_key: str = Field(max_length=150)
    owner_id: int = Field(foreign_key="stakeholder.id", index=True)  # the stakeholder who reports its readings
    source: str = Field(default="", max_length=200)  # where it lives: a system or a report
    unit: str = Field(default="", max_length=40)
    direction: str = Field(default=Direction.HIGHER, max_length=8)
    baseline: float | None = None
    baseline_on: date | None = None
    target: float | None = None
    target_on: date | None = None
    confirmed_by: str = Field(max_length=32)
    confirmed_at: datetime = _when()
    active: bool = True
    # Agreed once its owner confirms or corrects it (MeasureVersion keeps what each of them said)
    agreed_by: str | None = Field(default=None, max_length=32)
    agreed_at: datetime | None = _when(nullable=True)


class MeasureVersionKind(StrEnum):
    PROPOSED = "proposed"  # as the L&D member confirmed it
    CONFIRMED = "confirmed"  # its owner said "Yes, that's right"
    CORRECTED = "corrected"  # its owner corrected it


class MeasureVersion(SQLModel, table=True):
    """One version of what a measure is (name, baseline, target): proposed by the L&D member, then confirmed or
    corrected by its owner. The measure holds the newest; a correction adds a version and never rewrites one."""

    __tablename__ = "measure_version"
    __table_args__ = (UniqueConstraint("measure_id", "version", name="uq_measure_version"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    measure_id: int = Field(foreign_key="measure.id")
    version: int
    kind: str = Field(max_length=16)  # MeasureVersionKind
    name: str = Field(max_length=150)
    baseline: float | None = None
    baseline_on: date | None = None
    target: float | None = None
    target_on: date | None = None
    given_by: str = Field(max_length=32)  # the Slack user id of who said it
    given_at: datetime = _when()


class MeasureProposal(SQLModel, table=True):
    """The DM that asks a measure's owner whether it is what they track: one per measure, claimed like a post so that
    it goes out exactly once (its message carries the proposal's id in its metadata)."""

    __tablename__ = "measure_proposal"
    __table_args__ = (Index("ix_measure_proposal_status_claimed", "status", "claimed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    measure_id: int = Field(foreign_key="measure.id", unique=True)
    status: str = Field(default=PostStatus.PENDING, max_length=16)
    created_at: datetime = _when()
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    channel_id: str | None = Field(default=None, max_length=32)  # the owner's DM, once it is there
    message_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class Reading(SQLModel, table=True):
    """One reading of a measure: a value, "no change" or "don't know", with when and who gave it."""

    __table_args__ = (Index("ix_reading_measure_on", "measure_id", "read_on"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    measure_id: int = Field(foreign_key="measure.id")
    touchpoint_id: int | None = Field(default=None, foreign_key="touchpoint.id")
    status: str = Field(default=ReadingStatus.VALUE, max_length=16)
    value: float | None = None
    read_on: date
    given_by: str = Field(max_length=32)  # the Slack user id of who gave it
    recorded_at: datetime = _when()


class MapMessageKind(StrEnum):
    STATUS = "status"  # a keep-informed stakeholder's monthly "here is where this stands" DM (key: the period)
    SILENT = "silent"  # to the owner: a high-influence stakeholder silent for two cycles (key: since when)
    RATING_DROP = "rating_drop"  # to the owner: a high-influence stakeholder's rating fell (key: the touchpoint)


class MapMessage(SQLModel, table=True):
    """A DM the stakeholder map makes Touchpoint send: a status update to a stakeholder, or an alert to an
    initiative's owner. (initiative, stakeholder, kind, key) is unique, so each goes out once; the row is its claim
    and its record, and a DM Slack refused is tried again by the next passes (ATTEMPTS_MAX in all)."""

    __tablename__ = "map_message"
    __table_args__ = (
        UniqueConstraint("initiative_id", "stakeholder_id", "kind", "key", name="uq_map_message"),
        Index("ix_map_message_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    kind: str = Field(max_length=16)  # MapMessageKind
    key: str = Field(max_length=40)
    to_user_id: str = Field(max_length=32)
    due_at: datetime = _when()
    status: str = Field(default=PostStatus.PENDING, max_length=16)  # PostStatus, or "skipped"
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class PlanVersion(SQLModel, table=True):
    """One save of an initiative's plan, its eight elements as the L&D member wrote them: every save is a version
    (who, when), never rewritten, so that what changed since a stakeholder signed an earlier one can be told."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("initiative_id", "version", name="uq_plan_version"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    version: int
    overview: str = Field(default="", sa_type=Text)
    audience: str = Field(default="", sa_type=Text)
    objectives: str = Field(default="", sa_type=Text)
    needs: str = Field(default="", sa_type=Text)
    deliver: str = Field(default="", sa_type=Text)
    short_term: str = Field(default="", sa_type=Text)
    long_term: str = Field(default="", sa_type=Text)
    obstacles: str = Field(default="", sa_type=Text)
    saved_by: str = Field(max_length=32)
    saved_at: datetime = _when()


class SignoffAnswer(StrEnum):
    MATCHES = "matches"  # "This matches our plan"
    OFF = "off"  # "Something's off", with a comment


class PlanSignoff(SQLModel, table=True):
    """One stakeholder asked to sign off one version of a plan: the DM's outbox row (claimed like a post, so that it
    goes out exactly once; its message carries the row's id in its metadata) and their answer. A stakeholder's
    sign-off status is their newest row; `approved_version_id` is the version they had signed when a change to the
    plan asked them again."""

    __tablename__ = "plan_signoff"
    __table_args__ = (
        UniqueConstraint("plan_version_id", "stakeholder_id", name="uq_plan_signoff"),
        Index("ix_plan_signoff_status_due", "status", "due_at"),
        Index("ix_plan_signoff_initiative", "initiative_id", "stakeholder_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    plan_version_id: int = Field(foreign_key="plan_version.id")
    approved_version_id: int | None = Field(default=None, foreign_key="plan_version.id")
    must_sign: bool = True  # their quadrant says so (high influence); the others get it for information
    asked_by: str = Field(max_length=32)
    created_at: datetime = _when()
    due_at: datetime = _when()
    status: str = Field(default=PostStatus.PENDING, max_length=16)  # PostStatus, or "skipped"
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = _when(nullable=True)
    remind_at: datetime | None = _when(nullable=True)
    reminded_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    answer: str | None = Field(default=None, max_length=16)  # SignoffAnswer, once they answered
    comment: str = Field(default="", max_length=3000)
    answered_at: datetime | None = _when(nullable=True)
    commitment: str = Field(default="", max_length=3000)  # "What I will do to help"
    committed_at: datetime | None = _when(nullable=True)


class CalibrationPack(SQLModel, table=True):
    """The calibration pack an initiative's owner gets twice a year: one per initiative and calibration date
    (`due_on`), so each goes out once; the row is its claim and its record. A long pack goes out as several DMs
    (`parts_posted` of them so far), each carrying the pack's id and its part in its metadata."""

    __tablename__ = "calibration_pack"
    __table_args__ = (
        UniqueConstraint("initiative_id", "due_on", name="uq_calibration_pack"),
        Index("ix_calibration_pack_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    initiative_id: int = Field(foreign_key="initiative.id")
    due_on: date  # the calibration date it is for
    to_user_id: str = Field(max_length=32)  # the initiative's owner
    due_at: datetime = _when()
    status: str = Field(default=PostStatus.PENDING, max_length=16)  # PostStatus, or "skipped"
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)  # the first part's, which has the buttons
    parts_posted: int = 0
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class CalibrationSession(SQLModel, table=True):
    """A calibration session as the owner (or another L&D member) recorded it: when, who took part, what they agreed
    "good looks like", and what changes to the measures or the plan they agreed (as text)."""

    __tablename__ = "calibration_session"
    __table_args__ = (Index("ix_calibration_session_initiative", "initiative_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    initiative_id: int = Field(foreign_key="initiative.id")
    held_on: date
    participants: str = Field(default="", sa_type=Text)  # comma-separated Slack user ids
    agreed: str = Field(max_length=3000)  # what "good looks like"
    changes: str = Field(default="", max_length=3000)  # changes to the measures or the plan
    recorded_by: str = Field(max_length=32)
    recorded_at: datetime = _when()
    outcome_sent_by: str | None = Field(default=None, max_length=32)  # who asked for the stakeholders' DMs
    outcome_sent_at: datetime | None = _when(nullable=True)


class CalibrationOutcome(SQLModel, table=True):
    """The DM that tells one stakeholder what a calibration session agreed: (session, stakeholder) is unique, so a
    second click or a retried request adds nothing; the row is its claim and its record."""

    __tablename__ = "calibration_outcome"
    __table_args__ = (
        UniqueConstraint("session_id", "stakeholder_id", name="uq_calibration_outcome"),
        Index("ix_calibration_outcome_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    session_id: int = Field(foreign_key="calibration_session.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    to_user_id: str = Field(max_length=32)
    due_at: datetime = _when()
    status: str = Field(default=PostStatus.PENDING, max_length=16)
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


class InitiativeChange(SQLModel, table=True):
    """One change to an initiative after it opened (edited, stakeholders added or removed, closed, reopened, a
    measure retired): who, when and what, written in the change's own transaction."""

    __tablename__ = "initiative_change"
    __table_args__ = (Index("ix_initiative_change_initiative", "initiative_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    initiative_id: int = Field(foreign_key="initiative.id")
    changed_by: str = Field(max_length=32)  # the Slack user id of the L&D member
    changed_at: datetime = _when()
    kind: str = Field(max_length=32)  # ChangeKind
    text: str = Field(max_length=1000)  # what changed, for people


class ChangeKind(StrEnum):
    RENAMED = "renamed"
    GOAL = "goal_changed"
    DESCRIPTION = "description_changed"
    CHANNEL = "channel_changed"
    STAKEHOLDER_ADDED = "stakeholder_added"
    STAKEHOLDER_REMOVED = "stakeholder_removed"
    CLOSED = "closed"
    REOPENED = "reopened"
    MEASURE_RETIRED = "measure_retired"
    STAKEHOLDER_MAP = "stakeholder_map"  # a stakeholder's influence, interest or cadence changed
    PLAN = "plan_saved"  # a new version of the plan was saved (bot/services/plans.py)


class PlanningAsk(SQLModel, table=True):
    """The business calendar's planning touchpoint: one per person and financial year (the first day of the year,
    in the person's time zone), naming every initiative of theirs whose year starts that day. The row is its claim
    and its record, like an outbox's (its DM carries the ask's id in its metadata); `busy_ranges` holds the busy
    weeks of their latest answer ("YYYY-MM-DD..YYYY-MM-DD" lines), which are quiet periods for them."""

    __tablename__ = "planning_ask"
    __table_args__ = (
        UniqueConstraint("stakeholder_id", "year_start", name="uq_planning_ask"),
        Index("ix_planning_ask_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    year_start: date
    initiative_ids: str = Field(default="", max_length=1000)  # comma-separated, as queued
    due_at: datetime = _when()
    status: str = Field(default=PostStatus.PENDING, max_length=16)  # PostStatus, or "skipped"
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    answered_at: datetime | None = _when(nullable=True)
    busy_ranges: str = Field(default="", max_length=1000)


class PlanningAnswer(SQLModel, table=True):
    """One answer to a planning touchpoint; answering again adds a row, never overwrites."""

    __tablename__ = "planning_answer"
    __table_args__ = (Index("ix_planning_answer_team_given", "team_id", "given_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    ask_id: int = Field(foreign_key="planning_ask.id", index=True)
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    matters_most: str = Field(max_length=3000)
    busy_text: str = Field(default="", max_length=3000)  # the busy weeks in their own words
    busy_ranges: str = Field(default="", max_length=1000)
    given_by: str = Field(max_length=32)
    given_at: datetime = _when()


class ProcessedEvent(SQLModel, table=True):
    """Event ids already handled, so that Slack's retries of an event are not handled twice."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=32)
    # Indexed: every insert forgets the ids older than a day (see repositories.events.first_time_seen).
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


# Installations into many workspaces (OAuth "Add to Slack"). slack_sdk's SQLAlchemy installation and state stores
# read and write these three tables by name; their columns are the ones those stores declare (times naive UTC, as
# the stores write them), created here by the migrations rather than by the stores' create_tables.


class _BotColumns(SQLModel):
    """What slack_sdk's installation store keeps of a bot token, in both of its tables."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=32)
    app_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    enterprise_name: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=32)
    team_name: str | None = Field(default=None, max_length=200)
    bot_token: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_refresh_token: str | None = Field(default=None, max_length=200)
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=DateTime)
    is_enterprise_install: bool = False
    installed_at: datetime = Field(sa_type=DateTime)


class SlackInstallation(_BotColumns, table=True):
    """One installation of the app into a workspace by a person (slack_sdk's installation store's history)."""

    __tablename__ = "slack_installations"
    __table_args__ = (
        Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
    )

    enterprise_url: str | None = Field(default=None, max_length=200)
    user_id: str = Field(max_length=32)
    user_token: str | None = Field(default=None, max_length=200)
    user_scopes: str | None = Field(default=None, max_length=1000)
    user_refresh_token: str | None = Field(default=None, max_length=200)
    user_token_expires_at: datetime | None = Field(default=None, sa_type=DateTime)
    incoming_webhook_url: str | None = Field(default=None, max_length=200)
    incoming_webhook_channel: str | None = Field(default=None, max_length=200)
    incoming_webhook_channel_id: str | None = Field(default=None, max_length=200)
    incoming_webhook_configuration_url: str | None = Field(default=None, max_length=200)
    token_type: str | None = Field(default=None, max_length=32)


class SlackBot(_BotColumns, table=True):
    """The bot token of a workspace's installation, the latest first by installed_at (rotated in place)."""

    __tablename__ = "slack_bots"
    __table_args__ = (Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),)


class SlackOAuthState(SQLModel, table=True):
    """The state of an "Add to Slack" started and not yet come back (slack_sdk's state store: used once)."""

    __tablename__ = "slack_oauth_states"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=200)
    expire_at: datetime = Field(sa_type=DateTime)


class TeamState(StrEnum):
    ACTIVE = "active"
    UNINSTALLED = "uninstalled"  # app_uninstalled or tokens_revoked: nothing runs for it; its data is kept a while
    DELETED = "deleted"  # its data is gone; a new install starts afresh


class TeamStatus(SQLModel, table=True):
    """Whether Touchpoint works for a workspace: installed, or uninstalled since when and kept until when. A team
    without a row is active (the single-workspace mode's, and every team before installs were recorded)."""

    __tablename__ = "team_status"

    team_id: str = Field(primary_key=True, max_length=32)
    state: str = Field(default=TeamState.ACTIVE, max_length=16)
    installed_by: str | None = Field(default=None, max_length=32)
    changed_at: datetime = _when()
    delete_after: datetime | None = _when(nullable=True)  # set while uninstalled: when the pass deletes its data


class SlackPacing(SQLModel, table=True):
    """The pace of one Web API method in one workspace, shared by every process (Slack limits an app per workspace
    and method, not per process): the spacing learnt from the last 429, the next free slot, and the calls of the
    current and the previous second that the spacing is learnt from. Times are Unix seconds: every process claims
    slots on the same clock."""

    __tablename__ = "slack_pacing"

    team_id: str = Field(primary_key=True, max_length=32)
    method: str = Field(primary_key=True, max_length=64)
    interval: float = 0.0  # seconds kept between calls; 0: not paced
    next_at: float = 0.0  # the next free slot
    limited_at: float = 0.0  # the last 429
    window_at: float = 0.0  # when the current one-second window of calls began
    window_calls: int = 0
    previous_calls: int = 0  # calls in the window before it


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (SQLModel sets `__table__` when the class is made but does not declare it)."""
    table = sa_inspect(model).local_table
    assert isinstance(table, Table)
    return table


class _Saved(Protocol):
    id: int | None


def saved_id(row: _Saved) -> int:
    """The primary key of a row that was read from the database or flushed to it. Models declare `id: int | None`
    because a new row has no id until it is flushed; a row that has been saved always has one."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never flushed to the database")
    return row.id
