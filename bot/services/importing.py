"""Importing initiatives and their stakeholders from a workbook in the export's layout: all or nothing.

Every row is checked first, against the file itself, the database and the workspace's member list; any problem
rejects the whole file with the list of every problem by sheet, row and column. Only a clean file is imported, in
the caller's single transaction, with a kickoff per stakeholder that the next scheduling pass sends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.errors import UserError
from bot.exports import reading
from bot.ids import USER_ID, Block
from bot.limits import STAKEHOLDERS_MAX
from bot.services import initiatives, pauses
from bot.services.initiatives import NewInitiative, Person, name_key
from storage.repositories import initiatives as initiative_rows

INITIATIVES, STAKEHOLDERS = "Initiatives", "Stakeholders"
REQUIRED: dict[str, tuple[str, ...]] = {
    INITIATIVES: ("Name", "Business goal"),
    STAKEHOLDERS: ("Initiative", "Slack user ID"),
}
SHOWN_MAX = 50
_USER = re.compile(f"^{USER_ID}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_YES, _NO = {"", "true", "yes", "y", "1"}, {"false", "no", "n", "0"}
_FORM_COLUMNS: dict[str, str] = {
    Block.NAME: "Name",
    Block.GOAL: "Business goal",
    Block.DESCRIPTION: "Description",
    Block.STAKEHOLDERS: "",
}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str  # the column's letter and header, or "" for the whole row
    message: str

    def describe(self) -> str:
        where = (
            f"{self.sheet}" + (f", row {self.row}" if self.row else "") + (f", {self.column}" if self.column else "")
        )
        return f"{where}: {self.message}"


class ImportRefused(UserError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"• {p.describe()}" for p in problems[:SHOWN_MAX])
        more = f"\n…and {len(problems) - SHOWN_MAX} more." if len(problems) > SHOWN_MAX else ""
        super().__init__(
            f"The import was refused and nothing was changed. {len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''} to fix:\n{shown}{more}"
        )


@dataclass(frozen=True)
class Imported:
    initiatives: int
    stakeholders: int  # initiative-stakeholder pairs
    kickoffs: int


@dataclass(frozen=True)
class Listed:
    """A stakeholder as the workbook names them (its name and zone over Slack's); a Person."""

    display_name: str
    tz: str | None
    is_bot: bool
    deleted: bool


@dataclass
class _Initiative:
    row: reading.Row
    name: str
    goal: str
    description: str
    channel: str | None
    owner: str
    active: bool
    people: dict[str, Person]
    paused: dict[str, date]


def _column(row: reading.Row, header: str) -> str:
    return f"column {row.columns.get(header.lower(), '?')} ({header})"


def run(
    session: Session,
    team_id: str,
    file_name: str,
    content: bytes,
    directory: Mapping[str, Person],
    importer: str,
    default_channel: str,
    now: datetime,
    default_tz: str = "UTC",
) -> Imported:
    reading.check(file_name, content)
    sheets, read_problems = reading.read(content, REQUIRED)
    problems = [Problem(*p) for p in read_problems]
    planned = _initiatives(session, team_id, sheets.get(INITIATIVES, []), importer, problems)
    _stakeholders(sheets.get(STAKEHOLDERS, []), planned, directory, problems)
    for item in planned.values():
        form = NewInitiative(item.name, item.goal, item.description, tuple(item.people), item.channel)
        for block, message in initiatives.validate(session, team_id, form, item.people).items():
            if block == Block.STAKEHOLDERS and not item.people:
                message = "has no stakeholders in the Stakeholders sheet"
            elif block == Block.STAKEHOLDERS and len(item.people) > STAKEHOLDERS_MAX:
                message = f"has {len(item.people)} stakeholders; an initiative has at most {STAKEHOLDERS_MAX}"
            header = _FORM_COLUMNS.get(block, "")
            problems.append(Problem(INITIATIVES, item.row.number, _column(item.row, header) if header else "", message))
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.sheet != INITIATIVES, p.sheet, p.row)))
    items = list(planned.values())
    people = {user_id: profile for item in items for user_id, profile in item.people.items()}
    forms = [(i.owner, NewInitiative(i.name, i.goal, i.description, tuple(i.people), i.channel)) for i in items]
    created = initiatives.store(session, team_id, forms, people, default_channel, now, default_tz)
    initiative_rows.deactivate_initiatives(
        session, [made.id for item, made in zip(items, created, strict=True) if not item.active]
    )
    paused: dict[date, list[str]] = {}
    for item in items:
        for user_id, until in item.paused.items():
            paused.setdefault(until, []).append(user_id)
    for until, user_ids in paused.items():  # one statement per date, not per person
        pauses.pause_many(session, team_id, user_ids, until, now, default_tz)
    return Imported(len(items), sum(len(i.people) for i in items), sum(len(c.touchpoint_ids) for c in created))


