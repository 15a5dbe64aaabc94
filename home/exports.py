"""CSV and XLSX downloads of a table, safe to open in a spreadsheet.

``export_response(filename=..., header=..., rows=..., fmt=...)`` is all a view needs. Both
formats:

- escape every text cell with ``escape_cell`` (OWASP "CSV injection"): a cell that a
  spreadsheet would read as a formula starts with an apostrophe instead;
- write aware datetimes as naive local time (``TIME_ZONE``), to the second in CSV;
  dates stay dates; numbers stay numbers;
- send ``Cache-Control: no-store`` because exports hold personal data.

CSV is streamed row by row, so ``rows`` may be a lazy iterator; note that it is then consumed
while the response is sent, after the view has returned. XLSX is written with openpyxl's
write-only mode into a spooled temporary file (memory stays bounded for large tables).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

__all__ = ["FORMATS", "XLSX_CONTENT_TYPE", "escape_cell", "export_response"]

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters that make Excel, LibreOffice or Google Sheets start a formula (OWASP), plus
# their full-width forms, which some spreadsheets normalise.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Leading characters a spreadsheet may skip before looking for a trigger: " =1+1" is escaped
# too (LibreOffice's import can trim spaces, and the cost of one apostrophe is nil).
LEADING_BLANKS = " \t\r\n\u00a0\u3000"
PASS_THROUGH = (int, float, Decimal, dt.date, dt.time, dt.timedelta)  # bool is an int

SPOOL_MAX_BYTES = 4 * 1024 * 1024  # XLSX files bigger than this go to disk while sent
MAX_FILENAME = 100


def escape_cell(value):
    """Neutralise spreadsheet formulas: text that could start one gets a leading apostrophe.

    Numbers (int, float, Decimal, bool), dates, datetimes, times and None are returned
    unchanged. Text starting with = + - @ tab or CR, also after leading blanks (spaces, tabs,
    line breaks, no-break spaces) is returned with a "'" in front. Anything else is turned
    into text and escaped the same way. Numbers stored as text ("-5") are escaped too: pass
    numbers as numbers.
    """
    if value is None or isinstance(value, PASS_THROUGH):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip(LEADING_BLANKS).startswith(
        FORMULA_TRIGGERS
    ):
        return "'" + text
    return text


def safe_filename(filename: str) -> str:
    """Keep [A-Za-z0-9._-]; other runs become "-", ".." becomes ".", no leading dot, never empty."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(filename))
    name = re.sub(r"\.{2,}", ".", name).strip(".-")[:MAX_FILENAME]
    return name.strip(".-") or "export"


def export_response(
    *,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    fmt: str,
    sheet_title: str = "",
) -> HttpResponseBase:
    """A download of ``header`` + ``rows`` as ``<filename>.csv`` or ``.xlsx``; 404 otherwise."""
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    name = safe_filename(filename)
    if fmt == "csv":
        response = _csv_response(name, header, rows)
    else:
        response = _xlsx_response(name, header, rows, sheet_title or name)
    response["Cache-Control"] = "no-store"
    return response


def _local(value):
    """openpyxl refuses aware datetimes and CSV readers stumble on offsets: local, naive."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


# --- CSV --------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands back the line, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value):
    value = escape_cell(_local(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value


def _csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel then reads the file as UTF-8
    yield writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([_csv_value(cell) for cell in row])


def _csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence]):
    response = StreamingHttpResponse(_csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


# --- XLSX -------------------------------------------------------------------------------------


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of \ / ? * [ ] :, not blank.
    title = " ".join(re.sub(r"[\\/?*\[\]:]+", " ", str(title)).split())
    return title[:31].strip() or "Export"


def _xlsx_value(value):
    value = escape_cell(_local(value))
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _xlsx_response(name: str, header: Sequence[str], rows: Iterable[Sequence], title: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    header_cells = []
    for heading in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(heading))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(cell) for cell in row])

    # Closed (and so deleted) by FileResponse once sent.
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
