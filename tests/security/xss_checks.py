"""Stored-XSS payloads, and the one check every rendered page goes through.

`assert_no_injection(html, expect=...)` parses the page and fails on anything a payload could
have turned into markup: a `<script>` the page did not ship itself, an element with an event
handler attribute, a `javascript:` (or `vbscript:`, `data:text/html`) URL, or a payload left
unescaped in the raw HTML. `expect` lists the authored texts that must be visible as text:
the field was rendered (escaped), not silently dropped.
"""

from __future__ import annotations

import io
import re

from bs4 import BeautifulSoup

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
TEXTAREA = "</textarea><script>x()</script>"
ATTR = "' onmouseover='alert(1)"
JS_URL = "javascript:alert(1)"

PAYLOADS = (SCRIPT, IMG, SVG, TEXTAREA, ATTR)
ALL = " ".join(PAYLOADS)
# unit names are separated by "/" in the org file, so a unit name holds the payloads without one
NO_SLASH = " ".join(p for p in PAYLOADS if "/" not in p)


def evil(label: str, payloads: str = ALL) -> str:
    """An authored text: a readable label (to find it on the page) and the payloads."""
    return f"{label} {payloads}"


# Unescaped, any of these in a page's source is markup an attacker wrote.
RAW_MARKERS = (
    "<script>alert(1)",
    "<script>x()",
    "<img src=x",
    "<svg onload",
)
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcdoc",
    "ping",
}
SCRIPT_URL = re.compile(r"^(javascript|vbscript|data:text/html)", re.IGNORECASE)
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# what browsers skip in a URL before its scheme ("java\tscript:" is still javascript:)
URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _script_problem(tag, admin: bool) -> str | None:
    src = tag.get("src")
    if src is not None:
        if not _same_origin(src):
            return f"a script from somewhere other than the site: {tag}"
        return None
    text = tag.get_text()
    kind = (tag.get("type") or "").strip().lower()
    if kind in DATA_SCRIPT_TYPES:
        # a data block (json_script) holds no raw "<": it cannot close itself early
        return f"a data block with raw markup in it: {tag}" if "<" in text else None
    if not admin:
        return f"an inline script on a page that ships none: {str(tag)[:300]}"
    if "alert(1)" in text or "x()" in text:
        return f"an inline script carrying a payload: {str(tag)[:300]}"
    return None


def _same_origin(url: str | None) -> bool:
    return url is None or (url.startswith("/") and not url.startswith("//"))


def injection_problems(html: str, *, admin: bool = False) -> list[str]:
    """Everything in `html` that executes or could execute script an author wrote.

    `admin`: a Wagtail admin page. Its CSP allows inline scripts, which Wagtail uses for its
    widgets, and the editor has a preview iframe: those are allowed when they carry no payload
    and load nothing from elsewhere. The learner site ships no inline script at all.
    """
    problems = [
        f"unescaped {marker!r} in the page source" for marker in RAW_MARKERS if marker in html
    ]
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        if tag.name == "script":
            problem = _script_problem(tag, admin)
            if problem:
                problems.append(problem)
        for name, value in tag.attrs.items():
            if name.lower().startswith("on"):
                problems.append(f"an event handler attribute {name}= on <{tag.name}>")
            is_url = name.lower() in URL_ATTRIBUTES and isinstance(value, str)
            if is_url and SCRIPT_URL.match(URL_NOISE.sub("", value)):
                problems.append(f"a script URL in {name}= of <{tag.name}>: {value!r}")
        if tag.name in {"object", "embed", "base"}:
            problems.append(f"an injected <{tag.name}>")
        if tag.name == "iframe" and not (admin and _same_origin(tag.get("src"))):
            problems.append(f"an iframe: {str(tag)[:300]}")
    return problems


def visible_text(html: str) -> str:
    """The page's text (what a person reads, attribute values aside), whitespace squashed."""
    return _squash(BeautifulSoup(html, "html.parser").get_text(" "))


def assert_no_injection(html: str, *, expect=(), admin: bool = False) -> None:
    """No payload turned into markup, and every text in `expect` is shown, as text.

    `admin`: the page is in the Wagtail admin (see `injection_problems`).
    """
    problems = injection_problems(html, admin=admin)
    assert not problems, "\n".join(problems)
    text = visible_text(html)
    missing = [value for value in expect if _squash(value) not in text]
    assert not missing, f"not shown as text: {missing!r}"


def _own_text(tag) -> str:
    """A tag's label: its own first text, not that of the markers or titles inside it."""
    link = tag.find("a")
    return link.get_text() if link else (tag.find(string=True, recursive=False) or "").strip()


def chart_labels(html: str) -> dict[str, list[str]]:
    """The labels of a page's charts: in the SVG (`<title>`, `<text>`) and in their data tables."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        "svg": [t.get_text() for t in soup.select(".data-chart__svg title")]
        + [_own_text(t) for t in soup.select(".data-chart__svg text")],
        "table": [_own_text(th) for th in soup.select(".data-chart__table tbody th")],
    }


# --- other formats ---------------------------------------------------------------------------


def strings_in(data) -> list[str]:
    """Every string in parsed JSON."""
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings_in(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings_in(value)]
    return [data] if isinstance(data, str) else []


def pdf_text(content: bytes) -> str:
    """Every character the PDF draws, whitespace removed (lines may wrap anywhere)."""
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return "".join(text.split())


def csv_cells(content: bytes) -> list[str]:
    import csv

    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return [cell for row in rows for cell in row]


def xlsx_cells(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return [
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]
