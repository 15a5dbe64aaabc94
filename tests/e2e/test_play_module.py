import pytest
from playwright.sync_api import expect

from home import roles
from tests.conftest import PASSWORD
from tests.modules import make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_learner_plays_a_module_passes_the_check_and_reflects(
    page, live_server, make_user, screenshot
):
    module = make_module()
    make_user(roles.LEARNERS, email="sam@northwind.example", first_name="Sam")

    page.goto(f"{live_server.url}{module.url}")
    page.get_by_role("link", name="Sign in to play this module").click()
    page.get_by_label("Email").fill("sam@northwind.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="The returned car", level=1)).to_be_visible()
    screenshot("module-overview")

    page.get_by_role("link", name="Start", exact=True).click()
    page.get_by_role("button", name="Start the scenario").click()
    expect(page.get_by_role("heading", name="The phone rings")).to_be_visible()
    screenshot("scene")

    # a poor first move, then a recovery, using only the keyboard for the choice
    page.get_by_role("button", name="Insist the system says she has the car").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The system is not the customer.")).to_be_visible()
    screenshot("feedback")
    page.get_by_role("button", name="Stop and look again").click()
    page.get_by_role("button", name="Tick it and cancel the bill").click()
    expect(page.get_by_role("heading", name="A customer kept", level=2)).to_be_visible()
    screenshot("ending")

    # the back button and a resubmitted form change nothing
    page.go_back()
    page.get_by_role("button", name="Tick it and cancel the bill").click()
    expect(page.get_by_text("That choice was already made")).to_be_visible()

    page.get_by_role("link", name="Take the knowledge check").click()
    page.get_by_label("A record was never closed").check()
    page.get_by_label("Listening").check()
    page.get_by_label("Fixing the record").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
    screenshot("quiz-result")

    page.get_by_role("link", name="Write your reflection").click()
    page.get_by_label("Your reflection").fill("Our returns checklist can trap a loyal customer.")
    page.get_by_label("My manager may read this reflection").check()
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.get_by_text("Module complete. Well done.")).to_be_visible()
    screenshot("module-complete")
