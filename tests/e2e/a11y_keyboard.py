"""Keyboard-only steps: move focus with Tab as a person would, and read what focus looks like."""

from __future__ import annotations

IS_FOCUSED = "element => element === document.activeElement"

# What a sighted keyboard user sees on the focused element: its outline and box-shadow.
FOCUS_STYLE = """element => {
    const style = getComputedStyle(element);
    return {
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth) || 0,
        outlineColor: style.outlineColor,
        boxShadow: style.boxShadow,
    };
}"""

DESCRIBE_FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return "(nothing)";
    const text = (e.getAttribute("aria-label") || e.innerText || e.value || e.id || "").trim();
    return `<${e.tagName.toLowerCase()}> ${text.slice(0, 60)}`;
}"""


def tab_to(page, role: str, name: str, *, limit: int = 40, backwards: bool = False):
    """Press Tab (Shift+Tab if `backwards`) until the element of this role and accessible name
    has focus; fails after `limit` presses, saying where focus went. Returns its locator.

    The accessible name is Playwright's (the one a screen reader announces), matched exactly.
    """
    target = page.get_by_role(role, name=name, exact=True)
    target.first.wait_for()
    key = "Shift+Tab" if backwards else "Tab"
    visited = []
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate_all(f"elements => elements.some({IS_FOCUSED})"):
            return target
        visited.append(page.evaluate(DESCRIBE_FOCUS))
    raise AssertionError(
        f"{role} {name!r} never had focus after {limit} presses of {key}; focus went to: "
        + " | ".join(visited)
    )


def focus_style(page) -> dict:
    """The computed outline and box-shadow of the focused element."""
    return page.evaluate(f"() => ({FOCUS_STYLE})(document.activeElement)")


def style_of(locator) -> dict:
    """The same, for an element (to compare with one that has no focus)."""
    return locator.evaluate(FOCUS_STYLE)


def focus_is_visible(style: dict) -> bool:
    """An outline at least 2 px wide, or a box-shadow: a focus indicator one can see."""
    outline = style["outlineStyle"] != "none" and style["outlineWidth"] >= 2
    return outline or style["boxShadow"] not in ("", "none")


def press(page, key: str) -> None:
    """Press a key that sends a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)
