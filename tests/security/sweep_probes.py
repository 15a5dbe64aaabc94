"""What an IDOR probe is, and how one is run.

A probe asks one URL as one person and says what the answer must be, whose records must not be
in it, and, for the pages that are allowed, what of the asker's own must be (so an empty page
cannot pass for a safe one). A POST also checks that the state it aimed at did not change.
Sided probes name "learner" and "manager" of the asking side and take ids from the other side.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from tests.security.sweep_matrix import Expect
from tests.security.sweep_world import World


@dataclass(frozen=True)
class Side:
    learner: str
    manager: str
    unit: str
    campaign: str


SIDES = {
    "north": Side(learner="sam", manager="nina", unit="north", campaign="north"),
    "south": Side(learner="jo", manager="sol", unit="south", campaign="south"),
}
ORIENTATIONS = [("north", "south"), ("south", "north")]
COMPANY = Side(learner="", manager="", unit="northwind", campaign="company")  # above both

# url(world, mine, theirs) -> str; the sides are None for probes that are not sided
UrlOf = Callable[[World, Side | None, Side | None], str]
TextsOf = Callable[[World, Side | None, Side | None], list[str]]


@dataclass(frozen=True)
class Probe:
    name: str
    actor: str  # "learner" or "manager" of the asking side, or a person's key, or "anonymous"
    url: UrlOf
    expect: Expect
    method: str = "get"
    data: dict = field(default_factory=dict)
    # whose records must not appear: "learner"/"manager" of the other side, or people keys
    victims: tuple[str, ...] = ("learner", "manager")
    absent: TextsOf | None = None  # more texts that must not appear
    shows: TextsOf | None = None  # the asker's own, which must appear (a 200 only)
    state: Callable[[World, Side | None, Side | None], object] | None = None  # unchanged


NOT_FOUND = Expect(404)
FORBIDDEN = Expect(403)
OK = Expect(200)
MISSING = 999_999


def url(name, *args, **query) -> str:
    """The address of a URL name, with a query string when given."""
    address = reverse(name, args=args)
    return f"{address}?{urlencode(query)}" if query else address


def unit_pk(w, side) -> int:
    return w.units[side.unit].pk


def campaign_pk(w, side) -> int:
    return w.campaigns[side.campaign].pk


def full_name(w, key) -> str:
    return w.user(key).get_full_name()


# --- running a probe ----------------------------------------------------------------------------


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats-officedocument"):
        return _xlsx_text(content)
    return content.decode(errors="replace")


def _xlsx_text(content: bytes) -> str:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def shows(body: str, text: str) -> bool:
    """The text is in the page, as written or as the template escaped it."""
    return text in body or escape(text) in body


def _who(key: str, side: Side | None) -> str:
    if key in ("learner", "manager"):
        return getattr(side, key)
    return key


def run_probe(client, world: World, probe: Probe, *, mine=None, theirs=None) -> None:
    m, t = SIDES.get(mine), SIDES.get(theirs)
    actor = _who(probe.actor, m)
    if actor != "anonymous":
        client.force_login(world.user(actor))
    address = probe.url(world, m, t)
    before = probe.state(world, m, t) if probe.state else None
    response = getattr(client, probe.method)(address, probe.data)
    where = f"{actor}: {probe.method.upper()} {address}"

    expect = probe.expect
    assert response.status_code == expect.status, (
        f"{where} gave {response.status_code} {response.get('Location', '')}, "
        f"expected {expect.status}"
    )
    if expect.to is not None:
        location = urlsplit(response["Location"])
        target = expect.to
        if callable(target):
            target = target(world, m, t)
        elif not target.startswith("/"):
            target = reverse(target)
        assert location.path == target, f"{where} sent to {response['Location']}"
        if expect.next:
            assert parse_qs(location.query).get("next") == [address], where

    body = _body(response)
    victims = [_who(key, t) for key in probe.victims]
    forbidden = [mark for key in victims for mark in world.marks_of(key)]
    forbidden += probe.absent(world, m, t) if probe.absent else []
    for mark in forbidden:
        assert not shows(body, mark), f"{where} shows {mark!r}"
    for mark in probe.shows(world, m, t) if probe.shows else []:
        assert shows(body, mark), f"{where} does not show the asker's own {mark!r}"
    if probe.state:
        assert probe.state(world, m, t) == before, f"{where} changed what it must not"
