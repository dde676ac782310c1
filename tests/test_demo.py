"""`touchpoint demo` runs the loop on its own and prints a conversation a newcomer can follow."""

from __future__ import annotations

import subprocess
import sys

from openpyxl import load_workbook


def test_demo_runs_the_whole_loop_on_the_default_sqlite_database(tmp_path):
    env = {"PATH": "", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "demo"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (tmp_path / "touchpoint.db").exists()  # the default DATABASE_URL, in the working directory
    assert out.count("What impact do you want this initiative to have?") >= 3
    assert "Touchpoint posts in a DM to Sam Okafor" in out
    assert "Touchpoint posts in #learning-and-development" in out and "@Sam Okafor answered" in out
    assert "@Sam Okafor updated their answers" in out and "version 2" in out
    assert "Sales onboarding refresh · 2/3 answered" in out
    assert "only the L&D team" in out
    # Simulated months: check-ins at 10:00 in each stakeholder's zone, a reminder, and a quarterly review.
    assert "monthly check-in · @Mei Tanaka" in out and "10:00 in Asia/Tokyo" in out
    assert "checked in on Sales onboarding refresh: priorities shifted: Somewhat · on track: 3/5" in out
    assert "A gentle reminder: your monthly check-in" in out
    assert "Quarterly review: Sales onboarding refresh" in out and "reviewed Sales onboarding refresh: alignment 4/5" in out
    # Sam's priorities shift: the channel is told once, and Lena takes the follow-up.
    assert out.count("Priority shifts in Sales onboarding refresh") == 2  # posted, then updated by the follow-up
    assert "Said their priorities shifted · moderate" in out and "@Lena Park is following up" in out
    # Weekly digests, with the alignment index and its trend, and the index explained on request.
    assert out.count("Touchpoint posts in #learning-and-development:\n    │ Weekly digest · Mon") >= 3
    assert "alignment 80 (first digest)" in out and "▼" in out
    assert "Agreed impact (weight 25)" in out
    # Measures from what stakeholders track, read in check-ins; and the quarter handed over as a workbook.
    assert "Lena confirms: Time to first closed deal (Sam, Salesforce)" in out
    assert "Measures: Time to first closed deal: 41" in out and "Measures: Time to first closed deal: 36" in out
    workbook = load_workbook(tmp_path / "touchpoint-demo.xlsx")
    assert workbook.sheetnames == ["Plan", "Initiatives", "Stakeholders", "Touchpoints", "Answers", "Measures",
                                   "Readings", "Shifts", "Charts"]
    assert [r[2:5] for r in workbook["Plan"].iter_rows(values_only=True) if str(r[0]).strip().startswith("Time to first")] == [
        (48, 36, 30)]
    assert len(workbook["Charts"]._charts) == 3  # response rate, and each measure's readings

    again = subprocess.run([sys.executable, "-m", "bot.cli", "demo"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0 and "2/3 answered" in again.stdout  # a second run starts a fresh workspace
