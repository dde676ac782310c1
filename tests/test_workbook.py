"""The Excel workbook: what an export holds and how (types, headers, filters, formula-safe text, charts), the import
round trip, every refusal, and the Slack side (files_upload_v2, a workbook sent to the DM for import)."""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from bot.cli import main
from bot.exports import reading, workbook
from bot.exports.reading import FileRefused
from bot.ids import Block
from bot.services import export_sheets, exporting, importing
from bot.services.importing import ImportRefused
from bot.services.measures import reading_block
from bot.simulator.webapi import TOKEN
from bot.slack.profiles import Profile
from storage.db import Database
from storage.models import (
    Answer,
    Initiative,
    InitiativeStakeholder,
    Measure,
    Shift,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
)
from tests.conftest import (
    APPBOT,
    CHECK_INS_OUT,
    CHRIS,
    CLOCK_VARIABLES,
    GONE,
    LD_CHANNEL,
    LENA,
    MEI,
    OLU,
    SAM,
    SECRET,
    TEAM,
)
from tests.flows import open_form, rows, submit_form
from tests.scheduling_world import World
from tests.test_measures import MEASURE, _confirm, _measures_modal

EVIL = [
    '=HYPERLINK("http://evil.example","click")',
    "+1 call me",
    "-2 people left",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rReturned",
]
DATA_SHEETS = [
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
]


def _check_in(app, world, user_id, at, **values):
    view = open_form(app, user_id, world.touchpoint_dms(user_id)[-1], at)
    assert submit_form(app, user_id, view, values, at).body == ""


@pytest.fixture
def story(checked_in):
    """A quarter's worth: a measure, check-ins with a reading, a priority shift, and text that looks like formulas."""
    app, world = checked_in
    _confirm(app, _measures_modal(app))
    [measure_id] = [m.id for m in rows(app, Measure)]
    at = CHECK_INS_OUT + timedelta(minutes=10)
    _check_in(
        app,
        world,
        SAM,
        at,
        **{
            Block.PRIORITIES_SHIFTED: "Significantly",
            Block.MATTERS_MOST: EVIL[0],
            Block.ON_TRACK: "2",
            Block.NOTES: EVIL[1],
            reading_block(measure_id): "38",
        },
    )
    _check_in(
        app,
        world,
        OLU,
        at,
        **{Block.PRIORITIES_SHIFTED: "No", Block.MATTERS_MOST: EVIL[3], Block.ON_TRACK: "4", Block.NOTES: EVIL[2]},
    )
    world.run(at + timedelta(minutes=1))
    return app, world


def _workbook(db: Database, scope: exporting.Scope, now: datetime) -> tuple[bytes, Workbook]:
    out = io.BytesIO()
    with db.reading() as session:
        workbook.write(exporting.collect(session, scope, now, "Europe/London"), out)
    return out.getvalue(), load_workbook(io.BytesIO(out.getvalue()))


NOW = CHECK_INS_OUT + timedelta(days=1)


