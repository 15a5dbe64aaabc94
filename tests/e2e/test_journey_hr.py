"""Journey 4: HR loads the org chart, sets up a campaign in waves, and downloads the
certificates of one unit as a ZIP while watching its progress bar."""

import re
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.services import attempt_choose, attempt_start, quiz_submit, reflection_save
from home import roles
from learning.models import Band, Campaign, Certificate, CertificateBatch, EmployeeProfile
from learning.tasks import build_certificate_batch
from tests.e2e.steps import sign_in_staff
from tests.modules import make_course, make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,leah@northwind.example,Leah,Donovan,Managing Director,Northwind,yes\n"
    "E2,nina@northwind.example,Nina,Patel,Team Leader,Northwind/Sales,yes\n"
    "E3,sam@northwind.example,Sam,Carter,Sales Executive,Northwind/Sales,\n"
    "E4,jo@northwind.example,Jo,Bennett,Sales Executive,Northwind/Sales,\n"
    "E5,alex@northwind.example,Alex,Kim,Service Advisor,Northwind/Care,\n"
)


def complete(user, module):
    """Play the module to its good ending, pass the check and reflect, through the services
    the player uses: the last step issues the certificate (learning listens to it)."""
    attempt_start(user=user, module_id=module.pk)
    attempt_choose(module_id=module.pk, user=user, scene_key="call", choice_index=0, step=0)
    attempt_choose(module_id=module.pk, user=user, scene_key="check", choice_index=0, step=1)
    quiz_submit(user=user, module=module, answers=[[1], [0, 1]])
    reflection_save(user=user, module=module, text="Our checklist can trap people.", shared=False)


@pytest.fixture
def certified(make_user):
    """Three employees (accounts made before the org chart) who completed the course."""
    course = make_course()
    module = make_module(course=course)
    people = [
        make_user(
            roles.LEARNERS,
            email=f"{first.lower()}@northwind.example",
            first_name=first,
            last_name=last,
        )
        for first, last in (("Sam", "Carter"), ("Jo", "Bennett"), ("Alex", "Kim"))
    ]
    for person in people:
        complete(person, module)
    assert sorted(Certificate.objects.values_list("learner_name", flat=True)) == [
        "Alex Kim",
        "Jo Bennett",
        "Sam Carter",
    ]
    return course


