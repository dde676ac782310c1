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

from bot.services.exporting import ExportData, PlanBlock, Sheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WRAP_OVER = 60  # text longer than this wraps in its cell
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDE7EE")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def safe_cell(ws, value, *, font: Font | None = None, wrap: bool = False):
    """A cell for `value`: text that could be read as a formula is forced to text; dates get a date format."""
    if isinstance(value, str):
        risky = value.startswith(FORMULA_STARTS)
        if not (risky or font or (wrap and len(value) > WRAP_OVER)):
            return value
        cell = WriteOnlyCell(ws, value=value)
        if risky:
            cell.data_type = "s"  # never a formula
            cell.quotePrefix = True  # and Excel keeps showing it as text when the cell is edited
        if wrap and len(value) > WRAP_OVER:
            cell.alignment = WRAP
        if font:
            cell.font = font
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if font is not None:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = font
        return cell
    return value


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
        ws.append([safe_cell(ws, v, wrap=i in wrap) for i, v in enumerate(row)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.header))}{count + 1}"
    return count


def _plan(wb: Workbook, data: ExportData) -> None:
    ws = wb.create_sheet("Plan")
    ws.column_dimensions["A"].width = 30
    for letter, width in zip("BCDEFG", (60, 16, 16, 16, 16, 14)):
        ws.column_dimensions[letter].width = width
    ws.append([safe_cell(ws, f"L&D plan: {data.title}", font=TITLE)])
    ws.append([safe_cell(ws, f"Exported {data.generated_at:%d %B %Y %H:%M} ({data.tz}) from Touchpoint. "
                             "Stakeholders' words are quoted as they wrote them.")])
    if not data.plan:
        ws.append([])
        ws.append(["Only your own answers are in this workbook: see the Answers sheet."])
    for block in data.plan:
        _plan_block(ws, block)


def _label(ws, text: str, value=None, *more) -> list:
    return [safe_cell(ws, text, font=BOLD), *(safe_cell(ws, v, wrap=True) for v in (value, *more) if v is not None)]


def _plan_block(ws, block: PlanBlock) -> None:
    ws.append([])
    ws.append([safe_cell(ws, block.name, font=TITLE)])
    ws.append(_label(ws, "Business goal", block.business_goal))
    if block.description:
        ws.append(_label(ws, "Overview", block.description))
    ws.append(_label(ws, "Audience and stakeholders", ", ".join(block.stakeholders) or "None yet"))
    ws.append(_label(ws, "Agreed impact", *([] if block.impacts else ["No stakeholder has said yet."])))
    for who, statement in block.impacts:
        ws.append([safe_cell(ws, f"  {who}"), safe_cell(ws, statement, wrap=True)])
    ws.append(_label(ws, "Success measures", *([] if block.measures else ["None agreed yet."])))
    if block.measures:
        ws.append([safe_cell(ws, v, font=BOLD) for v in ("  Measure (owner)", "Where it lives", "Baseline", "Latest", "Target", "Direction")])
        for m in block.measures:
            ws.append([
                safe_cell(ws, f"  {m.name} ({m.owner_user_id})"), safe_cell(ws, m.source, wrap=True),
                m.baseline, m.latest, m.target, m.direction,
            ])
    ws.append(_label(ws, "Short-term objectives (12 months)", "; ".join(block.short_term) or "No measure has a target in the next 12 months."))
    ws.append(_label(ws, "Long-term objectives (2-3 years)", "; ".join(block.long_term)))
    ws.append(_label(ws, "Obstacles and open priority shifts"))
    for line in block.obstacles:
        ws.append(["", safe_cell(ws, line, wrap=True)])
    if block.alignment and block.alignment.value is not None:
        parts = "; ".join(f"{p.label} {round(100 * p.score)}%" for p in block.alignment.parts if p.score is not None)
        ws.append([safe_cell(ws, "Alignment index", font=BOLD), block.alignment.value, safe_cell(ws, parts)])
    else:
        ws.append(_label(ws, "Alignment index", "No active stakeholders yet."))


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
        chart.title, chart.y_axis.title, chart.y_axis.number_format = "Response rate per month", "answered", "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.add_data(Reference(ws, min_col=4, min_row=first - 1, max_row=row - 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=row - 1))
        chart.height, chart.width = 7, 16
        ws.add_chart(chart, "F1")
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
        rows_used = max(len(points) + 3, 15)  # leave room for the chart before the next measure
        for _ in range(rows_used - len(points) - 2):
            ws.append([])
        row += rows_used