def test_the_workbook_has_every_sheet_with_real_types_headers_and_filters(story):
    app, _ = story
    content, wb = _workbook(app.db, exporting.Scope(TEAM), NOW)
    assert wb.sheetnames == ["Plan", *DATA_SHEETS, "Charts"]
    for title in DATA_SHEETS:
        ws = wb[title]
        assert ws["A1"].font.b and ws.freeze_panes == "A2", title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", title
        assert ws.column_dimensions["A"].width >= 20, title
    answers = list(wb["Answers"].iter_rows(min_row=2, values_only=True))
    assert len(answers) == len(rows(app, Answer))
    assert all(isinstance(r[4], int) and isinstance(r[6], datetime) for r in answers)  # version, answered
    touchpoints = list(wb["Touchpoints"].iter_rows(min_row=2, values_only=True))
    assert len(touchpoints) == len([t for t in rows(app, Touchpoint) if t.status != TouchpointStatus.PENDING])
    assert all(isinstance(r[6], datetime) for r in touchpoints)
    [measure] = list(wb["Measures"].iter_rows(min_row=2, values_only=True))
    assert measure[1] == MEASURE and measure[6] == 45 and isinstance(measure[7], datetime) and measure[8] == 30
    [read] = list(wb["Readings"].iter_rows(min_row=2, values_only=True))
    assert read[1] == MEASURE and read[3] == "value" and read[4] == 38 and isinstance(read[2], datetime)
    assert len(list(wb["Shifts"].iter_rows(min_row=2))) == len(rows(app, Shift)) > 0
    with zipfile.ZipFile(io.BytesIO(content)) as package:  # charts: response rate, and the measure's readings
        assert len([n for n in package.namelist() if n.startswith("xl/charts/chart")]) == 2
    assert len(wb["Charts"]._charts) == 2
    starts = sorted(chart.anchor._from.row for chart in wb["Charts"]._charts)
    assert starts[1] - starts[0] >= 15  # one under the other, not overlapping (a chart is about 14 rows tall)


