import pytest
from playwright.sync_api import expect

from home import roles
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_learner_signs_in_through_the_real_page(page, live_server, make_user, screenshot):
    make_user(roles.LEARNERS, email="sam@northwind.example", first_name="Sam")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign in to start learning").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    page.get_by_label("Email").fill("sam@northwind.example")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("are not correct")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    screenshot("sign-in-form")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Continue your learning")).to_be_visible()
    expect(page.get_by_text("Welcome back, Sam")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Account")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    path = screenshot("signed-in-home")
    assert path.stat().st_size > 10_000

    nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in to start learning")).to_be_visible()


def test_keyboard_user_can_skip_to_content(page, live_server):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


def test_pages_fit_a_phone_screen(page, live_server, make_user, screenshot):
    make_user(roles.LEARNERS, roles.MANAGERS, email="priya@northwind.example")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("priya@northwind.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for path in ["/", "/accounts/login/", "/accounts/password/change/", "/no-such-page/"]:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    page.goto(f"{live_server.url}/")
    screenshot("home-phone")
