"""A measure whose latest reading runs behind the straight line from its baseline (on the day it was confirmed) to
its target (on its date, or a year later): an attention item of the digest and the L&D Home, on either side of the
line, for measures where higher is better and where lower is better."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.blocks.digest import attention_line, digest_messages
from bot.blocks.home import ld_home as ld_home_view
from bot.services import digest, home
from bot.services.measures import MeasureRow, behind, expected_on
from storage.models import Initiative, InitiativeStakeholder, Measure, Reading, Stakeholder, saved_id
from tests.conftest import LD_CHANNEL, LENA, SAM, TEAM
from tests.slack_contract import assert_valid_message, assert_valid_view

CONFIRMED = date(2027, 1, 1)
TARGET_ON = date(2027, 12, 27)  # 360 days on: the line moves 1/360 of the way a day
HALF_WAY = date(2027, 6, 30)  # 180 days on


def _measure(baseline, target, latest, latest_on=HALF_WAY, target_on=TARGET_ON) -> MeasureRow:
    return MeasureRow(
        1, "Time to first deal", SAM, "", "days", "lower", baseline, CONFIRMED, target, target_on, latest, latest_on,
        confirmed_on=CONFIRMED,
    )  # fmt: skip


def test_the_line_runs_from_the_baseline_on_confirmation_to_the_target_on_its_date():
    m = _measure(45, 9, None)
    assert expected_on(m, date(2026, 12, 1)) == 45  # before it starts: the baseline
    assert expected_on(m, HALF_WAY) == 27
    assert expected_on(m, date(2028, 6, 1)) == 9  # after the target's date: the target
    # A target without a date of its own is due a year after confirmation.
    assert expected_on(_measure(0, 365, None, target_on=None), date(2027, 2, 1)) == 31


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "is_behind"),
    [
        (45, 9, 30, True),  # lower is better: 30 where the line says 27 by now
        (45, 9, 27, False),  # on the line
        (45, 9, 20, False),  # ahead of it
        (45, 9, 28.7, False),  # 1.7 behind, within 5% of the 36 from baseline to target
        (45, 9, 28.9, True),  # 1.9 behind
        (10, 46, 25, True),  # higher is better: 25 where the line says 28
        (10, 46, 28, False),
        (10, 46, 35, False),
        (10, 10, 0, False),  # a target equal to its baseline draws no line
    ],
)
def test_behind_the_line_on_either_side_in_either_direction(baseline, target, latest, is_behind):
    found = behind(7, _measure(baseline, target, latest))
    assert (found is not None) == is_behind
    if found:
        assert (found.initiative_id, found.value, found.expected, found.read_on) == (
            7,
            latest,
            27 if target < baseline else 28,
            HALF_WAY,
        )


def test_no_line_without_a_baseline_a_target_or_a_reading():
    assert behind(1, _measure(None, 9, 50)) is None
    assert behind(1, _measure(45, None, 50)) is None
    assert behind(1, _measure(45, 9, None)) is None


def _initiative_with_measure(session, name: str, baseline: float, target: float, latest: float) -> None:
    initiative = Initiative(
        team_id=TEAM, name=name, name_key=name.casefold(), business_goal="A goal", summary_channel_id=LD_CHANNEL,
        created_by=LENA,
    )  # fmt: skip
    session.add(initiative)
    stakeholder = Stakeholder(team_id=TEAM, user_id=SAM + name[:3].upper(), display_name="Sam")
    session.add(stakeholder)
    session.flush()
    session.add(
        InitiativeStakeholder(
            team_id=TEAM, initiative_id=saved_id(initiative), stakeholder_id=saved_id(stakeholder), planned=True,
            has_impact=True, has_tracking=True,
        )
    )  # fmt: skip
    measure = Measure(
        team_id=TEAM, initiative_id=saved_id(initiative), name="Time to <!channel> first deal", name_key=name,
        owner_id=saved_id(stakeholder), unit="days", direction="lower", baseline=baseline, baseline_on=CONFIRMED,
        target=target, target_on=TARGET_ON, confirmed_by=LENA, confirmed_at=datetime(2027, 1, 1, 12, tzinfo=UTC),
    )  # fmt: skip
    session.add(measure)
    session.flush()
    session.add(
        Reading(
            team_id=TEAM, measure_id=saved_id(measure), value=latest, read_on=HALF_WAY, given_by=stakeholder.user_id
        )
    )


def test_the_digest_and_the_ld_home_flag_a_measure_behind_its_line(db):
    now = datetime(2027, 7, 5, 9, tzinfo=UTC)  # a Monday
    with db.session() as session:
        _initiative_with_measure(session, "Behind", 45, 9, 30)
        _initiative_with_measure(session, "Ahead", 45, 9, 25)
    with db.reading() as session:
        found = digest.build(session, TEAM, now, "2027-07-05")
        picture = home.ld_home(session, TEAM, LENA, now, "UTC", page=1, per_page=40)
    [item] = [a for a in found.attention if a.reason == "behind_line"]
    assert item.initiative_name == "Behind"
    line = attention_line(item)
    assert (
        line
        == "*Behind*: Time to &lt;!channel&gt; first deal: 30 days where the line to its target says 27 days by 30 Jun"
    )
    [message, *_] = digest_messages(found)
    assert_valid_message(message.text, message.blocks)
    assert line in str([b.to_dict() for b in message.blocks])
    assert [a.reason for a in picture.attention if a.reason == "behind_line"] == ["behind_line"]
    view = ld_home_view(picture)
    assert_valid_view(view)
    assert line in str(view.to_dict())
