"""Reading an HR org-chart export (CSV or XLSX) and checking every row, before any database work.

One file describes the whole organisation: one row per employee. Every problem is collected
with its row number, so HR can fix the file in one go; nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from learning.models import UNIT_PATH_SEPARATOR

COLUMNS = ("employee_id", "email", "first_name", "last_name", "job_title", "unit_path", "manager")
REQUIRED = ("employee_id", "email", "first_name", "last_name", "unit_path")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_LENGTH = {
    "employee_id": 40,
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "job_title": 120,
    "unit_path": 600,
}
MAX_UNIT_NAME = 120
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class OrgRow:
    line: int  # the row's number in the file, the header being row 1
    employee_id: str
    email: str
    first_name: str
    last_name: str
    job_title: str
    unit_path: str
    manager: bool

    @property
    def unit_names(self) -> list[str]:
        return self.unit_path.split(UNIT_PATH_SEPARATOR)


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    message: str
    field: str = ""

    def __str__(self) -> str:
        where = f"row {self.line}" if self.line else "file"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class OrgFileError(Exception):
    """The file cannot be imported; `problems` lists every reason, by row."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_org_file(content: bytes, filename: str) -> list[OrgRow]:
    """Parse and check an HR export; raises OrgFileError listing every problem."""
    if len(content) > MAX_BYTES:
        raise OrgFileError([Problem(0, f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")])
    if filename.lower().endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif filename.lower().endswith(".csv"):
        table = _csv_rows(content)
    else:
        raise OrgFileError([Problem(0, "upload a .csv or .xlsx file")])
    return _check(table)


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OrgFileError(
            [
                Problem(
                    0,
                    f"the file is not UTF-8 text (bad byte at position {exc.start}); "
                    "save it as 'CSV UTF-8'",
                )
            ]
        ) from exc
    try:
        return [row for row in csv.reader(io.StringIO(text, newline="")) if any(row)]
    except csv.Error as exc:
        raise OrgFileError([Problem(0, f"the CSV cannot be read: {exc}")]) from exc


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise OrgFileError([Problem(0, "the file is not a readable .xlsx workbook")]) from exc
    try:
        sheet = book.worksheets[0]
        return [
            [_cell(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
            if any(value not in (None, "") for value in row)
        ]
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check(table: list[list[str]]) -> list[OrgRow]:
    if not table:
        raise OrgFileError([Problem(0, "the file is empty")])
    header = [name.strip().lower().replace(" ", "_") for name in table[0]]
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(
            Problem(1, f"unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}")
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append(Problem(1, f"missing column(s) {', '.join(missing)}"))
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(Problem(1, f"column(s) named twice: {', '.join(repeated)}"))
    if problems:
        raise OrgFileError(problems)
    if len(table) - 1 > MAX_ROWS:
        raise OrgFileError([Problem(0, f"more than {MAX_ROWS} rows")])

    rows = []
    first_seen = {"employee_id": {}, "email": {}}
    root = None
    for line, cells in enumerate(table[1:], start=2):
        if len(cells) > len(header):
            problems.append(Problem(line, f"{len(cells)} cells for {len(header)} columns"))
            continue
        values = {
            name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)
        }
        row_problems = _check_values(line, values)
        problems += row_problems
        if row_problems:
            continue
        values["email"] = values["email"].lower()
        for key in ("employee_id", "email"):
            earlier = first_seen[key].setdefault(values[key].lower(), line)
            if earlier != line:
                problems.append(Problem(line, f"also on row {earlier}", key))
        names = [part.strip() for part in values["unit_path"].split(UNIT_PATH_SEPARATOR)]
        if root is None:
            root = names[0]
        elif names[0] != root:
            problems.append(
                Problem(line, f'starts at "{names[0]}", other rows at "{root}"', "unit_path")
            )
        rows.append(
            OrgRow(
                line=line,
                employee_id=values["employee_id"],
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                job_title=values.get("job_title", ""),
                unit_path=UNIT_PATH_SEPARATOR.join(names),
                manager=values.get("manager", "").lower() in TRUE,
            )
        )
    if not rows and not problems:
        problems.append(Problem(0, "the file has a header but no employees"))
    if problems:
        raise OrgFileError(problems)
    return rows


def _check_values(line: int, values: dict[str, str]) -> list[Problem]:
    problems = []
    for name in REQUIRED:
        if not values.get(name):
            problems.append(Problem(line, "is empty", name))
    for name, limit in MAX_LENGTH.items():
        if len(values.get(name, "")) > limit:
            problems.append(Problem(line, f"longer than {limit} characters", name))
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(Problem(line, f'"{values["email"]}" is not an email address', "email"))
    flag = values.get("manager", "").lower()
    if flag not in TRUE | FALSE:
        problems.append(Problem(line, f'"{values["manager"]}" is not yes or no', "manager"))
    if values.get("unit_path"):
        names = [part.strip() for part in values["unit_path"].split(UNIT_PATH_SEPARATOR)]
        if any(not name for name in names):
            problems.append(Problem(line, "has an empty unit name (two / in a row?)", "unit_path"))
        elif any(len(name) > MAX_UNIT_NAME for name in names):
            problems.append(
                Problem(line, f"a unit name is longer than {MAX_UNIT_NAME} characters", "unit_path")
            )
        else:
            seen = set()
            for name in names:
                if name.lower() in seen:
                    problems.append(
                        Problem(line, f'"{name}" would contain itself (a cycle)', "unit_path")
                    )
                    break
                seen.add(name.lower())
    return problems
