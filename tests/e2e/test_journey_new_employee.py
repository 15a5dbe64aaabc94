"""Journey 1: a new employee, from HR's invitation email to a certificate with their name on it.

HR imports the org chart (the real command, invitations on) while a campaign covers the whole
company, so the import itself assigns the course. Everything after the email happens in the
browser, as the employee would do it.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from courses.models import CoursePage
from learning.models import Assignment, Band, Campaign, Certificate, OrgUnit, Wave
from tests.modules import make_course, make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,leah@northwind.example,Leah,Donovan,Managing Director,Northwind,yes\n"
    "E2,priya@northwind.example,Priya,Raman,Service Advisor,Northwind/Service,\n"
)
EMAIL = "priya@northwind.example"
NEW_PASSWORD = "a-long-first-passphrase-42"
CERTIFICATE_TITLE = "Customer Experience Foundations"


def _campaign_for_everyone():
    """A one-module course and a campaign over the whole company whose wave is already open."""
    course = make_course()
    CoursePage.objects.filter(pk=course.pk).update(certificate_title=CERTIFICATE_TITLE)
    make_module(course=course)
    today = timezone.localdate()
    root = OrgUnit.add_root(name="Northwind", full_name="Northwind")
    campaign = Campaign.objects.create(name="Everyone's day job", course=course, unit=root)
    Wave.objects.create(
        campaign=campaign,
        name="Everyone",
        band=Band.EVERYONE,
        opens_on=today - timedelta(days=1),
        due_on=today + timedelta(days=14),
    )
    return course


def _hr_imports_the_org_chart(tmp_path):
    path = tmp_path / "org.csv"
    path.write_text(ORG)
    out = io.StringIO()
    call_command("import_org", str(path), stdout=out)
    assert "2 invitation(s) will be sent" in out.getvalue()


def _invitation_link() -> str:
    invitations = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(invitations) == 1
    match = re.search(r"https?://\S+/accounts/password/reset/key/\S+", invitations[0].body)
    assert match, invitations[0].body
    return match.group(0)


def test_a_new_employee_goes_from_the_invitation_to_a_certificate(
    page, live_server, settings, tmp_path, screenshot
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # the email links to this server
    course = _campaign_for_everyone()
    _hr_imports_the_org_chart(tmp_path)
    assert Assignment.objects.filter(user__email=EMAIL, course=course).count() == 1

    # the invitation: set a password
    link = _invitation_link()
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label(re.compile(r"^New Password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    screenshot("j1-01-set-password")
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_text(re.compile("password is now changed", re.I))).to_be_visible()
    screenshot("j1-02-password-set")
    page.goto(link)  # the link works once
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()

    # sign in with it and find the course on My learning
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Continue your learning")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_role("heading", name="My learning", level=1)).to_be_visible()
    assigned = page.get_by_role("region", name="Assigned to you")
    expect(assigned.get_by_role("link", name="Everyone's day job", exact=True)).to_be_visible()
    expect(assigned.get_by_text("0 of 1 module completed")).to_be_visible()
    screenshot("j1-03-my-learning")

    # play the module to an ending
    assigned.get_by_role("link", name=re.compile(r"^Start\b.*Everyone's day job")).click()
    expect(page.get_by_role("heading", name="The returned car", level=1)).to_be_visible()
    page.get_by_role("link", name="Start", exact=True).click()
    page.get_by_role("button", name="Start the scenario").click()
    expect(page.get_by_role("heading", name="The phone rings")).to_be_visible()
    screenshot("j1-04-first-scene")
    page.get_by_role("button", name="Check the record and apologise").click()
    expect(page.get_by_text("Listening first shows you care.")).to_be_visible()
    page.get_by_role("button", name="Tick it and cancel the bill").click()
    expect(page.get_by_role("heading", name="A customer kept", level=2)).to_be_visible()
    screenshot("j1-05-ending")

    # the knowledge check, then the reflection
    page.get_by_role("link", name="Take the knowledge check").click()
    page.get_by_label("A record was never closed").check()
    page.get_by_label("Listening").check()
    page.get_by_label("Fixing the record").check()
    screenshot("j1-06-knowledge-check")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
    screenshot("j1-07-passed")
    page.get_by_role("link", name="Write your reflection").click()
    page.get_by_label("Your reflection").fill("Our returns checklist can trap a loyal customer.")
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.get_by_text("Module complete. Well done.")).to_be_visible()
    screenshot("j1-08-module-complete")

    # the certificate: listed, downloaded, and it carries the person's name
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_text("You are all caught up")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Your certificates")).click()
    expect(page.get_by_role("heading", name="My certificates", level=1)).to_be_visible()
    valid = page.get_by_role("region", name="Valid certificates")
    expect(valid.get_by_role("heading", name=CERTIFICATE_TITLE)).to_be_visible()
    screenshot("j1-09-my-certificates")
    with page.expect_download() as info:
        valid.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = " ".join((p.extract_text() or "") for p in PdfReader(pdf).pages)
    text = " ".join(text.split())
    assert "Priya Raman" in text
    assert CERTIFICATE_TITLE in text
    certificate = Certificate.objects.get(user__email=EMAIL)
    assert certificate.code in text
