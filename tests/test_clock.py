"""The clock process's schedule, asked for its fire times rather than run, and the Procfile that starts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
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


def test_the_procfile_runs_a_web_process_and_one_clock(capsys):
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert processes == {"release": "touchpoint migrate", "web": "python -m bot", "clock": "touchpoint clock"}
    # `touchpoint` is bot.cli:main (pyproject's console script); `python -m bot` is run for real in test_entrypoint.
    for command in ("migrate", "clock", "tick"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0 and "usage: touchpoint" in capsys.readouterr().out
