"""The weekly digest and the alignment index: content for hand-built data, a bounded number of queries, Slack's
limits with 200 initiatives, posting exactly once per week (restarts, two schedulers), preview and settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from slack_sdk.models.blocks import SectionBlock
from sqlalchemy import event
from sqlmodel import select

from bot.blocks.digest import digest_messages
from bot.errors import FormInvalid
from bot.ids import Block
from bot.services import digest
from bot.services.digest import DigestTime, due_week
from bot.simulator.webapi import Message as Posted
from storage.models import (
    AlignmentSnapshot,
    DigestPost,
    DigestSettings,
    Initiative,
    InitiativeStakeholder,
    Measure,
    PostStatus,
    Shift,
    ShiftSummary,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    saved_id,
)
from tests.conftest import CHRIS, LD_CHANNEL, LENA, TEAM
from tests.flows import all_text
from tests.scheduling_world import World
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_message
from tests.test_exactly_once import _tick

UTC = UTC
NOW = datetime(2027, 3, 8, 9, tzinfo=UTC)  # a Monday, 09:00 UTC: the default digest time
WEEK = "2027-03-08"


def _add_initiative(session, name: str, people: list[dict]) -> int:
    """An initiative with stakeholders standing as described, their touchpoints and their shifts."""
    initiative = Initiative(
        team_id=TEAM,
        name=name,
        name_key=name.casefold(),
        business_goal="A goal",
        summary_channel_id=LD_CHANNEL,
        created_by=LENA,
    )
    session.add(initiative)
    session.flush()
    summary = None
    for person in people:
        stakeholder = session.exec(select(Stakeholder).where(Stakeholder.user_id == person["user"])).first()
        if stakeholder is None:
            stakeholder = Stakeholder(team_id=TEAM, user_id=person["user"], active=person.get("active", True))
            session.add(stakeholder)
            session.flush()
        session.add(
            InitiativeStakeholder(
                team_id=TEAM,
                initiative_id=saved_id(initiative),
                stakeholder_id=stakeholder.id,
                planned=True,
                has_impact=person.get("impact", False),
                has_tracking=person.get("tracking", False),
                rating=person.get("rating"),
                silent_cycles=person.get("silent", 0),
            )
        )
        touchpoint_ids = []
        for n, (kind, status, due, extra) in enumerate(person.get("touchpoints", [])):
            touchpoint = Touchpoint(
                team_id=TEAM,
                initiative_id=saved_id(initiative),
                stakeholder_id=stakeholder.id,
                kind=kind,
                period=f"p{n}",
                status=status,
                due_at=NOW + due,
                **extra,
            )
            session.add(touchpoint)
            session.flush()
            touchpoint_ids.append(saved_id(touchpoint))
        for n, agreed in enumerate(person.get("measures", [])):  # agreed by their owner, or waiting for them
            session.add(
                Measure(
                    team_id=TEAM,
                    initiative_id=saved_id(initiative),
                    name=f"Measure {n} of {person['user']}",
                    name_key=f"measure {n} of {person['user']}".casefold(),
                    owner_id=saved_id(stakeholder),
                    confirmed_by=LENA,
                    confirmed_at=NOW - 30 * timedelta(days=1),
                    agreed_by=person["user"] if agreed else None,
                    agreed_at=NOW - 29 * timedelta(days=1) if agreed else None,
                )
            )
        for strength, detected, followed_up_by in person.get("shifts", []):
            if summary is None:
                summary = ShiftSummary(
                    team_id=TEAM, initiative_id=saved_id(initiative), day="2027-03-06", channel_id=LD_CHANNEL
                )
                session.add(summary)
                session.flush()
            session.add(
                Shift(
                    team_id=TEAM,
                    initiative_id=saved_id(initiative),
                    stakeholder_id=stakeholder.id,
                    touchpoint_id=touchpoint_ids[0],
                    summary_id=saved_id(summary),
                    rule="said_shifted",
                    question="priorities_shifted",
                    strength=strength,
                    detected_at=NOW + detected,
                    followed_up_by=followed_up_by,
                )
            )
    session.flush()
    return saved_id(initiative)


D = timedelta(days=1)
LEADERSHIP: list[dict[str, Any]] = [
    {
        "user": "U0A1",
        "impact": True,
        "tracking": True,
        "rating": 4,
        "measures": [True],
        "touchpoints": [
            (TouchpointKind.CHECKIN, TouchpointStatus.ANSWERED, -10 * D, {}),
            (TouchpointKind.CHECKIN, TouchpointStatus.ANSWERED, -40 * D, {}),
        ],
    },
    {
        "user": "U0A2",
        "impact": True,
        "tracking": True,
        "rating": 2,
        "measures": [True, False],
        "touchpoints": [(TouchpointKind.CHECKIN, TouchpointStatus.MISSED, -20 * D, {"expires_at": NOW - 3 * D})],
        "shifts": [(3, -2 * D, None)],
    },
    {
        "user": "U0A3",
        "impact": True,
        "silent": 2,
        "measures": [False],
        "touchpoints": [
            (TouchpointKind.CHECKIN, TouchpointStatus.MISSED, -50 * D, {"expires_at": NOW - 35 * D}),
            (TouchpointKind.CHECKIN, TouchpointStatus.SENT, -5 * D, {"remind_at": NOW - D}),
        ],
    },
    {"user": "U0A4", "touchpoints": [(TouchpointKind.REVIEW, TouchpointStatus.PENDING, 10 * D, {})]},
]


@pytest.fixture
def hand_built(db):
    with db.session() as session:
        leadership = _add_initiative(session, "Leadership programme", LEADERSHIP)
        safety = _add_initiative(session, "Safety refresher", [{"user": "U0A5"}])
        _add_initiative(session, "Retired one", [{"user": "U0A6", "impact": True}])
        session.exec(select(Initiative).where(Initiative.name == "Retired one")).one().active = False
        session.add(AlignmentSnapshot(team_id=TEAM, initiative_id=leadership, week="2027-03-01", value=75))
        session.add(AlignmentSnapshot(team_id=TEAM, initiative_id=leadership, week="2027-02-22", value=90))
    return db, leadership, safety


def test_the_digest_counts_what_happened_for_each_initiative(hand_built):
    db, _leadership, _safety = hand_built
    with db.reading() as session:
        found = digest.build(session, TEAM, NOW, WEEK)
    assert [i.name for i in found.initiatives] == ["Safety refresher", "Leadership programme"]  # lowest index first
    lead = found.initiatives[1]
    assert (lead.answered, lead.expected) == (1, 3)  # due in the last 30 days: answered, missed, still open
    assert (lead.new_shifts, lead.strong_shifts, lead.overdue, lead.missed) == (1, 1, 1, 1)
    assert (lead.with_impact, lead.with_tracking, lead.stakeholders, lead.reviews_ahead) == (3, 2, 4, 1)
    assert (lead.silent, lead.silent_user_ids) == (1, ("U0A3",))
    parts = {p.key: (p.score, p.weight) for p in lead.alignment.parts}
    assert parts == {
        "impact": (0.75, 20),
        "measures": (0.5, 20),
        "responses": (0.5, 15),
        "ratings": (0.5, 20),
        "follow_up": (0.75, 10),
        "signoff": (None, 15),  # no plan sent: left out
    }
    assert lead.alignment.value == 59 and lead.trend == 59 - 75  # against the latest earlier digest
    safety_digest = found.initiatives[0]
    # No responses and no ratings yet: those parts are left out, not counted as zero.
    assert [p.key for p in safety_digest.alignment.parts if p.score is None] == ["responses", "ratings", "signoff"]
    assert safety_digest.alignment.value == round(100 * 10 / 50) and safety_digest.trend is None


def test_the_digest_opens_with_what_needs_attention_most(hand_built):
    db, _, _ = hand_built
    with db.reading() as session:
        found = digest.build(session, TEAM, NOW, WEEK)
    assert [(a.reason, a.initiative_name) for a in found.attention] == [
        # U0A3 is silent and, like everyone not yet on the stakeholder map, of high influence: first of all
        ("high_influence", "Leadership programme"),
        ("strong_shift", "Leadership programme"),
        ("falling", "Leadership programme"),
        ("silent", "Leadership programme"),
        ("no_impact", "Safety refresher"),
    ]
    # Leadership programme has measures (two agreed, two waiting for their owners): Safety refresher's low index is
    # the one more below.
    assert found.more_attention == 1
    [message] = digest_messages(found)
    text = _rendered(message)
    assert text.index("<@U0A2>'s priorities shifted strongly") < text.index("alignment fell from 75 to 59")
    assert "*Leadership programme* · alignment *59* ▼16" in text
    assert "Responses (30 days): 1 of 3 · new shifts: 1 (1 strong) · overdue: 1 · missed this week: 1" in text
    assert (
        "Agreed impact: 3 of 4 · something tracked: 2 of 4 · measures agreed: 2 (2 waiting for their owners)"
        " · reviews in the next 14 days: 1" in text
    )
    assert "…and 1 more below" in text
    assert "<@U0A3> (high influence) silent for 2 check-ins or reviews in a row" in text
    assert "Silent for two cycles or more: <@U0A3>" in text
    assert "Retired one" not in text


def _rendered(message) -> str:
    posted = Posted(channel=LD_CHANNEL, ts="", user="", text=message.text, blocks=[b.to_dict() for b in message.blocks])
    return all_text(posted)


def test_the_digest_reads_a_fixed_number_of_queries_however_much_data(hand_built):
    db, _, _ = hand_built

    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with db.reading() as session:
                digest.build(session, TEAM, NOW, WEEK)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = queries()
    with db.session() as session:
        for n in range(30):
            _add_initiative(
                session, f"More {n}", [{**person, "user": f"U{n:03d}{person['user']}"} for person in LEADERSHIP]
            )
    assert queries() == few


def test_two_hundred_initiatives_fit_slacks_limits_in_a_thread_and_none_is_lost(db):
    people = [{"user": f"U0L{n:03d}", "silent": 3, "impact": n % 2 == 0} for n in range(25)]
    with db.session() as session:
        names = [f"N{n:03d} " + "Long initiative name " * 4 for n in range(200)]
        for name in names:
            _add_initiative(session, name.strip()[:80], people)
    with db.reading() as session:
        found = digest.build(session, TEAM, NOW, WEEK)
    messages = digest_messages(found)
    assert len(messages) > 1
    for message in messages:
        assert_valid_message(message.text, [b.to_dict() for b in message.blocks])
    sections = [b.text.text for m in messages for b in m.blocks if isinstance(b, SectionBlock) and b.text is not None]
    shown = [text.split("*")[1] for text in sections if text.startswith("*N")]
    assert sorted(shown) == sorted(n.strip()[:80] for n in names)  # every initiative exactly once
    assert "continued, part 2 of" in messages[1].text


def test_the_alignment_index_explains_its_parts(hand_built, server, slack):
    app = server.start()
    with freeze_time(NOW, tick=True):
        one = str(app.workspace.slash(LENA, "alignment leadership PROGRAMME").json())
        assert "*Leadership programme* · alignment *59*" in one
        assert "Agreed impact* (weight 20): 75%" in one and "3 of 4 stakeholders have said what impact they want" in one
        assert "left out rather than counted as 0" in one
        every = str(app.workspace.slash(LENA, "alignment").json())
        assert every.index("Safety refresher") < every.index("Leadership programme")
        assert "can't find an active initiative" in str(app.workspace.slash(LENA, "alignment Nope").json())
        assert "only the L&amp;D team" in str(app.workspace.slash(CHRIS, "alignment").json())


# When it goes out


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2027, 3, 8, 8, 59, tzinfo=UTC), None),  # last week's is more than three days old
        (datetime(2027, 3, 8, 9, 0, tzinfo=UTC), "2027-03-08"),
        (datetime(2027, 3, 10, 9, 0, tzinfo=UTC), "2027-03-08"),  # two days late (nothing ran): still this week's
        (datetime(2027, 3, 11, 9, 1, tzinfo=UTC), None),  # too late: it waits for next week
    ],
)
def test_due_week(now, expected):
    assert due_week(now, DigestTime(), "UTC") == expected


def test_due_week_follows_the_ld_teams_clock_across_summer_time():
    when = DigestTime(weekday=0, send_time="09:00")
    assert due_week(datetime(2027, 3, 29, 7, 59, tzinfo=UTC), when, "Europe/London") is None
    assert due_week(datetime(2027, 3, 29, 8, 0, tzinfo=UTC), when, "Europe/London") == "2027-03-29"  # 09:00 BST


def test_the_pass_posts_each_weeks_digest_once(slack, db):
    world = World.make(slack, db, ld_channel_id=LD_CHANNEL)
    world.open(NOW - 30 * D, {"U0W1": "Europe/London"}, send=False)
    for at in (NOW - timedelta(minutes=1), NOW, NOW + timedelta(minutes=1), NOW + 2 * D):
        world.run(at)
    assert len(_digests(slack, LD_CHANNEL)) == 1
    world.run(NOW + 7 * D)
    assert len(_digests(slack, LD_CHANNEL)) == 2
    with db.reading() as session:
        posts = session.exec(select(DigestPost).order_by(DigestPost.week)).all()
        snapshots = session.exec(select(AlignmentSnapshot)).all()
    assert [(p.week, p.status) for p in posts] == [("2027-03-08", PostStatus.POSTED), ("2027-03-15", PostStatus.POSTED)]
    assert {s.week for s in snapshots} == {"2027-03-08", "2027-03-15"}  # what each digest showed, for the next trend
    assert "(first digest)" in all_text(_digests(slack, LD_CHANNEL)[0])
    assert "(no change)" in all_text(_digests(slack, LD_CHANNEL)[1])
    assert_everything_sent_is_valid(slack)


def _digests(slack, channel):
    return [m for m in slack.messages_in(channel) if (m.metadata or {}).get("event_type") == "digest_posted"]


def _due_now(db):
    """Today's digest time has passed, in UTC (the settings' default zone)."""
    with db.session() as session:
        session.add(
            DigestSettings(team_id=TEAM, weekday=datetime.now(UTC).weekday(), send_time="00:00", channel_id=LD_CHANNEL)
        )


def test_two_schedulers_at_once_post_the_digest_once(slack, db):
    world = World.make(slack, db)
    world.open(datetime.now(UTC) - 30 * D, {"U0W1": "Europe/London"}, send=False)
    _due_now(db)
    slack.slow("chat.postMessage", 0.2)
    passes = [_tick(slack, db) for _ in range(2)]
    reports = [p.communicate(timeout=120) for p in passes]
    assert [p.returncode for p in passes] == [0, 0], reports
    assert len(_digests(slack, LD_CHANNEL)) == 1


def test_a_long_digest_killed_part_way_goes_on_from_the_last_part_slack_has(slack, db):
    with db.session() as session:
        for n in range(120):
            _add_initiative(session, f"Initiative {n:03d}", [{"user": f"U0K{n:03d}", "impact": True}])
    _due_now(db)
    slack.slow("chat.postMessage", 0.5)
    killed = _tick(slack, db)
    slack.wait_for(lambda: len(_digests(slack, LD_CHANNEL)) >= 2, timeout=30)
    killed.kill()
    killed.wait(timeout=10)
    slack.slow("chat.postMessage", 0)
    finished = _tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")
    _out, err = finished.communicate(timeout=60)
    assert finished.returncode == 0, err

    posted = _digests(slack, LD_CHANNEL)
    keys = [m.metadata["event_payload"]["digest_part"] for m in posted]
    assert keys == [f"1:{n}" for n in range(len(posted))] and len(posted) == 3, keys  # each part once, in order
    assert [m.thread_ts for m in posted] == [None] + [posted[0].ts] * (len(posted) - 1)  # the rest in its thread
    names = [line for m in posted for line in all_text(m).splitlines() if line.startswith("*Initiative ")]
    assert len(names) == 120
    with db.reading() as session:
        assert session.exec(select(DigestPost)).one().status == PostStatus.POSTED


# From Slack: preview and settings


def test_an_ld_member_previews_the_digest_in_a_dm(hand_built, server, slack):
    app = server.start()
    with freeze_time(NOW + timedelta(hours=1), tick=True):
        reply = app.workspace.slash(LENA, "digest")
        app.settle()
    assert reply.json()["text"] == "Putting your preview together…"
    [preview] = slack.messages_in(slack.dm_channel(LENA))
    assert "Preview of the weekly digest · Mon 8 Mar 2027" in all_text(preview)  # the one due today
    assert "Leadership programme" in all_text(preview)
    assert "sent you a preview" in slack.responses[-1]["text"]
    assert _digests(slack, LD_CHANNEL) == [] and slack.messages_in(LD_CHANNEL) == []
    refused = app.workspace.slash(CHRIS, "digest")
    assert "only the L&amp;D team" in str(refused.json())
    assert_everything_sent_is_valid(slack)


def test_the_ld_team_sets_the_digests_day_time_and_channel(slack, db, server):
    app = server.start()
    reply = app.workspace.slash(LENA, "digest settings")
    assert reply.status == 200
    view = slack.wait_for(lambda: slack.views_for(LENA))[0]
    initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert initial[Block.DIGEST_WEEKDAY]["initial_option"]["value"] == "0"
    assert initial[Block.DIGEST_TIME]["initial_time"] == "09:00"
    assert initial[Block.DIGEST_CHANNEL]["initial_channel"] == LD_CHANNEL
    saved = app.workspace.submit(
        LENA, view, {Block.DIGEST_WEEKDAY: "2", Block.DIGEST_TIME: "14:30", Block.DIGEST_CHANNEL: "C0SALES"}
    )
    assert "every Wednesday at 14:30 in <#C0SALES>" in str(saved.json())
    app.settle()

    world = World.make(slack, db, ld_channel_id=LD_CHANNEL)
    world.open(NOW - 30 * D, {"U0W1": "Europe/London"}, send=False)
    world.run(NOW)  # Monday: not any more
    world.run(datetime(2027, 3, 10, 14, 30, tzinfo=UTC))
    assert _digests(slack, LD_CHANNEL) == [] and len(_digests(slack, "C0SALES")) == 1  # it joined the channel
    assert slack.calls_to("conversations.join")


def test_digest_settings_are_validated(db):
    with db.session() as session, pytest.raises(FormInvalid) as caught:
        digest.save_time(session, TEAM, LENA, "7", "25:00", "", NOW)
    assert set(caught.value.errors) == {Block.DIGEST_WEEKDAY, Block.DIGEST_TIME, Block.DIGEST_CHANNEL}
