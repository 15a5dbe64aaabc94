"""A campaign reaches a team: the manager nudges a late report, who finds it on My learning."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from learning.models import Band, Campaign, Notice, OrgUnit, Wave
from learning.services.rollout import campaign_sync
from tests.conftest import PASSWORD
from tests.modules import make_course, make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,nina@northwind.example,Nina,Patel,Team Leader,Northwind,yes\n"
    "E2,sam@northwind.example,Sam,Carter,Sales Executive,Northwind,\n"
    "E3,jo@northwind.example,Jo,Bennett,Sales Executive,Northwind,\n"
)


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Continue your learning")).to_be_visible()


def test_manager_nudges_a_late_report_who_continues_on_my_learning(
    page, live_server, tmp_path, screenshot
):
    path = tmp_path / "org.csv"
    path.write_text(ORG)
    call_command("import_org", str(path), stdout=io.StringIO())
    from home.models import User

    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    course = make_course()
    make_module(course=course)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Rollout", course=course, unit=OrgUnit.objects.get(full_name="Northwind")
    )
    Wave.objects.create(
        campaign=campaign,
        name="Everyone",
        band=Band.EVERYONE,
        opens_on=today - timedelta(days=20),
        due_on=today - timedelta(days=1),
    )
    campaign_sync(campaign=campaign, today=today)

    sign_in(page, live_server, "nina@northwind.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Your team's learning")).to_be_visible()
    screenshot("team-page")
    page.get_by_role("button", name="Nudge Sam Carter").click()
    expect(page.get_by_text("Reminder sent to Sam Carter")).to_be_visible()
    assert Notice.objects.filter(kind=Notice.Kind.NUDGE, recipient__first_name="Sam").count() == 1
    page.get_by_role("link", name="Sam Carter").click()
    expect(page.get_by_role("heading", name="Sam Carter")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, live_server, "sam@northwind.example")
    page.get_by_role("link", name="Open My learning").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    expect(page.get_by_text("Overdue since")).to_be_visible()
    expect(page.get_by_text("0 of 1 module completed")).to_be_visible()
    screenshot("my-learning")
    page.get_by_role("link", name="Start").first.click()
    expect(page).to_have_url(f"{live_server.url}{course.get_children().first().url}")
