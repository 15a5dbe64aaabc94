"""CSV / XLSX exports (home/exports.py) and the export links component.

A tiny URLconf in this module puts export_response behind a real view, so the download is
tested through HTTP like any page's export would be.
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from home.exports import XLSX_CONTENT_TYPE, escape_cell, export_response

UTC = dt.UTC
SUMMER = dt.datetime(2024, 7, 1, 9, 30, tzinfo=UTC)  # 10:30 in London (BST)
WINTER = dt.datetime(2024, 1, 15, 12, 0, tzinfo=UTC)  # 12:00 in London (GMT)
HEADER = ["Name", "=Unit", "Score", "Passed", "Completed on", "Last seen"]
ROWS = [
    ["Ada Lovelace", "Sales", 92.5, True, dt.date(2024, 7, 1), SUMMER],
    ["=HYPERLINK(\"http://evil.example\",\"x\")", "+Support", 40, False, None, None],
    ["@SUM(A1:A2)", " -1+2", Decimal("71.25"), True, dt.date(2024, 1, 15), WINTER],
    ["Zoë, \"Quotes\"\nand a line break", "\tTabbed", -3, False, None, None],
]  # fmt: skip


def export_view(request, fmt):
    rows = ROWS * int(request.GET.get("times", 1))
    return export_response(
        filename=request.GET.get("name", "team-report"),
        header=HEADER,
        rows=iter(rows),
        fmt=fmt,
        sheet_title="Team: North/South [2024]",
    )


urlpatterns = [path("export/<str:fmt>/", export_view)]
pytestmark = pytest.mark.urls(__name__)


def content(response):
    return b"".join(response.streaming_content)


# --- escape_cell --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\tplain", "'\tplain"),
        ("\rplain", "'\rplain"),
        # decided: a trigger after leading blanks is escaped too (some importers trim them)
        ("  =1+1", "'  =1+1"),
        ("\n-2", "'\n-2"),
        ("\u00a0@x", "'\u00a0@x"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("x-1", "x-1"),
        ("'=1", "'=1"),  # already text for a spreadsheet
        ("", ""),
        ("   ", "   "),
        (gettext_lazy("=lazy"), "'=lazy"),
        (42, 42),
        (-42, -42),
        (1.5, 1.5),
        (-0.25, -0.25),
        (Decimal("-2.50"), Decimal("-2.50")),
        (True, True),
        (dt.date(2024, 7, 1), dt.date(2024, 7, 1)),
        (
            dt.datetime(2024, 7, 1, 9, 30, tzinfo=UTC),
            dt.datetime(2024, 7, 1, 9, 30, tzinfo=UTC),
        ),
        (None, None),
    ],
)
def test_escape_cell(value, expected):
    result = escape_cell(value)
    assert result == expected
    assert type(result) is type(expected)


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_download_parses_back_to_the_escaped_input(client):
    response = client.get("/export/csv/")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="team-report.csv"'
    assert response["Cache-Control"] == "no-store"

    body = content(response)
    assert body.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert parsed == [
        ["Name", "'=Unit", "Score", "Passed", "Completed on", "Last seen"],
        # 09:30 UTC in July is 10:30 in London (summer time)
        ["Ada Lovelace", "Sales", "92.5", "True", "2024-07-01", "2024-07-01 10:30:00"],
        ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+Support", "40", "False", "", ""],
        ["'@SUM(A1:A2)", "' -1+2", "71.25", "True", "2024-01-15", "2024-01-15 12:00:00"],
        ["Zoë, \"Quotes\"\nand a line break", "'\tTabbed", "-3", "False", "", ""],
    ]  # fmt: skip


def test_csv_streams_rows_lazily():
    consumed = []

    def rows():
        for n in range(3):
            consumed.append(n)
            yield [f"row {n}", n]

    response = export_response(filename="lazy", header=["a", "b"], rows=rows(), fmt="csv")
    assert consumed == []  # nothing read before the response is sent
    chunks = iter(response.streaming_content)
    assert next(chunks) == "\ufeff".encode()
    assert next(chunks) == b"a,b\r\n"
    assert next(chunks) == b"row 0,0\r\n"
    assert consumed == [0]  # one row at a time
    assert b"".join(chunks) == b"row 1,1\r\nrow 2,2\r\n"


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_download_loads_back_with_types(client):
    response = client.get("/export/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="team-report.xlsx"'
    assert response["Cache-Control"] == "no-store"

    workbook = load_workbook(io.BytesIO(content(response)))
    sheet = workbook.active
    assert sheet.title == "Team North South 2024"  # \ / ? * [ ] : are not allowed
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("Name", "'=Unit", "Score", "Passed", "Completed on", "Last seen"),
        ("Ada Lovelace", "Sales", 92.5, True, dt.datetime(2024, 7, 1),
         dt.datetime(2024, 7, 1, 10, 30)),
        ("'=HYPERLINK(\"http://evil.example\",\"x\")", "'+Support", 40, False, None, None),
        ("'@SUM(A1:A2)", "' -1+2", 71.25, True, dt.datetime(2024, 1, 15),
         dt.datetime(2024, 1, 15, 12, 0)),
        ("Zoë, \"Quotes\"\nand a line break", "'\tTabbed", -3, False, None, None),
    ]  # fmt: skip
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    # numbers are numeric cells, formula-looking text is text, dates are dates
    assert [sheet.cell(row=r, column=3).data_type for r in range(2, 6)] == ["n"] * 4
    assert sheet["A3"].data_type == "s" and sheet["A3"].value.startswith("'")
    assert sheet["B2"].data_type == "s"
    assert sheet["E2"].is_date and sheet["F2"].is_date
    assert sheet["E2"].number_format == "yyyy-mm-dd"  # a date, not a datetime
    assert sheet["F2"].number_format == "yyyy-mm-dd h:mm:ss"


def test_xlsx_drops_characters_excel_cannot_store():
    response = export_response(
        filename="x", header=["a"], rows=[["bell\x07 and null\x00"]], fmt="xlsx"
    )
    sheet = load_workbook(io.BytesIO(content(response))).active
    assert sheet["A2"].value == "bell and null"


def test_xlsx_with_2000_rows_of_30_columns(client):
    header = [f"Column {c}" for c in range(30)]
    rows = ([r * 30 + c if c % 3 else f"=r{r}c{c}" for c in range(30)] for r in range(2000))
    response = export_response(filename="big", header=header, rows=rows, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content(response)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2001
    assert values[1][:3] == ("'=r0c0", 1, 2)
    assert values[2000][-2:] == (1999 * 30 + 28, 1999 * 30 + 29)


# --- both ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "CSV", "", "xls"])
def test_unknown_format_is_not_found(client, db, fmt):  # db: the 404 page reads settings
    with pytest.raises(Http404):
        export_response(filename="x", header=["a"], rows=[], fmt=fmt)
    if fmt:
        assert client.get(f"/export/{fmt}/").status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("team-report_2024.v2", "team-report_2024.v2"),
        ("Team A/../Ünits; rm -rf", "Team-A-.-nits-rm--rf"),
        ('evil"\r\nSet-Cookie: x=1', "evil-Set-Cookie-x-1"),
        ("../../etc/passwd", "etc-passwd"),
        (".hidden", "hidden"),
        ("///", "export"),
        ("", "export"),
        ("a" * 150, "a" * 100),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_filename_is_sanitised(client, name, expected, fmt):
    response = client.get(f"/export/{fmt}/", {"name": name})
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="{expected}.{fmt}"'
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"', disposition)


# --- export links -------------------------------------------------------------------------------


def accessible_names(html):
    links = re.findall(r'<a class="export-links__link" href="([^"]*)">(.*?)</a>', html, re.S)
    return [(href, " ".join(re.sub(r"<[^>]+>", "", text).split())) for href, text in links]


def test_export_links_render_both_links_with_accessible_names():
    html = render_to_string(
        "components/export_links.html",
        {
            "csv_url": "/team/units/3/export/csv/?q=a&b=1",
            "xlsx_url": "/team/units/3/export/xlsx/",
            "what": "the people in Sales",
        },
    )
    assert accessible_names(html) == [
        ("/team/units/3/export/csv/?q=a&amp;b=1", "Download CSV of the people in Sales"),
        ("/team/units/3/export/xlsx/", "Download Excel (XLSX) of the people in Sales"),
    ]
    # visible text is the start of the name; the rest is for screen readers only
    assert '<span class="visually-hidden"> of the people in Sales</span>' in html
    assert "style=" not in html


def test_export_links_default_to_this_table_and_escape():
    html = render_to_string(
        "components/export_links.html",
        {"csv_url": "/x/", "xlsx_url": "/y/", "what": ""},
    )
    assert [name for _href, name in accessible_names(html)] == [
        "Download CSV of this table",
        "Download Excel (XLSX) of this table",
    ]
    html = render_to_string(
        "components/export_links.html", {"csv_url": "/x/", "what": "<b>team</b>"}
    )
    assert "&lt;b&gt;team&lt;/b&gt;" in html and "<b>" not in html
    assert len(accessible_names(html)) == 1  # no XLSX link without its URL
