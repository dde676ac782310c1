"""The blank workbook a team fills in to import its initiatives and stakeholders."""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook

from bot.exports.workbook import TITLE, safe_cell, table
from bot.ids import COMMAND
from bot.services.export_sheets import INITIATIVE_COLUMNS, STAKEHOLDER_COLUMNS, Sheet

HOW_TO = (
    "Fill in one row per initiative on the Initiatives sheet, and one row per stakeholder of an initiative on the "
    "Stakeholders sheet. Then run `touchpoint import FILE.xlsx`, or send the file to Touchpoint in a DM after "
    f"`{COMMAND} import`.",
    "Initiatives: Name and Business goal are required. Summary channel is a channel id (C0123ABCD; empty: the L&D "
    "channel). Owner is the Slack user id of the L&D member who owns it (empty: whoever imports). Active: TRUE or FALSE.",
    "Stakeholders: Initiative is the initiative's name as on the Initiatives sheet; Slack user ID is the person's id "
    "(in Slack: their profile, ⋮, Copy member ID). Name, Time zone (like Europe/London) and Paused until "
    "(YYYY-MM-DD) are optional: Slack's profile fills them in. At most 25 stakeholders per initiative.",
    "The import is all or nothing: if any row has a problem, nothing is imported and every problem is listed by "
    "sheet, row and column. Each stakeholder is then asked the two alignment questions in a DM.",
)


def write(out: str | IO[bytes]) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("How to fill this in")
    ws.column_dimensions["A"].width = 120
    ws.append([safe_cell(ws, "Touchpoint import template", font=TITLE)])
    for line in HOW_TO:
        ws.append([safe_cell(ws, line, wrap=True)])
    table(wb, Sheet("Initiatives", INITIATIVE_COLUMNS, (34, 50, 60, 18, 14, 8), []))
    table(wb, Sheet("Stakeholders", STAKEHOLDER_COLUMNS, (34, 14, 24, 22, 14), []))
    wb.save(out)
