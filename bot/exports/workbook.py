"""Writing the workbook with openpyxl in write-only mode: rows stream to disk, so memory stays flat however many
answers there are.

Everything a person typed is written as text that Excel shows and never evaluates: a value starting with =, +, -,
@, a tab or a carriage return is stored as an inline string with Excel's quote prefix, the same as typing '=...
"""

from __future__ import annotations

from datetime import date, datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.services.export_plan import PlanBlock
from bot.services.export_sheets import Sheet
from bot.services.exporting import ExportData
from bot.services.stakeholder_map import Quadrant

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_RISKY_FIRST = frozenset(FORMULA_STARTS)
WRAP_OVER = 60  # text longer than this wraps in its cell
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDE7EE")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
CHART_ROWS = 16  # rows a chart of 7 cm covers, with a margin


def safe_cell(ws, value, *, font: Font | None = None, wrap: bool = False, top: bool = False):
    """A cell for `value`: text that could be read as a formula is forced to text, dates get a date format, long
    text wraps (`wrap`), or every cell wraps and sits at the top (`top`). Plain values stay plain: that is fast."""
    risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    long = wrap and isinstance(value, str) and len(value) > WRAP_OVER
    number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT if isinstance(value, date) else None
    if not (risky or long or number_format or font or top):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if risky:
        cell.data_type = "s"  # never a formula
        cell.quotePrefix = True  # and Excel keeps showing it as text when the cell is edited
    if number_format:
        cell.number_format = number_format
    if long or top:
        cell.alignment = WRAP
    if font:
        cell.font = font
    return cell


def write(data: ExportData, out: str | IO[bytes]) -> None:
    wb = Workbook(write_only=True)
    _plan(wb, data)
    for sheet in data.sheets:
        table(wb, sheet)
    _trends(wb, data)
    wb.save(out)


def table(wb: Workbook, sheet: Sheet) -> int:
    ws = wb.create_sheet(sheet.title)
    ws.freeze_panes = "A2"
    for n, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    header = []
    for title in sheet.header:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        header.append(cell)
    ws.append(header)
    count = 0
    wrap = sheet.wrap
    for row in sheet.rows:
        cells = list(row)
        for i, value in enumerate(cells):  # the fast path: only text that needs it becomes a styled cell
            if (
                value.__class__ is str
                and value
                and (value[0] in _RISKY_FIRST or (i in wrap and len(value) > WRAP_OVER))
            ):
                cells[i] = safe_cell(ws, value, wrap=i in wrap)
        ws.append(cells)
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.header))}{count + 1}"
    return count


PLAN_WIDTHS = (36, 70, 40, 12, 12, 12)  # the third holds the stakeholder map's high-interest names
LINE_HEIGHT = 15


class _PlanSheet:
    """The Plan sheet, row by row; rows with wrapped text get a height that shows all of it (write-only mode
    cannot size rows afterwards, and spreadsheet programs do not on opening)."""

    def __init__(self, wb: Workbook) -> None:
        self.ws = wb.create_sheet("Plan", 0)
        for n, width in enumerate(PLAN_WIDTHS, start=1):
            self.ws.column_dimensions[get_column_letter(n)].width = width
        self.row = 0

    def add(self, *values, bold_first: bool = False, font: Font | None = None) -> None:
        self.row += 1
        lines = max((_lines(v, PLAN_WIDTHS[i]) for i, v in enumerate(values) if isinstance(v, str)), default=1)
        if lines > 1:
            self.ws.row_dimensions[self.row].height = LINE_HEIGHT * lines
        cells = []
        for i, value in enumerate(values):
            first = i == 0 and (bold_first or font is not None)
            cells.append(safe_cell(self.ws, value, font=(font or BOLD) if first else None, top=True))
        self.ws.append(cells)


def _lines(text: str, width: int) -> int:
    """How many lines a wrapped cell of `width` characters needs for `text` (a generous estimate)."""
    per_line = max(int(width * 1.15), 1)
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _plan(wb: Workbook, data: ExportData) -> None:
    sheet = _PlanSheet(wb)
    sheet.add(f"L&D plan: {data.title}", font=TITLE)
    sheet.add(
        f"Exported {data.generated_at:%d %B %Y %H:%M} ({data.tz}) from Touchpoint.",
        "Stakeholders' words are quoted as they wrote them.",
    )
    if not data.plan:
        sheet.add("")
        sheet.add("Only your own answers are in this workbook: see the Answers sheet.")
    for block in data.plan:
        _plan_block(sheet, block)


