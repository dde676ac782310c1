"""Reading a workbook for import: refused before parsing when it is not a safe .xlsx, then read row by row.

The checks before parsing look only at the zip's directory and the sheets' declared dimensions: a file that is not
an .xlsx, is over 10 MB, holds more than 100,000 rows, or would expand suspiciously on unzip (a zip bomb) is refused
with a message saying which, and nothing of it is parsed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook

from bot.errors import UserError

SIZE_MAX = 10 * 1024 * 1024
ROWS_MAX = 100_000
UNZIPPED_MAX = 250 * 1024 * 1024  # all parts together, uncompressed
RATIO_MAX = 200  # uncompressed / compressed, for any part over 1 MB uncompressed
PARTS_MAX = 2_000


class FileRefused(UserError):
    """The file was refused before any of it was parsed."""


def check(name: str, content: bytes) -> None:
    """Refuse, with a clear message, a file that is not safe to open."""
    if not name.lower().endswith(".xlsx"):
        raise FileRefused(f"“{name}” is not an .xlsx workbook. Save it from Excel as “Excel Workbook (.xlsx)”.")
    if len(content) > SIZE_MAX:
        raise FileRefused(f"“{name}” is {len(content) / 1024 / 1024:.1f} MB; workbooks up to 10 MB can be imported.")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise FileRefused(f"“{name}” is not a valid .xlsx file (it is not a zip package).")
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        parts = package.infolist()
        if len(parts) > PARTS_MAX:
            raise FileRefused(f"“{name}” holds {len(parts)} parts, far more than a workbook does; it was not opened.")
        if sum(p.file_size for p in parts) > UNZIPPED_MAX:
            raise FileRefused(
                f"“{name}” would expand to more than {UNZIPPED_MAX // 1024 // 1024} MB; it was not opened."
            )
        for part in parts:
            if part.file_size > 1024 * 1024 and part.file_size > RATIO_MAX * max(part.compress_size, 1):
                raise FileRefused(f"“{name}” expands suspiciously when unzipped (like a zip bomb); it was not opened.")
        if "xl/workbook.xml" not in {p.filename for p in parts}:
            raise FileRefused(f"“{name}” is not an Excel workbook (it has no xl/workbook.xml).")
        rows = sum(
            _count_rows(package, p)
            for p in parts
            if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml")
        )
        if rows > ROWS_MAX:
            raise FileRefused(f"“{name}” holds {rows:,} rows; up to {ROWS_MAX:,} can be imported at once.")


def _count_rows(package: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    """The <row> elements of a sheet, counted in its raw bytes (no XML parsing), stopping past the limit."""
    count, tail = 0, b""
    with package.open(part) as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-5:]  # a tag cut in two is counted with the next chunk...
            count -= tail.count(b"<row ") + tail.count(b"<row>")  # ...and not twice
            if count > ROWS_MAX:
                return count
    return count


@dataclass(frozen=True)
class Row:
    sheet: str
    number: int  # as Excel shows it (the header is row 1)
    values: dict[str, object]  # by header, lower-cased
    columns: dict[str, str]  # header (lower-cased) -> column letter


def read(
    content: bytes, sheets: dict[str, tuple[str, ...]]
) -> tuple[dict[str, list[Row]], list[tuple[str, int, str, str]]]:
    """The rows of each wanted sheet (by its header), and the problems found reading them (sheet, row, column,
    message). Counts rows as it goes, in case a sheet did not declare its size."""
    from openpyxl.utils import get_column_letter

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    found: dict[str, list[Row]] = {}
    problems: list[tuple[str, int, str, str]] = []
    total = 0
    try:
        for title, wanted in sheets.items():
            if title not in workbook.sheetnames:
                problems.append(
                    (title, 0, "", f"the workbook has no “{title}” sheet (start from `touchpoint template`)")
                )
                continue
            rows = workbook[title].iter_rows(values_only=True)
            header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
            missing = [w for w in wanted if w.lower() not in header]
            if missing:
                problems.append((title, 1, "", "missing column(s): " + ", ".join(missing)))
                continue
            columns = {h: get_column_letter(i + 1) for i, h in enumerate(header) if h}
            found[title] = []
            for number, values in enumerate(rows, start=2):
                total += 1
                if total > ROWS_MAX:
                    raise FileRefused(f"The workbook holds more than {ROWS_MAX:,} rows; split it and import the parts.")
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                found[title].append(
                    Row(title, number, {h: v for h, v in zip(header, values, strict=False) if h}, columns)
                )
    finally:
        workbook.close()
    return found, problems


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def day(value: object) -> date | None:
    """A date from a date cell or YYYY-MM-DD text; ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())