def _initiatives(
    session, team_id: str, rows: list[reading.Row], importer: str, problems: list[Problem]
) -> dict[str, _Initiative]:
    planned: dict[str, _Initiative] = {}
    for row in rows:
        v = row.values
        name = reading.text(v.get("name"))
        key = name_key(name)
        if key and key in planned:
            problems.append(
                Problem(
                    INITIATIVES, row.number, _column(row, "Name"), f"“{name}” is also on row {planned[key].row.number}"
                )
            )
            continue
        channel = reading.text(v.get("summary channel")) or None
        if channel and not _CHANNEL.match(channel):
            problems.append(
                Problem(
                    INITIATIVES,
                    row.number,
                    _column(row, "Summary channel"),
                    f"“{channel}” is not a channel id (like C0123ABCD)",
                )
            )
        owner = reading.text(v.get("owner")) or importer
        if not _USER.match(owner):
            problems.append(
                Problem(INITIATIVES, row.number, _column(row, "Owner"), f"“{owner}” is not a Slack user id")
            )
        active = reading.text(v.get("active")).lower()
        if active not in _YES | _NO:
            problems.append(Problem(INITIATIVES, row.number, _column(row, "Active"), "say TRUE or FALSE"))
        if key:
            planned[key] = _Initiative(
                row,
                name,
                reading.text(v.get("business goal")),
                reading.text(v.get("description")),
                channel,
                owner,
                active not in _NO,
                {},
                {},
            )
        else:
            problems.append(Problem(INITIATIVES, row.number, _column(row, "Name"), "the initiative needs a name"))
    return planned


def _stakeholders(
    rows: list[reading.Row], planned: dict[str, _Initiative], directory: Mapping[str, Person], problems: list[Problem]
) -> None:
    for row in rows:
        v = row.values
        initiative = planned.get(name_key(reading.text(v.get("initiative"))))
        if initiative is None:
            problems.append(
                Problem(
                    STAKEHOLDERS,
                    row.number,
                    _column(row, "Initiative"),
                    f"“{reading.text(v.get('initiative'))}” is not in the Initiatives sheet",
                )
            )
            continue
        user_id = reading.text(v.get("slack user id"))
        person = directory.get(user_id)
        problem = (
            "a Slack user id (like U0123ABCD) is needed"
            if not _USER.match(user_id)
            else f"unknown user {user_id}: nobody in this workspace has that id"
            if person is None
            else f"{user_id} is deactivated in Slack"
            if person.deleted
            else f"{user_id} is an app, not a person"
            if person.is_bot
            else f"{user_id} is listed twice for “{initiative.name}”"
            if user_id in initiative.people
            else None
        )
        if problem:
            problems.append(Problem(STAKEHOLDERS, row.number, _column(row, "Slack user ID"), problem))
            continue
        assert person is not None  # an id the directory does not know is a problem, reported above
        tz = reading.text(v.get("time zone")) or person.tz
        try:
            if tz:
                ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                Problem(
                    STAKEHOLDERS,
                    row.number,
                    _column(row, "Time zone"),
                    f"“{tz}” is not a time zone name (like Europe/London)",
                )
            )
            continue
        try:
            until = reading.day(v.get("paused until"))
        except ValueError:
            problems.append(
                Problem(
                    STAKEHOLDERS,
                    row.number,
                    _column(row, "Paused until"),
                    f"“{reading.text(v.get('paused until'))}” is not a date like 2027-01-15",
                )
            )
            continue
        initiative.people[user_id] = Listed(
            reading.text(v.get("name")) or person.display_name, tz or None, False, False
        )
        if until:
            initiative.paused[user_id] = until
