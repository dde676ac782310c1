"""The clock process's schedule, asked for its fire times rather than run, and the Procfile that starts it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schedules.clock import PASS_JOB_ID, build_scheduler

ROOT = Path(__file__).parent.parent


def test_the_pass_runs_at_start_then_every_interval_never_overlapping():
    start = datetime(2027, 3, 28, 0, 59, 30, tzinfo=UTC)  # across London's clocks going forward
    scheduler = build_scheduler(lambda: None, timedelta(seconds=60), now=start)
    job = scheduler.get_job(PASS_JOB_ID)
    assert job.next_run_time == start
    fire, fires = start, []
    for _ in range(3):
        fire = job.trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        fires.append(fire)
    assert fires == [start + timedelta(seconds=60 * n) for n in (1, 2, 3)]
    assert (job.max_instances, job.coalesce) == (1, True)


def test_the_procfile_runs_a_web_process_and_one_clock():
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert processes == {"release": "touchpoint migrate", "web": "python -m bot", "clock": "touchpoint clock"}
    for command in ("migrate", "clock", "tick"):
        result = subprocess.run([sys.executable, "-m", "bot.cli", command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and "usage: touchpoint" in result.stdout
