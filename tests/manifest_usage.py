"""The suite's Slack calls against manifest.json, checked when the session ends (see conftest's hooks).

Every call the app made to the simulated Slack was allowed by the manifest's scopes (the simulator refuses the rest,
as Slack does, and notes them), every method is in the simulator's scope table, and, when the whole suite ran, every
scope the manifest asks for was needed by something the app did. A partial run (some files, -k, -m, a node id)
cannot know the last, so it checks only the first two.

Under pytest-xdist each worker notes its own run; the workers hand what they noted to the controller
(`workeroutput`), which merges them and checks once, for the whole run.
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


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def note_collected(session: pytest.Session) -> None:
    _run["files"] = {Path(str(item.fspath)).resolve() for item in session.items}
    _run["node_ids"] = any("::" in str(arg) for arg in session.config.args)


def note_deselected(items: list) -> None:
    _run["deselected"] += len(items)


def hand_to_controller(config: pytest.Config) -> None:
    """A worker's part of the run, in the plain types xdist can send."""
    config.workeroutput["slack_usage"] = {  # type: ignore[attr-defined]
        "methods": sorted(SLACK_USAGE.methods),
        "scopes": sorted(SLACK_USAGE.scopes),
        "refused": list(SLACK_USAGE.refused),
        "files": sorted(str(f) for f in _run["files"]),
        "deselected": _run["deselected"],
        "node_ids": _run["node_ids"],
    }


def take_from_worker(node) -> None:
    """The controller's side: fold a finished worker's part into this process's run."""
    part = getattr(node, "workeroutput", {}).get("slack_usage")
    if part is None:  # a worker that crashed hands nothing; its tests are reported failed by xdist
        return
    SLACK_USAGE.methods.update(part["methods"])
    SLACK_USAGE.scopes.update(part["scopes"])
    SLACK_USAGE.refused.extend(part["refused"])
    _run["files"] |= {Path(f) for f in part["files"]}
    # Every worker collects the whole run and deselects the same items: the largest count is the run's.
    _run["deselected"] = max(_run["deselected"], part["deselected"])
    _run["node_ids"] = _run["node_ids"] or part["node_ids"]


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
