import pytest
from playwright.sync_api import expect

from home import roles
from tests.conftest import PASSWORD, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_trainer_sets_up_two_factor_before_reaching_the_admin(
    page, live_server, make_user, screenshot
):
    make_user(roles.TRAINERS, email="theo@northwind.example", first_name="Theo")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("theo@northwind.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_text("needs two-factor authentication")).to_be_visible()
    # allauth confirms the password before any change to the second factor
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    screenshot("mfa-setup")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()

    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Theo Test", level=2)).to_be_visible()
    screenshot("admin-dashboard")
