import re

import pytest
from playwright.sync_api import expect

from home import roles
from learning.models import EmployeeProfile
from tests.conftest import PASSWORD, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,leah@northwind.example,Leah,Donovan,Managing Director,Northwind,yes\n"
    "E2,sam@northwind.example,Sam,Carter,Sales Executive,Northwind/Sales,\n"
    "E3,nina@northwind.example,Nina,Patel,Team Leader,Northwind/Sales,yes\n"
)


def test_hr_uploads_previews_and_applies_the_org_chart(
    page, live_server, make_user, with_mfa, screenshot, tmp_path
):
    hr = make_user(roles.HR, email="hannah@northwind.example", first_name="Hannah")
    secret = with_mfa(hr)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("hannah@northwind.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Import org chart").click()
    bad = tmp_path / "bad.csv"
    bad.write_text(ORG + "E4,,Jo,Bennett,Sales Executive,Northwind//Sales,maybe\n")
    page.get_by_label("HR export").set_input_files(str(bad))
    page.get_by_role("button", name="Check and preview").click()
    expect(
        page.get_by_text("The file was rejected: 3 problems. Nothing was written.")
    ).to_be_visible()
    expect(page.get_by_text("row 5: email: is empty")).to_be_visible()
    screenshot("org-import-rejected")

    page.get_by_role("link", name="Back to the org chart import").click()
    good = tmp_path / "org.csv"
    good.write_text(ORG)
    page.get_by_label("HR export").set_input_files(str(good))
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_text("3 new people")).to_be_visible()
    expect(page.get_by_role("cell", name="sam@northwind.example")).to_be_visible()
    screenshot("org-import-preview")
    assert not EmployeeProfile.objects.exists()

    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_text("Org chart imported: 3 new, 0 changed, 0 deactivated.")).to_be_visible()
    screenshot("org-import-applied")
    assert EmployeeProfile.objects.count() == 3
