"""The deploy files agree with the code: the Procfile's and compose's commands exist, the image gets every package,
the buildpack installs the package with the pinned versions, and `touchpoint migrate` migrates and exits."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from sqlalchemy import inspect

from bot.cli import main
from bot.simulator.webapi import TOKEN
from storage.db import Database
from tests.conftest import SECRET, process_env

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _cli_has(command: str) -> bool:
    try:
        main([command, "--help"])
    except SystemExit as exit_:
        return exit_.code == 0
    return False


def _procfile() -> dict[str, str]:
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
    return dict(line.split(":", 1) for line in lines)


def _compose_services() -> dict[str, str]:
    """Each service of compose.yaml and its text (the file is plain YAML in two-space blocks; no YAML library here)."""
    text = (ROOT / "compose.yaml").read_text()
    services = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    return dict(re.findall(r"^  ([a-z]+):\n((?:    .*\n|\n)*)", services + "\n", flags=re.MULTILINE))


def _pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split(";")[0].split("==")
            pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return pins


def test_the_procfile_runs_web_clock_and_a_release_phase_that_migrates(capsys):
    processes = _procfile()
    assert set(processes) == {"release", "web", "clock"}
    assert processes["release"].split() == ["touchpoint", "migrate"]
    assert processes["web"].split() in (["python", "-m", "bot"], ["touchpoint", "serve"])
    assert processes["clock"].split() == ["touchpoint", "clock"]
    for command in ("migrate", "serve", "clock"):
        assert _cli_has(command), command
    assert not _cli_has("no-such-command")  # the check itself can fail
    capsys.readouterr()


def test_compose_starts_db_then_migrate_then_web_and_clock_from_the_dockerfile(capsys):
    services = _compose_services()
    assert set(services) == {"db", "migrate", "web", "clock"}
    text = (ROOT / "compose.yaml").read_text()
    assert re.search(r"^x-touchpoint: &touchpoint\n  build: \.\n", text, flags=re.MULTILINE)
    for name, command in (("migrate", "migrate"), ("web", "serve"), ("clock", "clock")):
        body = services[name]
        assert "<<: *touchpoint" in body and f'command: ["{command}"]' in body, name
        assert _cli_has(command)
        assert "db:\n        condition: service_healthy" in body, name
    for name in ("web", "clock"):
        assert "migrate:\n        condition: service_completed_successfully" in services[name]
        assert "healthcheck:" in services[name]
    assert "/healthz" in services["web"] and "healthcheck:" in services["db"]
    capsys.readouterr()


def test_the_image_copies_every_package_and_installs_with_the_constraints_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, flags=re.MULTILINE)
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    assert copied == packages
    assert "RUN pip install -c constraints.txt ." in dockerfile
    [user] = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert user.split(":")[0] not in ("root", "0")
    assert 'ENTRYPOINT ["touchpoint"]' in dockerfile and 'CMD ["serve"]' in dockerfile


def test_the_build_context_lets_the_package_in_and_keeps_secrets_and_databases_out():
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") + 1 :] and "*" in ignore  # everything out, then only what the image needs
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    dockerfile = (ROOT / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (.+) \./?\S*$", dockerfile, flags=re.MULTILINE):
        for source in copied.split():
            assert source in allowed, source
    assert not {".env", ".venv", "tests"} & allowed
    assert "**/.env" in ignore and "**/*.db" in ignore


def test_the_buildpack_installs_this_package_with_every_dependency_pinned():
    requirements = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert requirements == ["-c constraints.txt", "."]
    pins = _pinned()
    for dependency in PYPROJECT["project"]["dependencies"]:
        name = re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~ ;]", dependency, maxsplit=1)[0].lower())
        assert name in pins, f"{name} is not pinned in constraints.txt"
    version = (ROOT / ".python-version").read_text().strip()
    assert version == "3.11" and f"python:{version}-" in (ROOT / "Dockerfile").read_text()


def test_touchpoint_migrate_brings_an_empty_database_to_the_schema_and_exits_0(tmp_path):
    url = f"sqlite:///{tmp_path / 'touchpoint.db'}"
    env = {
        **process_env("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV"),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "LD_CHANNEL_ID": "C0LDTEAM",
        "LD_ADMIN_USER_IDS": "U0LENA",
        "DATABASE_URL": url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the database schema is current"
    db = Database(url)
    try:
        assert {"initiative", "touchpoint", "answer"} <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
