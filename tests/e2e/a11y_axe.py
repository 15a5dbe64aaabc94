"""axe-core in the browser, as the accessibility tests run it, and what they make of it.

axe-core (4.12, bundled by axe-playwright-python: a file on disk, no network) is evaluated in
the page through the DevTools protocol, which the site's Content-Security-Policy does not
govern, so the browser keeps enforcing the real policy while axe looks at the page.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from django.urls import Resolver404, resolve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus Deque's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
FAILING_IMPACTS = ("serious", "critical")

RUN = "([context, options]) => context ? axe.run(context, options) : axe.run(options)"
# axe 4.12 retired its duplicate-id rules (only ids that ARIA points at are left "to review"),
# but a repeated id still breaks labels and in-page links: the audit checks them itself.
DUPLICATE_IDS = """() => {
    const seen = new Map();
    for (const element of document.querySelectorAll("[id]")) {
        seen.set(element.id, (seen.get(element.id) || 0) + 1);
    }
    return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""


@dataclass(frozen=True)
class Finding:
    label: str
    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def line(self) -> str:
        return (
            f"- {self.rule} ({self.impact}) on {self.label} <{self.url}>: {self.help}\n"
            f"    targets: {', '.join(self.targets)}"
        )


def url_name(url: str) -> str:
    path = urlsplit(url).path
    try:
        return resolve(path).view_name
    except Resolver404:
        return f"<no URL name: {path}>"


@dataclass
class Audit:
    """Runs axe on each page it is shown; remembers what it saw and under which URL names."""

    page: object
    name: str
    base: str = ""  # the live server's URL, for `visit(path)`
    findings: list[Finding] = field(default_factory=list)
    url_names: set[str] = field(default_factory=set)
    pages: list[str] = field(default_factory=list)
    to_review: dict[str, list] = field(default_factory=dict)  # axe's "incomplete": rule: pages
    seconds: float = 0.0

    def visit(
        self,
        path: str,
        label: str,
        *,
        status: int = 200,
        redirects: bool = False,
        exclude: tuple[str, ...] = (),
    ) -> list[Finding]:
        """Open a page and check it; it must answer `status`, and not move elsewhere unless
        `redirects` (then the address asked for counts as visited too)."""
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, (
            f"{label}: {path} answered {response and response.status}, not {status}"
        )
        if redirects:
            self.url_names.add(url_name(path))
        else:
            assert urlsplit(self.page.url).path == urlsplit(path).path, (
                f"{label}: {path} went to {self.page.url}"
            )
        return self.check(label, exclude=exclude)

    def check(self, label: str, *, exclude: tuple[str, ...] = ()) -> list[Finding]:
        """Run axe on the page as it is now; `exclude`: CSS selectors of markup not ours."""
        page = self.page
        started = time.perf_counter()
        page.wait_for_load_state("load")
        if not page.evaluate("() => Boolean(window.axe)"):
            page.evaluate(AXE_SCRIPT)
        context = {"exclude": [[selector] for selector in exclude]} if exclude else None
        results = page.evaluate(RUN, [context, OPTIONS])
        self.seconds += time.perf_counter() - started
        found = [
            Finding(
                label=label,
                url=page.url,
                rule=violation["id"],
                impact=violation["impact"] or "unknown",
                help=violation["help"],
                targets=tuple(
                    " ".join(str(part) for part in node["target"]) for node in violation["nodes"]
                ),
            )
            for violation in results["violations"]
        ]
        found += [
            Finding(
                label=label,
                url=page.url,
                rule="duplicate-id",
                impact="serious",
                help="An id is used more than once (checked by the audit itself, not axe)",
                targets=(f"[id={json.dumps(duplicate)}]",),
            )
            for duplicate in page.evaluate(DUPLICATE_IDS)
        ]
        for review in results["incomplete"]:
            key = f"{review['id']} ({review['impact']})"
            self.to_review.setdefault(key, []).append(label)
        self.findings.extend(found)
        self.pages.append(f"{label} <{page.url}>")
        self.url_names.add(url_name(page.url))
        return found

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.impact in FAILING_IMPACTS]

    def save(self) -> Path:
        """Every finding (minor and moderate too) to test-artifacts/e2e/axe-<name>.json."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"axe-{self.name}.json"
        data = {
            "axe_seconds": round(self.seconds, 1),
            "pages": self.pages,
            "url_names": sorted(self.url_names),
            "needs_review": self.to_review,
            "findings": [asdict(f) for f in self.findings],
        }
        path.write_text(json.dumps(data, indent=2))
        return path

    def assert_clean(self, *, url_names: set[str]) -> None:
        """No serious or critical finding, after visiting at least the pages of `url_names`."""
        self.save()
        not_visited = url_names - self.url_names
        assert not not_visited, f"{self.name}: no axe visit to {sorted(not_visited)}"
        failures = self.failures
        assert not failures, (
            f"axe found {len(failures)} serious or critical violation(s) "
            f"on {len({f.url for f in failures})} page(s):\n"
            + "\n".join(f.line() for f in failures)
        )