def _plan_block(sheet: _PlanSheet, block: PlanBlock) -> None:
    sheet.add("")
    sheet.add(block.name, font=TITLE)
    sheet.add("Business goal", block.business_goal, bold_first=True)
    if block.description:
        sheet.add("Overview", block.description, bold_first=True)
    if block.written_version is not None and block.written_at is not None:
        # as the L&D member wrote it, and as its stakeholders were asked to sign it (the Sign-off sheet)
        sheet.add(f"The plan (version {block.written_version}, {block.written_at:%d %b %Y})", bold_first=True)
        for label, text in block.written:
            sheet.add(f"   {label}", text)
    sheet.add("Audience and stakeholders", ", ".join(block.stakeholders) or "None yet", bold_first=True)
    sheet.add("Agreed impact", "" if block.impacts else "No stakeholder has said yet.", bold_first=True)
    for who, statement in block.impacts:
        sheet.add(f"   {who}", statement)
    sheet.add("Success measures", "" if block.measures else "None agreed yet.", bold_first=True)
    if block.measures:
        sheet.add(
            "   Measure (reported by)", "Where it lives", "Baseline", "Latest", "Target", "Better when", font=BOLD
        )
        for m in block.measures:
            sheet.add(f"   {m.name} ({m.owner_name})", m.source, m.baseline, m.latest, m.target, m.direction)
    sheet.add(
        "Short-term objectives (12 months)",
        "\n".join(block.short_term) or "No measure has a target in the next 12 months.",
        bold_first=True,
    )
    sheet.add("Long-term objectives (2-3 years)", "\n".join(block.long_term), bold_first=True)
    sheet.add("Obstacles and open priority shifts", "\n".join(block.obstacles), bold_first=True)
    if block.alignment and block.alignment.value is not None:
        sheet.add("Alignment index (0-100)", block.alignment.value, bold_first=True)
        sheet.add(
            "", " · ".join(f"{p.label} {round(100 * p.score)}%" for p in block.alignment.parts if p.score is not None)
        )
    else:
        sheet.add("Alignment index (0-100)", "No active stakeholders yet.", bold_first=True)
    _stakeholder_map(sheet, block)


def _stakeholder_map(sheet: _PlanSheet, block: PlanBlock) -> None:
    """The power/interest grid as a 2x2 of names: influence down the side, interest across the top. (A scatter chart
    would put everyone of a quadrant on the same point: high and low are all there is to plot.)"""
    names = {q: ", ".join(people) or "-" for q, people in block.stakeholder_map}
    sheet.add("Stakeholder map", "Low interest", "High interest", bold_first=True)
    sheet.add(
        "   High influence",
        f"Keep satisfied: {names.get(Quadrant.KEEP_SATISFIED, '-')}",
        f"Manage closely: {names.get(Quadrant.MANAGE_CLOSELY, '-')}",
    )
    sheet.add(
        "   Low influence",
        f"Monitor: {names.get(Quadrant.MONITOR, '-')}",
        f"Keep informed: {names.get(Quadrant.KEEP_INFORMED, '-')}",
    )


def _trends(wb: Workbook, data: ExportData) -> None:
    """Response rate per month, and each measure's readings against its baseline and target, as charts."""
    ws = wb.create_sheet("Charts")
    ws.column_dimensions["A"].width = 14
    ws.append([safe_cell(ws, "Response rate per month", font=TITLE)])
    ws.append([safe_cell(ws, v, font=BOLD) for v in ("Month", "Sent", "Answered", "Response rate")])
    first = 3
    for month, sent, answered in data.responses:
        rate = WriteOnlyCell(ws, value=answered / sent if sent else 0)
        rate.number_format = "0%"
        ws.append([month, sent, answered, rate])
    row = first + len(data.responses)
    if data.responses:
        chart = BarChart()
        chart.title, chart.y_axis.title, chart.y_axis.number_format = "Response rate per month", "share answered", "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.add_data(Reference(ws, min_col=4, min_row=first - 1, max_row=row - 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=row - 1))
        chart.height, chart.width = 7, 16
        ws.add_chart(chart, "F1")
    for _ in range(max(1, CHART_ROWS + 1 - row)):  # the next chart starts below this one, however few months
        ws.append([])
        row += 1
    for measure, points in data.series:
        ws.append([safe_cell(ws, f"{measure.name}" + (f" ({measure.unit})" if measure.unit else ""), font=BOLD)])
        ws.append([safe_cell(ws, v, font=BOLD) for v in ("Date", "Reading", "Baseline", "Target")])
        start = row + 2
        for day, value in points:
            ws.append([safe_cell(ws, day), value, measure.baseline, measure.target])
        end = start + len(points) - 1
        chart = LineChart()
        chart.title = measure.name[:100]
        chart.add_data(Reference(ws, min_col=2, max_col=4, min_row=start - 1, max_row=end), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=start, max_row=end))
        chart.height, chart.width = 7, 16
        ws.add_chart(chart, f"F{row}")
        rows_used = max(len(points) + 3, CHART_ROWS)  # leave room for the chart before the next measure
        for _ in range(rows_used - len(points) - 2):
            ws.append([])
        row += rows_used
