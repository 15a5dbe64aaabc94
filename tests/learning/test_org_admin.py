"""HR uploads the org chart in the admin, sees the changes, applies them; nobody else may."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from home import roles
from learning.models import EmployeeProfile, OrgImport, OrgUnit

pytestmark = pytest.mark.django_db

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,leah@northwind.example,Leah,Donovan,Managing Director,Northwind,yes\n"
    "E2,sam@northwind.example,Sam,Carter,Sales Executive,Northwind/Sales,\n"
    "E3,nina@northwind.example,Nina,Patel,Team Leader,Northwind/Sales,yes\n"
)


def upload(client, text, name="org.csv"):
    return client.post(
        reverse("learning_org_import"), {"file": SimpleUploadedFile(name, text.encode())}
    )


@pytest.fixture
def hr_client(client, make_user, with_mfa):
    user = make_user(roles.HR)
    with_mfa(user)
    client.force_login(user)
    return client


def test_hr_previews_then_applies_an_org_chart(hr_client, django_capture_on_commit_callbacks):
    assert "Import the org chart" in hr_client.get(reverse("learning_org_import")).content.decode()
    response = upload(hr_client, ORG)
    record = OrgImport.objects.get()
    assert response.status_code == 302 and record.status == "previewed"

    html = hr_client.get(response.url).content.decode()
    assert "3 new people" in html and "2 units to create" in html
    assert "sam@northwind.example" in html and "Apply these changes" in html
    assert not EmployeeProfile.objects.exists()  # a preview writes nothing

    apply_url = reverse("learning_org_import_apply", args=[record.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(apply_url, follow=True)
    assert "Org chart imported: 3 new, 0 changed, 0 deactivated." in response.content.decode()
    assert EmployeeProfile.objects.count() == 3 and OrgUnit.objects.count() == 2
    assert len(mail.outbox) == 3
    record.refresh_from_db()
    assert record.status == "applied" and record.applied_at is not None

    # a replayed apply changes nothing
    response = hr_client.post(apply_url, follow=True)
    assert "already applied" in response.content.decode()
    assert EmployeeProfile.objects.count() == 3 and len(mail.outbox) == 3


def test_a_rejected_upload_lists_every_problem_and_cannot_be_applied(hr_client):
    bad = ORG + "E4,,Jo,Bennett,Sales Executive,Northwind//Sales,maybe\n"
    bad += "E2,omar@northwind.example,Omar,Haddad,Sales Executive,Northwind/Sales,\n"
    response = upload(hr_client, bad)
    html = hr_client.get(response.url).content.decode()
    assert "The file was rejected: 4 problems. Nothing was written." in html
    assert "row 5: email: is empty" in html
    assert "row 5: manager: &quot;maybe&quot; is not yes or no" in html
    assert "row 5: unit_path: has an empty unit name" in html
    assert "row 6: employee_id: also on row 3" in html
    record = OrgImport.objects.get()
    assert record.status == "rejected"
    hr_client.post(reverse("learning_org_import_apply", args=[record.pk]))
    assert not EmployeeProfile.objects.exists() and not OrgUnit.objects.exists()


def test_a_preview_is_checked_again_when_applied(hr_client, make_user):
    response = upload(hr_client, ORG)
    record = OrgImport.objects.get()
    make_user(email="other@northwind.example")  # meanwhile someone else got E2's address...
    EmployeeProfile.objects.create(
        user=make_user(email="taken@northwind.example"), employee_id="X9"
    )
    from home.models import User

    User.objects.filter(email="taken@northwind.example").update(email="sam@northwind.example")
    response = hr_client.post(reverse("learning_org_import_apply", args=[record.pk]), follow=True)
    assert "changed since the preview; nothing was written" in response.content.decode()
    assert EmployeeProfile.objects.count() == 1 and not OrgUnit.objects.exists()


@pytest.mark.parametrize("role", [roles.LEARNERS, roles.MANAGERS, roles.TRAINERS])
def test_only_hr_may_import(client, make_user, with_mfa, role):
    user = make_user(role)
    with_mfa(user)
    client.force_login(user)
    urls = [reverse("learning_org_import")]
    for url in urls:
        assert client.get(url).status_code in (302, 403)
    assert upload(client, ORG).status_code in (302, 403)
    assert not OrgImport.objects.exists()
    record = OrgImport.objects.create(filename="org.csv", content=ORG.encode())
    for url in (
        reverse("learning_org_import_preview", args=[record.pk]),
        reverse("learning_org_import_apply", args=[record.pk]),
    ):
        assert client.post(url).status_code in (302, 403)
    assert not EmployeeProfile.objects.exists()
