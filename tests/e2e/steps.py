"""Steps the browser journeys share: signing in as a learner, a manager or staff."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD, totp_code


def sign_in(page, live_server, email, password=PASSWORD):
    """Sign in through the real form; lands wherever the site sends a signed-in person."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def sign_in_staff(page, live_server, email, secret, password=PASSWORD):
    """Sign in a staff member who has a second factor (`with_mfa(user)` gives the secret)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
