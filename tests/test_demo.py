"""`touchpoint demo` tells the whole story on its own, whatever day it starts on, and a newcomer can follow it."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.demo import Demo
from tests.conftest import process_env

# One start in every month of a year, with the awkward ones: a public holiday, a weekend, a Monday morning before
# the digest, the last day of a quarter late at night, the last evening of the year.
STARTS = [
    "2027-01-01T00:05Z",  # New Year's Day
    "2027-02-13T12:00Z",  # a Saturday
    "2027-03-31T23:30Z",  # a quarter's last day, late evening
    "2027-04-05T08:45Z",  # Easter Monday, before the digest
    "2027-05-03T09:30Z",  # a Monday morning, just after the digest's time
    "2027-06-30T16:59Z",  # a quarter's last day, end of the working day in London
    "2027-07-15T03:00Z",
    "2027-08-29T22:00Z",  # a Sunday night
    "2027-09-30T12:00Z",
    "2027-10-11T14:00Z",
    "2027-11-25T18:00Z",  # Thanksgiving in New York
    "2027-12-31T23:30Z",  # the last evening of the year
    "2026-12-01T15:00Z",  # the day the demo first failed
    "2028-02-29T09:15Z",  # a leap day: the month's check-in is too soon after the kickoff, Olu's status update is not
]


def assert_whole_story(out: str) -> None:
    """Everything the demo is there to show, from the first DM to the workbook."""
    # Twice a year Lena gets a calibration pack, records the session and tells each stakeholder what was agreed.
    assert "Touchpoint posts in a DM to Lena Park:\n    │ Calibration pack: Sales onboarding refresh" in out
    assert "┌ Calibration session ┐" in out and "Recorded the calibration session of Sales onboarding refresh" in out
    for person in ("Sam Okafor", "Mei Tanaka", "Olu Adeyemi"):
        assert f"Touchpoint posts in a DM to {person}:\n    │ Hi @{person}! At the calibration session" in out
    assert out.count("What impact do you want this initiative to have?") >= 3
    for person in ("Sam Okafor", "Mei Tanaka", "Olu Adeyemi"):
        assert f"Touchpoint posts in a DM to {person}:\n    │ Hi @{person}!" in out  # each gets the first two questions
    assert "Sales onboarding refresh is open. Its stakeholders get the first two questions" in out  # Lena is told when
    assert "Touchpoint posts in #learning-and-development" in out and "@Sam Okafor answered" in out
    assert "@Sam Okafor updated their answers" in out and "version 2" in out
    # Revising what he wants, Sam is asked whether it changed or only its wording: his word is in the summary.
    assert "If you edited it: has what you want changed, or only its wording?" in out
    assert "in their own words: only the wording changed · the wording judge agrees" in out
    assert "Sales onboarding refresh · 2/3 answered" in out
    assert "only the L&D team" in out
    # Both Home tabs: Sam's own words and where they go; Lena's attention items and the initiative with its index.
    sam_home = out.split("Home of @Sam Okafor", 1)[1].split("└ ┘", 1)[0]
    assert "Sales onboarding refresh" in sam_home and "cleaner handovers" in sam_home and "[ Revise ]" in sam_home
    lena_home = out.split("Home of @Lena Park", 1)[1].split("└ ┘", 1)[0]
    assert "Needs a conversation this week" in lena_home and "@Olu Adeyemi has not answered" in lena_home
    assert "Sales onboarding refresh · alignment" in lena_home and "[ New initiative ]" in lena_home
    assert "┌ Edit initiative ┐" in out and "Sales onboarding refresh changed (recorded in its change log)" in out
    # Lena puts Olu on the stakeholder map as keep informed: he gets a monthly status DM with nothing to answer.
    assert "┌ Stakeholder map ┐" in out and "Saved the stakeholder map of Sales onboarding refresh" in out
    olu_status = "Touchpoint posts in a DM to Olu Adeyemi:\n    │ Where Sales onboarding refresh stands this month"
    assert out.count(olu_status) >= 2 and "For your information: nothing to answer" in out
    assert not re.search(r"(monthly check-in|quarterly review) · @Olu Adeyemi", out)
    assert "A gentle reminder: the two questions about Sales onboarding refresh" in out  # Olu, three working days on
    # Check-ins at 10:00 in each stakeholder's zone and a quarterly review, in whichever order the calendar has them.
    assert re.search(r"(monthly check-in|quarterly review) · @Mei Tanaka", out) and "10:00 in Asia/Tokyo" in out
    assert "checked in on Sales onboarding refresh: priorities shifted: Somewhat · on track: 3/5" in out
    assert (
        "Quarterly review: Sales onboarding refresh" in out
        and "reviewed Sales onboarding refresh: alignment 4/5" in out
    )
    # Sam's priorities shift: the channel is told once, Lena takes the follow-up and records how it ended.
    assert out.count("Priority shifts in Sales onboarding refresh") == 3  # posted, updated by the follow-up, then
    assert "Said their priorities shifted · moderate" in out and "@Lena Park is following up" in out  # its outcome
    assert "┌ Follow-up outcome ┐" in out and "🏁 Talked it through: plan adjusted · recorded by @Lena Park" in out
    assert "Shifts with an outcome (weight 10)" in out
    # The business calendar: Sam is asked about next year, answers with his busiest weeks, and Lena is warned.
    assert "Touchpoint posts in a DM to Sam Okafor:\n    │ Next year is being planned." in out
    assert "When would a rollout hurt (your busiest weeks)?" in out and "┌ Planning next year ┐" in out
    flat = re.sub(r"\s*\n\s*│?\s*", " ", out)  # the transcript wraps long lines
    assert re.search(r"⚠️ Sam said \d+-12 \w+ \d{4} is their busiest time", flat)
    # Weekly digests with the alignment index and its trend, and the index explained on request.
    digests = re.findall(r"Touchpoint posts in #learning-and-development:\n    │ Weekly digest · Mon", out)
    assert len(digests) >= 3
    assert re.search(r"alignment \d+ \(first digest\)", out) and re.search(r"alignment \d+ (▲|▼)\d+", out)
    assert "Agreed impact (weight 20)" in out and "Plan signed off (weight 15)" in out
    # The plan, filled in and sent for sign-off: Sam signs, Mei says something's off, Olu is told for information.
    assert "┌ The plan ┐" in out and "Saved version 1 of the plan of Sales onboarding refresh" in out
    assert (
        "Touchpoint posts in a DM to Sam Okafor:\n    │ Hi @Sam Okafor! @Lena Park from the L&D team has written the plan"
        in out
    )
    assert "✅ You said this matches your plan." in out and "⚠️ You said something's off: Handovers to CS" in out
    assert (
        "Touchpoint posts in a DM to Olu Adeyemi:\n    │ Hi @Olu Adeyemi! @Lena Park from the L&D team shares the plan"
        in out
    )
    # Measures from what stakeholders track, read in two check-ins; the quarter handed over as a workbook.
    assert "Lena confirms: Time to first closed deal (Sam, Salesforce)" in out
    assert "Measures: Time to first closed deal: 41" in out and "Measures: Time to first closed deal: 36" in out
    assert "Wrote " in out and "touchpoint-demo.xlsx" in out


@pytest.mark.parametrize("start", STARTS)
def test_the_demo_tells_the_whole_story_whatever_day_it_starts(start, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines: list[str] = []
    Demo(f"sqlite:///{tmp_path / 'demo.db'}", lines.append, datetime.fromisoformat(start)).run()
    out = "\n".join(lines)
    assert f"starting {datetime.fromisoformat(start).astimezone(UTC):%a %d %b %Y %H:%M} UTC" in out
    assert_whole_story(out)
    workbook = load_workbook(tmp_path / "touchpoint-demo.xlsx")
    assert workbook.sheetnames == [
        "Plan",
        "Initiatives",
        "Stakeholders",
        "Touchpoints",
        "Answers",
        "Measures",
        "Readings",
        "Shifts",
        "Business calendar",
        "Changes",
        "Sign-off",
        "Calibration",
        "Charts",
    ]
    assert [
        r[2:5] for r in workbook["Plan"].iter_rows(values_only=True) if str(r[0]).strip().startswith("Time to first")
    ] == [(48, 36, 30)]
    assert len(workbook["Charts"]._charts) == 3  # response rate, and each measure's readings


def test_the_readme_command_runs_the_demo_on_a_database_of_its_own_now(tmp_path):
    env = process_env(PATH="", HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "touchpoint-demo.db").exists()  # a database of its own, in the working directory
    assert_whole_story(result.stdout)

    again = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--start", "2027-03-31T23:30Z"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "2/3 answered" in again.stdout
    assert "starting Wed 31 Mar 2027 23:30 UTC" in again.stdout
    # A second run starts afresh: its digests are its own, one a week (an earlier run's team would add its own).
    weeks = re.findall(r"Weekly digest · (Mon \d\d \w+ \d{4})", again.stdout)
    assert weeks and len(weeks) == len(set(weeks)), weeks
    assert "WARNING" not in again.stderr, again.stderr

    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--start", "next tuesday"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "is not an instant like 2027-03-31T23:30Z" in refused.stderr