def test_hr_imports_the_org_runs_a_campaign_and_downloads_certificates(
    page, live_server, make_user, with_mfa, screenshot, tmp_path, settings, certified
):
    hr = make_user(roles.HR, email="hannah@northwind.example", first_name="Hannah")
    sign_in_staff(page, live_server, "hannah@northwind.example", with_mfa(hr))
    page.goto(f"{live_server.url}/admin/")

    # 1. the org chart: dry run, then apply
    page.get_by_role("link", name="Import org chart").click()
    org_file = tmp_path / "org.csv"
    org_file.write_text(ORG)
    page.get_by_label("HR export").set_input_files(str(org_file))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_text("5 new people")).to_be_visible()
    expect(page.get_by_text("3 units to create")).to_be_visible()
    expect(page.get_by_role("cell", name="jo@northwind.example")).to_be_visible()
    screenshot("hr-org-preview")
    assert not EmployeeProfile.objects.exists()  # a dry run writes nothing
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_text("Org chart imported: 5 new, 0 changed, 0 deactivated.")).to_be_visible()
    screenshot("hr-org-applied")
    # the three accounts that had certificates were adopted, not duplicated
    assert EmployeeProfile.objects.get(employee_id="E3").user.email == "sam@northwind.example"
    assert EmployeeProfile.objects.count() == 5

    # 2. a campaign in two waves, from the top down
    today = timezone.localdate()
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Add campaign").click()
    page.get_by_role("region", name="Name*").get_by_role("textbox").fill("Spring rollout")
    page.get_by_role("button", name="Choose a page (Course)").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("link", name="Everyone's day job").click()
    expect(chooser).to_be_hidden()
    page.get_by_role("combobox", name="Org unit*").select_option(label="Northwind")
    waves = page.get_by_role("region", name="Waves, from the top down")
    fill_wave(
        waves.get_by_role("region", name="Wave 1"),
        name="Leaders first",
        band="Leadership (managers of the top units)",
        opens=today,
        due=today + timedelta(days=14),
    )
    waves.get_by_role("button", name="Add Wave").click()
    fill_wave(
        waves.get_by_role("region", name="Wave 2"),
        name="Everyone else",
        band="Everyone else",
        opens=today + timedelta(days=7),
        due=today + timedelta(days=35),
        gate=50,
    )
    screenshot("hr-campaign-form")
    page.get_by_role("button", name="Create").click()
    row = page.get_by_role("row", name=re.compile(r"^Spring rollout"))
    expect(row).to_be_visible()
    expect(row.get_by_role("cell").nth(3)).to_have_text("2")  # name, course, unit, waves
    screenshot("hr-campaign-listed")
    campaign = Campaign.objects.get(name="Spring rollout")
    assert (campaign.course_id, campaign.unit.full_name) == (certified.pk, "Northwind")
    assert [
        (w.name, w.band, w.opens_on, w.due_on, w.gate_percent)
        for w in campaign.waves.order_by("sort_order")
    ] == [
        ("Leaders first", Band.LEADERSHIP, today, today + timedelta(days=14), None),
        ("Everyone else", Band.EVERYONE, today + timedelta(days=7), today + timedelta(days=35), 50),
    ]

    # 3. the certificates of Sales as one ZIP
    page.get_by_role("link", name="Certificates").click()
    results = page.locator("#listing-results")
    expect(results.get_by_role("link", name="Alex Kim")).to_be_visible()
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Org unit (and below)").click()
    page.get_by_label("Org unit (and below)").select_option(label="Northwind/Sales")
    expect(results.get_by_role("link", name="Alex Kim")).to_be_hidden()
    expect(results.get_by_role("link", name="Sam Carter")).to_be_visible()
    expect(results.get_by_role("link", name="Jo Bennett")).to_be_visible()
    screenshot("hr-certificates-filtered")
    page.get_by_role("link", name="Download these as ZIP").click()
    expect(page.get_by_text("2 certificates match.")).to_be_visible()

    # Tests run tasks at once (ImmediateBackend); here the build is queued as in production,
    # so the page shows a queued download, and this test plays the worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    page.get_by_role("button", name="Build the ZIP").click()
    expect(page.get_by_text("Building a ZIP of 2 certificates.")).to_be_visible()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("value", "0")
    expect(page.get_by_text("Queued", exact=True)).to_be_visible()
    screenshot("hr-download-queued")

    batch = CertificateBatch.objects.get()
    assert batch.filters["unit"] and batch.total == 2
    assert build_certificate_batch.call(batch.pk)["status"] == "done"
    # the page polls its progress every 2 s (htmx) and shows the finished download
    expect(bar).to_have_attribute("value", "100", timeout=10_000)
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    download = page.get_by_role("link", name=re.compile(r"^Download ZIP \(\d"))
    # its icon fits in the button (unsized, it once filled it and hid the label)
    assert download.locator("svg").bounding_box()["height"] < download.bounding_box()["height"] / 2
    screenshot("hr-download-ready")
    with page.expect_download() as download_info:
        download.click()
    path = tmp_path / "certificates.zip"
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pdfs = [archive.read(name) for name in names]
    codes = {
        c.learner_name: c.code
        for c in Certificate.objects.filter(user__profile__unit__name="Sales")
    }
    assert sorted(names) == sorted(
        f"everyones-day-job/{slug}-{codes[name]}.pdf"
        for slug, name in (("sam-carter", "Sam Carter"), ("jo-bennett", "Jo Bennett"))
    )
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)


def fill_wave(wave, *, name, band, opens, due, gate=None):
    wave.get_by_role("textbox", name="Name*").fill(name)
    wave.get_by_role("combobox", name="Who*").select_option(label=band)
    # a date field opens its picker (a moment after it gets focus), which then covers the
    # fields and buttons below it: wait for it, and leave the field to close it
    pickers = wave.page.locator(".xdsoft_datetimepicker:visible")
    for label, day in (("Opens on*", opens), ("Due on*", due)):
        field = wave.get_by_role("textbox", name=label)
        field.fill(day.isoformat())
        expect(pickers).to_have_count(1)
        field.press("Tab")
        expect(pickers).to_have_count(0)
    if gate is not None:
        wave.get_by_role("spinbutton", name="Gate (% completion of the wave before)").fill(
            str(gate)
        )
