"""A learner completes a module with the keyboard alone (issue 7).

No mouse: no `.click()`, no `.fill()`. Focus moves with Tab (and the arrow keys inside a
radio group, as in every browser), links and buttons are activated with Enter or Space,
check boxes and radios with Space, and text is typed into the focused field. On the way the
test checks what a sighted keyboard user relies on: the skip link comes first, and the
focused control shows a focus ring that unfocused ones do not.
"""

import pytest
from playwright.sync_api import expect

from home import roles
from tests.conftest import PASSWORD
from tests.e2e.a11y_keyboard import focus_is_visible, focus_style, press, style_of, tab_to
from tests.modules import make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "kim@northwind.example"


def assert_focus_ring(page, what, *, unfocused=None):
    """The focused element shows a ring; `unfocused`: a like element without focus, which
    must not look the same (so the ring comes from focus, not from the element's own style)."""
    style = focus_style(page)
    assert focus_is_visible(style), f"no visible focus on {what}: {style}"
    if unfocused is not None:
        assert style_of(unfocused) != style, f"{what} looks the same with and without focus"


def choose(page, label, key):
    """Tab to a choice of the scene, check its focus ring, and make it with Enter or Space."""
    choice = tab_to(page, "button", label)
    other = page.locator("button.choice").filter(has_not_text=label).first
    assert_focus_ring(page, f"the choice {label!r}", unfocused=other)
    press(page, key)
    return choice


def test_learner_completes_a_module_with_the_keyboard_only(
    page, live_server, make_user, screenshot
):
    module = make_module()
    make_user(roles.LEARNERS, email=EMAIL, first_name="Kim")

    # the module page, signed out: the first Tab reaches the skip link, which is then shown
    page.goto(f"{live_server.url}{module.url}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_ring(page, "the skip link")
    tab_to(page, "link", "Sign in to play this module")
    assert_focus_ring(page, "the sign-in link")
    press(page, "Enter")

    # sign in: type into the focused fields, send with Enter on the button
    tab_to(page, "textbox", "Email:")
    assert_focus_ring(page, "the email field")
    page.keyboard.type(EMAIL)
    tab_to(page, "textbox", "Password:")
    page.keyboard.type(PASSWORD)
    tab_to(page, "button", "Sign in")
    assert_focus_ring(page, "the sign-in button")
    press(page, "Enter")
    expect(page.get_by_role("heading", name="The returned car", level=1)).to_be_visible()

    # start, then through the scenes: a poor move, a recovery, the good ending
    tab_to(page, "link", "Start")
    press(page, "Enter")
    tab_to(page, "button", "Start the scenario")
    press(page, "Space")
    expect(page.get_by_role("heading", name="The phone rings")).to_be_visible()
    choose(page, "Insist the system says she has the car", "Enter")
    expect(page.get_by_text("The system is not the customer.")).to_be_visible()
    screenshot("keyboard-feedback")
    choose(page, "Stop and look again", "Space")
    choose(page, "Tick it and cancel the bill", "Enter")
    expect(page.get_by_role("heading", name="A customer kept", level=2)).to_be_visible()

    # the knowledge check: radios and check boxes from the keyboard
    tab_to(page, "link", "Take the knowledge check")
    press(page, "Enter")
    tab_to(page, "radio", "The customer lied")
    assert_focus_ring(page, "a radio button")
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="The customer lied")).to_be_checked()
    page.keyboard.press("ArrowDown")  # within a radio group the arrows move and select
    right = page.get_by_role("radio", name="A record was never closed")
    expect(right).to_be_focused()
    expect(right).to_be_checked()
    for label in ("Listening", "Fixing the record"):
        tab_to(page, "checkbox", label)
        assert_focus_ring(page, f"the check box {label!r}")
        page.keyboard.press("Space")
        expect(page.get_by_role("checkbox", name=label)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Quoting policy")).not_to_be_checked()
    screenshot("keyboard-quiz")
    tab_to(page, "button", "Submit my answers")
    press(page, "Enter")
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()

    # the reflection: typed, shared with the manager by Space, saved with Enter
    tab_to(page, "link", "Write your reflection")
    press(page, "Enter")
    tab_to(page, "textbox", "Your reflection:")
    assert_focus_ring(page, "the reflection field")
    page.keyboard.type("A checklist nobody closes can cost us a loyal customer.")
    tab_to(page, "checkbox", "My manager may read this reflection:")
    page.keyboard.press("Space")
    expect(
        page.get_by_role("checkbox", name="My manager may read this reflection:")
    ).to_be_checked()
    tab_to(page, "button", "Save my reflection")
    press(page, "Enter")
    expect(page.get_by_text("Module complete. Well done.")).to_be_visible()
    screenshot("keyboard-module-complete")

    from assessments.models import ModuleProgress, Reflection

    progress = ModuleProgress.objects.get(user__email=EMAIL, module=module)
    assert progress.status == ModuleProgress.Status.COMPLETED
    assert progress.quiz_passed and progress.best_outcome == "good"
    reflection = Reflection.objects.get(user__email=EMAIL, module=module)
    assert reflection.shared_with_manager
    assert reflection.text.startswith("A checklist nobody closes")
