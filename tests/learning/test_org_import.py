"""The HR org import: all or nothing, every problem listed by row, leavers kept as history."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command

from home import roles
from home.models import User
from learning.models import EmployeeProfile, OrgUnit
from learning.org_file import OrgFileError, read_org_file

pytestmark = pytest.mark.django_db

HEADER = "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
ORG = HEADER + (
    "E1,leah@northwind.example,Leah,Donovan,Managing Director,Northwind,yes\n"
    "E2,marcus@northwind.example,Marcus,Webb,Head of Sales,Northwind/Sales,yes\n"
    "E3,sam@northwind.example,Sam,Carter,Sales Executive,Northwind/Sales/North,\n"
    "E4,jo@northwind.example,Jo,Bennett,Sales Executive,Northwind/Sales/North,no\n"
    "E5,nina@northwind.example,Nina,Patel,Team Leader,Northwind/Sales/North,yes\n"
)


def write(tmp_path, text, name="org.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """`manage.py import_org`, with on-commit work (the invitations) run as each import commits."""

    def run(path, *args):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_org", str(path), *args, stdout=out)
        return out.getvalue()

    return run


def counts():
    return (User.objects.count(), EmployeeProfile.objects.count(), OrgUnit.objects.count())


def test_a_new_org_is_created_with_units_managers_roles_and_invitations(tmp_path, run):
    output = run(write(tmp_path, ORG))
    assert "5 rows: 5 new" in output and "3 units to create" in output

    assert list(OrgUnit.objects.order_by("path").values_list("full_name", flat=True)) == [
        "Northwind",
        "Northwind/Sales",
        "Northwind/Sales/North",
    ]
    north = OrgUnit.objects.get(full_name="Northwind/Sales/North")
    assert list(north.managers.values_list("email", flat=True)) == ["nina@northwind.example"]
    sam = User.objects.get(email="sam@northwind.example")
    assert sam.profile.unit == north and sam.profile.job_title == "Sales Executive"
    assert not sam.has_usable_password()
    managers = Group.objects.get(name=roles.MANAGERS).user_set.values_list("email", flat=True)
    assert sorted(managers) == [
        "leah@northwind.example",
        "marcus@northwind.example",
        "nina@northwind.example",
    ]
    assert Group.objects.get(name=roles.LEARNERS).user_set.count() == 5

    assert len(mail.outbox) == 5
    invitation = next(m for m in mail.outbox if m.to == ["sam@northwind.example"])
    assert "Hello Sam" in invitation.body and "/accounts/password/reset/key/" in invitation.body
    assert invitation.alternatives and "Set your password" in invitation.alternatives[0][0]


def test_the_invitation_link_lets_the_new_person_set_a_password(tmp_path, client, run):
    run(write(tmp_path, ORG))
    invitation = next(m for m in mail.outbox if m.to == ["sam@northwind.example"])
    link = next(w for w in invitation.body.split() if "/accounts/password/reset/key/" in w)
    response = client.get(link.replace("http://testserver", ""), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url.replace("http://testserver", ""),
        {"password1": "a-long-new-passphrase-9", "password2": "a-long-new-passphrase-9"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="sam@northwind.example").check_password("a-long-new-passphrase-9")


def test_a_dry_run_shows_the_difference_and_writes_nothing(tmp_path, run):
    output = run(write(tmp_path, ORG), "--dry-run")
    assert "5 new" in output and "+ E3 sam@northwind.example" in output
    assert "Dry run: nothing was written." in output
    assert counts() == (0, 0, 0) and not mail.outbox


def test_a_second_file_updates_moves_deactivates_and_keeps_history(tmp_path, run):
    run(write(tmp_path, ORG))
    mail.outbox.clear()
    sam = User.objects.get(email="sam@northwind.example")
    changed = HEADER + (
        "E1,leah@northwind.example,Leah,Donovan,Managing Director,Northwind,yes\n"
        "E2,marcus@northwind.example,Marcus,Webb,Head of Sales,Northwind/Sales,yes\n"
        "E3,sam@northwind.example,Sam,Carter,Senior Sales Executive,Northwind/Sales/South,yes\n"
        "E5,nina@northwind.example,Nina,Patel,Team Leader,Northwind/Sales/North,yes\n"
        "E6,omar@northwind.example,Omar,Haddad,Sales Executive,Northwind/Sales/South,\n"
    )
    dry = run(write(tmp_path, changed, "v2.csv"), "--dry-run")
    assert "5 rows: 1 new, 1 changed, 3 unchanged, 1 to deactivate, 1 units to create" in dry
    assert "job_title: 'Sales Executive' -> 'Senior Sales Executive'" in dry
    assert "- E4 jo@northwind.example" in dry

    run(write(tmp_path, changed, "v2.csv"))
    sam.refresh_from_db()
    assert sam.profile.unit.full_name == "Northwind/Sales/South"
    assert sam.profile.job_title == "Senior Sales Executive" and sam.profile.is_manager
    jo = User.objects.get(email="jo@northwind.example")
    assert not jo.is_active and not jo.profile.active and jo.profile.left_at is not None
    assert [m.to for m in mail.outbox] == [["omar@northwind.example"]]
    south = OrgUnit.objects.get(full_name="Northwind/Sales/South")
    assert list(south.managers.values_list("email", flat=True)) == ["sam@northwind.example"]
    assert south.get_parent().full_name == "Northwind/Sales"

    # the leaver comes back in a later file: reactivated, same account
    run(write(tmp_path, ORG, "v3.csv"))
    jo.refresh_from_db()
    assert jo.is_active and jo.profile.active and jo.profile.left_at is None


def test_an_existing_account_gets_its_profile_instead_of_a_duplicate(tmp_path, make_user, run):
    existing = make_user(email="sam@northwind.example")
    run(write(tmp_path, ORG))
    assert User.objects.filter(email="sam@northwind.example").count() == 1
    existing.refresh_from_db()
    assert existing.profile.employee_id == "E3"
    assert "sam@northwind.example" not in {m.to[0] for m in mail.outbox}  # has a password


BAD_FILES = {
    "missing email": (
        HEADER + "E1,,Leah,Donovan,MD,Northwind,yes\n",
        ["row 2: email: is empty"],
    ),
    "duplicate employee id": (
        HEADER
        + "E1,leah@northwind.example,Leah,Donovan,MD,Northwind,yes\n"
        + "E1,sam@northwind.example,Sam,Carter,Sales,Northwind/Sales,\n",
        ["row 3: employee_id: also on row 2"],
    ),
    "unknown column": (
        "employee_id,email,first_name,last_name,unit_path,shoe_size\n"
        + "E1,leah@northwind.example,Leah,Donovan,Northwind,9\n",
        ["row 1: unknown column(s) shoe_size"],
    ),
    "a unit that would contain itself": (
        HEADER + "E1,leah@northwind.example,Leah,Donovan,MD,Northwind/Sales/Northwind,yes\n",
        ['row 2: unit_path: "Northwind" would contain itself (a cycle)'],
    ),
    "two top units": (
        HEADER
        + "E1,leah@northwind.example,Leah,Donovan,MD,Northwind,yes\n"
        + "E2,sam@southwind.example,Sam,Carter,Sales,Southwind/Sales,\n",
        ['row 3: unit_path: starts at "Southwind", other rows at "Northwind"'],
    ),
    "bad email and bad flag": (
        HEADER + "E1,leah-at-northwind,Leah,Donovan,MD,Northwind,perhaps\n",
        [
            'row 2: email: "leah-at-northwind" is not an email address',
            'row 2: manager: "perhaps" is not yes or no',
        ],
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_rejected_whole_with_every_problem_by_row(tmp_path, kind, run):
    text, expected = BAD_FILES[kind]
    good_rows = "".join(ORG.splitlines(keepends=True)[1:])  # plenty of good rows too
    if text.startswith(HEADER):
        text = text + good_rows.replace("E", "G").replace("@northwind", "@ok.northwind")
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, text))
    message = str(excinfo.value)
    assert "rejected, nothing was written" in message
    for problem in expected:
        assert problem in message
    assert counts() == (0, 0, 0) and not mail.outbox


def test_a_file_that_is_not_utf8_is_rejected(tmp_path, run):
    path = write(tmp_path, ORG.replace("Patel", "Pâtel"), encoding="latin-1")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(path)
    assert counts() == (0, 0, 0)


def test_an_email_of_another_employee_is_a_conflict(tmp_path, run):
    run(write(tmp_path, ORG))
    clash = ORG.replace("E6", "E6") + "E9,sam@northwind.example,Sam,Other,Sales,Northwind,\n"
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, clash.replace("E3,sam@", "E3,sam.carter@"), "v2.csv"))
    assert "row 7: email: sam@northwind.example belongs to employee E3" in str(excinfo.value)
    assert EmployeeProfile.objects.count() == 5


def test_xlsx_files_are_read_like_csv(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in ORG.splitlines():
        sheet.append(line.split(","))
    sheet.append([7, "ana@northwind.example", "Ana", "Silva", "Analyst", "Northwind", None])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_org_file(buffer.getvalue(), "org.xlsx")
    assert [r.employee_id for r in rows] == ["E1", "E2", "E3", "E4", "E5", "7"]
    assert rows[0].manager and not rows[5].manager

    with pytest.raises(OrgFileError, match=r"not a readable \.xlsx"):
        read_org_file(b"not a workbook", "org.xlsx")
    with pytest.raises(OrgFileError, match=r"upload a \.csv or \.xlsx"):
        read_org_file(b"x", "org.pdf")


def test_an_email_change_onto_another_account_is_a_conflict(tmp_path, make_user, run):
    run(write(tmp_path, ORG))
    make_user(roles.HR, email="hannah@northwind.example")  # an account with no HR profile
    moved = ORG.replace("E3,sam@northwind.example", "E3,hannah@northwind.example")
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, moved, "v2.csv"))
    assert "row 4: email: hannah@northwind.example belongs to another account" in str(excinfo.value)
    assert User.objects.get(email="sam@northwind.example").profile.employee_id == "E3"