def test_text_people_typed_is_never_a_formula(story):
    app, _ = story
    content, wb = _workbook(app.db, exporting.Scope(TEAM), NOW)
    typed = {c.value: c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in EVIL[:4]:  # what Sam and Olu typed in their check-ins
        assert typed[text].data_type == "s" and typed[text].quotePrefix, text
    assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        sheets = [package.read(n) for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<f>" in sheet for sheet in sheets)  # no formula anywhere in the file


def test_every_risky_start_is_written_as_text(tmp_path):
    """Slack trims what people type, but older or imported text may start with a tab or a carriage return."""
    wb = Workbook(write_only=True)
    workbook.table(wb, export_sheets.Sheet("Answers", ("Answer",), (40,), [(text,) for text in EVIL]))
    wb.save(tmp_path / "risky.xlsx")
    cells = [row[0] for row in load_workbook(tmp_path / "risky.xlsx")["Answers"].iter_rows(min_row=2)]
    # XML reads a carriage return back as a line feed; either way it is text.
    assert [c.value for c in cells] == [text.replace("\r", "\n") for text in EVIL]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_the_plan_sheet_reads_as_an_ld_plan(story):
    app, _ = story
    _, wb = _workbook(app.db, exporting.Scope(TEAM), NOW)
    cells = [str(c) for row in wb["Plan"].iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    for label in (
        "L&D plan: All initiatives",
        "Sales onboarding refresh",
        "Business goal",
        "Audience and stakeholders",
        "Agreed impact",
        "Success measures",
        "Short-term objectives (12 months)",
        "Long-term objectives (2-3 years)",
        "Obstacles and open priority shifts",
        "Alignment index (0-100)",
    ):
        assert label in cells, label
    assert "New reps reach quota in 4 months, not 6" in text  # the business goal
    assert "New reps close a deal in their first month" in text  # an agreed impact, in the stakeholder's words
    assert "Lower Time to first deal in Salesforce from 45 days to 30 days by December 2027" in text
    assert "said shifted" in text  # Sam's open priority shift
    row = next(r for r in wb["Plan"].iter_rows(values_only=True) if r[0] and MEASURE in str(r[0]))
    assert row[2:5] == (45, 38, 30)  # baseline, latest, target


def test_export_then_import_into_an_empty_database_then_export_gives_the_same_content(story, tmp_path):
    app, _ = story
    first, wb = _workbook(app.db, exporting.Scope(TEAM), NOW)
    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    empty.migrate()
    directory = {u["id"]: Profile(u["real_name"], u["tz"], u["is_bot"], u["deleted"]) for u in app.slack.users.values()}
    with empty.session() as session:
        done = importing.run(session, TEAM, "plan.xlsx", first, directory, LENA, LD_CHANNEL, NOW)
    assert (done.initiatives, done.stakeholders, done.kickoffs) == (1, 2, 2)
    _, again = _workbook(empty, exporting.Scope(TEAM), NOW)
    for title in ("Initiatives", "Stakeholders"):
        assert list(wb[title].values) == list(again[title].values), title
    empty.dispose()


def _filled(initiatives: list[tuple], stakeholders: list[tuple]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Initiatives"
    ws.append(export_sheets.INITIATIVE_COLUMNS)
    for row in initiatives:
        ws.append(row)
    people = wb.create_sheet("Stakeholders")
    people.append(export_sheets.STAKEHOLDER_COLUMNS)
    for row in stakeholders:
        people.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


DIRECTORY = {
    SAM: Profile("Sam", "America/New_York", False, False),
    OLU: Profile("Olu", "Europe/London", False, False),
    MEI: Profile("Mei", "Asia/Tokyo", False, False),
    APPBOT: Profile("Bot", None, True, False),
    GONE: Profile("Gone", None, False, True),
    LENA: Profile("Lena", "Europe/London", False, False),
}


def test_an_import_with_any_bad_row_is_refused_whole_with_every_problem_by_sheet_row_and_column(db):
    content = _filled(
        [
            ("", "A goal"),
            ("Safety refresher", "Fewer injuries"),
            ("safety REFRESHER", "Again"),
            ("Bad channel", "A goal", "", "#general"),
            ("Nobody", "A goal"),
            ("Fine one", "A goal"),
        ],
        [
            ("Safety refresher", "U0NOBODY"),
            ("Safety refresher", SAM),
            ("Safety refresher", SAM),
            ("Unknown initiative", OLU),
            ("Safety refresher", OLU, "", "Mars/Base"),
            ("Safety refresher", MEI, "", "", "next week"),
            ("Safety refresher", APPBOT),
            ("Safety refresher", GONE),
            ("Fine one", OLU),
            ("Bad channel", SAM),
        ],
    )
    with db.session() as session, pytest.raises(ImportRefused) as refused:
        importing.run(session, TEAM, "plan.xlsx", content, DIRECTORY, LENA, LD_CHANNEL, NOW)
    found = {(p.sheet, p.row, p.column.split(" ")[1] if p.column else "") for p in refused.value.problems}
    assert found == {
        ("Initiatives", 2, "A"),
        ("Initiatives", 4, "A"),
        ("Initiatives", 5, "D"),
        ("Initiatives", 6, ""),
        ("Stakeholders", 2, "B"),
        ("Stakeholders", 4, "B"),
        ("Stakeholders", 5, "A"),
        ("Stakeholders", 6, "D"),
        ("Stakeholders", 7, "E"),
        ("Stakeholders", 8, "B"),
        ("Stakeholders", 9, "B"),
    }
    message = refused.value.message
    assert "nothing was changed. 11 problems" in message
    assert "Stakeholders, row 2, column B (Slack user ID): unknown user U0NOBODY" in message
    assert "Initiatives, row 4, column A (Name): “safety REFRESHER” is also on row 3" in message
    assert "Stakeholders, row 7, column E (Paused until): “next week” is not a date like 2027-01-15" in message
    with db.reading() as session:
        assert not session.exec(select(Initiative)).all() and not session.exec(select(InitiativeStakeholder)).all()


def test_a_clean_import_creates_initiatives_stakeholders_and_kickoffs_in_one_go(db, slack):
    content = _filled(
        [("Safety refresher", "Fewer injuries", "", "", "", False), ("Leadership", "Better managers")],
        [
            ("Safety refresher", SAM, "Samuel", "", "2027-04-01"),
            ("leadership", OLU),
            ("leadership", SAM, "Samuel", "", "2027-04-01"),
            ("Safety refresher", MEI),
        ],
    )
    with db.session() as session:
        done = importing.run(session, TEAM, "plan.xlsx", content, DIRECTORY, LENA, LD_CHANNEL, NOW)
    assert (done.initiatives, done.stakeholders, done.kickoffs) == (2, 4, 4)
    with db.reading() as session:
        made = {i.name: i for i in session.exec(select(Initiative))}
        assert made["Safety refresher"].active is False and made["Leadership"].created_by == LENA
        assert {t.status for t in session.exec(select(Touchpoint))} == {TouchpointStatus.PENDING}  # the pass sends them
        paused = {s.user_id: s.paused_until for s in session.exec(select(Stakeholder))}
        assert paused == {SAM: date(2027, 4, 1), OLU: None, MEI: None}
    # The passes until the pause is over: Olu is asked; Sam (paused) and Mei (only in an inactive initiative) are not.
    world = World.make(slack, db)
    world.run_until(NOW, datetime(2027, 4, 1, 23, tzinfo=UTC))
    assert len(world.touchpoint_dms(OLU)) >= 1
    assert slack.messages_in(slack.dm_channel(SAM)) == [] and slack.messages_in(slack.dm_channel(MEI)) == []
    world.run(datetime(2027, 4, 2, 14, tzinfo=UTC))  # Friday 2 April, 10:00 in New York: Leadership asks Sam
    assert len(world.touchpoint_dms(SAM)) == 1 and slack.messages_in(slack.dm_channel(MEI)) == []


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in parts.items():
            package.writestr(name, body)
    return out.getvalue()


def _rows(n: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Stakeholders")
    for k in range(n):
        ws.append([k])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("plan.csv", b"Name,Business goal\n", "is not an .xlsx workbook"),
        ("plan.xlsx", b"Name,Business goal\n", "not a valid .xlsx file"),
        ("plan.xlsx", b"PK" + b"\0" * (10 * 1024 * 1024), "workbooks up to 10 MB"),
        (
            "bomb.xlsx",
            _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)}),
            "expands suspiciously",
        ),
        ("odd.xlsx", _zip({"word/document.xml": b"<document/>"}), "not an Excel workbook"),
        ("big.xlsx", _rows(100_001), "holds 100,001 rows"),
    ],
)
def test_unsafe_files_are_refused_before_parsing(name, content, says):
    with pytest.raises(FileRefused) as refused:
        reading.check(name, content)
    assert says in refused.value.message


