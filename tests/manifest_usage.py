"""The suite's Slack calls against manifest.json, checked when the session ends (see conftest's hooks).

Every call the app made to the simulated Slack was allowed by the manifest's scopes (the simulator refuses the rest,
as Slack does, and notes them), every method is in the simulator's scope table, and, when the whole suite ran, every
scope the manifest asks for was needed by something the app did. A partial run (some files, -k, -m, a node id)
cannot know the last, so it checks only the first two.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import pytest

from bot.simulator.manifest import Manifest, SlackUsage

TESTS = Path(__file__).parent
SLACK_USAGE = SlackUsage()


class _Run(TypedDict):
    files: set[Path]
    deselected: int
    node_ids: bool


_run: _Run = {"files": set(), "deselected": 0, "node_ids": False}


def note_collected(session: pytest.Session) -> None:
    _run["files"] = {Path(str(item.fspath)).resolve() for item in session.items}
    _run["node_ids"] = any("::" in str(arg) for arg in session.config.args)


def note_deselected(items: list) -> None:
    _run["deselected"] += len(items)


def whole_suite_ran(session: pytest.Session) -> bool:
    every_file = {p.resolve() for p in TESTS.glob("test_*.py")}
    return every_file <= _run["files"] and not _run["deselected"] and not _run["node_ids"] and not session.shouldstop


def check_usage_against_manifest(session: pytest.Session) -> None:
    problems = SLACK_USAGE.problems(Manifest.load(), whole_run=whole_suite_ran(session))
    if not problems:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    heading = "The app and manifest.json disagree" + (
        " (tests failed, which may be why):" if session.testsfailed else ":"
    )
    if reporter is not None:
        reporter.line("")  # after the progress line, which has no newline of its own yet
        for problem in [heading, *problems]:
            reporter.write_line(problem, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