# From Slack


def _file_in_dm(app, user_id):
    dm = app.slack.dm_channel(user_id)
    [message] = [m for m in app.slack.messages_in(dm) if m.files]
    return app.slack.files[message.files[0]]


def test_an_ld_member_gets_the_workbook_in_their_dm(story):
    app, _ = story
    reply = app.workspace.slash(LENA, "export")
    app.settle()
    assert "Building the workbook of All initiatives" in reply.json()["text"]
    assert [c.method for c in app.slack.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    shared = _file_in_dm(app, LENA)
    assert shared["name"].startswith("touchpoint-all-initiatives-") and shared["name"].endswith(".xlsx")
    assert load_workbook(io.BytesIO(shared["content"])).sheetnames[0] == "Plan"


def test_a_stakeholder_exports_only_their_own_answers_and_others_are_refused(story):
    app, _ = story
    app.workspace.slash(SAM, "export mine")
    app.settle()
    wb = load_workbook(io.BytesIO(_file_in_dm(app, SAM)["content"]))
    answers = list(wb["Answers"].iter_rows(min_row=2, values_only=True))
    assert answers and {r[2] for r in answers} == {SAM}
    assert {r[1] for r in wb["Stakeholders"].iter_rows(min_row=2, values_only=True)} == {SAM}
    assert EVIL[3] not in str([c for ws in wb.worksheets for c in ws.values])  # nothing Olu said
    assert "Only L&amp;D members can export" in str(app.workspace.slash(CHRIS, "export").json())
    assert "not a stakeholder of any initiative" in str(app.workspace.slash(CHRIS, "export mine").json())


def test_a_workbook_sent_to_the_dm_is_imported_all_or_nothing(app, slack):
    assert "Send the .xlsx to me in our DM" in str(app.workspace.slash(LENA, "import").json())
    app.workspace.slash(LENA, "import template")
    app.settle()
    template = load_workbook(io.BytesIO(_file_in_dm(app, LENA)["content"]))
    assert template.sheetnames == ["How to fill this in", "Initiatives", "Stakeholders"]

    bad = _filled([("Safety refresher", "Fewer injuries")], [("Safety refresher", "U0NOBODY")])
    file_id, message = slack.share_file(LENA, "plan.xlsx", bad, text="import")
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": message.channel,
        "user": LENA,
        "text": "import",
        "ts": message.ts,
        "files": [{"id": file_id, "name": "plan.xlsx"}],
    }
    app.workspace.event(event, event_id="Ev0IMPORT1")
    app.settle()
    told = slack.messages_in(slack.dm_channel(LENA))[-1]
    assert "refused and nothing was changed" in told.text and "unknown user U0NOBODY" in told.text
    assert rows(app, Initiative) == []

    good = _filled([("Safety refresher", "Fewer injuries")], [("Safety refresher", SAM), ("Safety refresher", OLU)])
    file_id, message = slack.share_file(LENA, "plan.xlsx", good, text="Import please")
    app.workspace.event({**event, "files": [{"id": file_id}], "ts": message.ts}, event_id="Ev0IMPORT2")
    app.settle()
    assert "Imported plan.xlsx: 1 initiative and 2 stakeholders" in slack.messages_in(slack.dm_channel(LENA))[-1].text
    assert [i.name for i in rows(app, Initiative)] == ["Safety refresher"]

    file_id, message = slack.share_file(CHRIS, "plan.xlsx", good, text="import")
    app.workspace.event(
        {**event, "user": CHRIS, "channel": message.channel, "files": [{"id": file_id}]}, event_id="Ev0IMPORT3"
    )
    app.settle()
    assert "Only L&amp;D members can import" in slack.messages_in(slack.dm_channel(CHRIS))[-1].text
    assert len(rows(app, Initiative)) == 1


@pytest.fixture
def cli(slack, db, tmp_path, monkeypatch, capsys):
    """`touchpoint ARGS` in this process (the console script is bot.cli:main), with the environment a deployment
    gives it and tmp_path as the working directory; returns the exit code and what it printed."""
    values = dict(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_URL=db.url,
        LD_CHANNEL_ID=LD_CHANNEL,
        LD_ADMIN_USER_IDS=LENA,
    )
    for name in list(os.environ):
        if name not in CLOCK_VARIABLES:
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = main(list(args))
        written = capsys.readouterr()
        return subprocess.CompletedProcess(["touchpoint", *args], code, written.out, written.err)

    return run


def test_template_import_and_export_from_the_command_line(cli, slack, db, tmp_path):
    made = cli("template", "--out", "blank.xlsx")
    assert made.returncode == 0, made.stderr
    wb = load_workbook(tmp_path / "blank.xlsx")
    wb["Initiatives"].append(("Safety refresher", "Fewer injuries"))
    wb["Stakeholders"].append(("Safety refresher", SAM))
    wb.save(tmp_path / "filled.xlsx")
    imported = cli("import", "filled.xlsx")
    assert imported.returncode == 0, imported.stderr
    assert "imported 1 initiatives and 1 stakeholders" in imported.stdout
    refused = cli("import", "filled.xlsx")  # the second time, the name is taken
    assert refused.returncode == 1 and "already exists" in refused.stderr
    exported = cli("export", "--out", "plan.xlsx", "--initiative", "safety refresher")
    assert exported.returncode == 0, exported.stderr
    assert load_workbook(tmp_path / "plan.xlsx")["Initiatives"]["A2"].value == "Safety refresher"
