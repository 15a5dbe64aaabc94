"""A manager sees their units and everything below, never a sibling or a parent; HR sees all."""

import io

import pytest
from django.core.management import call_command

from home import roles
from home.models import User
from learning.selectors.org import people_visible_to, units_visible_to

pytestmark = pytest.mark.django_db

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,ceo@n.example,Leah,Donovan,MD,Northwind,yes\n"
    "E2,sales@n.example,Marcus,Webb,Head of Sales,Northwind/Sales,yes\n"
    "E3,north@n.example,Nina,Patel,Team Leader,Northwind/Sales/North,yes\n"
    "E4,sam@n.example,Sam,Carter,Sales Executive,Northwind/Sales/North,\n"
    "E5,south@n.example,Sol,Reyes,Team Leader,Northwind/Sales/South,yes\n"
    "E6,jo@n.example,Jo,Bennett,Sales Executive,Northwind/Sales/South,\n"
    "E7,care@n.example,Cara,Moss,Head of Care,Northwind/Care,yes\n"
)


@pytest.fixture
def org(tmp_path):
    path = tmp_path / "org.csv"
    path.write_text(ORG)
    call_command("import_org", str(path), stdout=io.StringIO())
    return {u.email.split("@")[0]: u for u in User.objects.all()}


def emails(people):
    return sorted(p.user.email.split("@")[0] for p in people)


def test_each_manager_sees_their_subtree_only(org, django_assert_num_queries):
    assert emails(people_visible_to(org["north"])) == ["north", "sam"]
    assert emails(people_visible_to(org["south"])) == ["jo", "south"]
    assert emails(people_visible_to(org["sales"])) == ["jo", "north", "sales", "sam", "south"]
    assert len(emails(people_visible_to(org["ceo"]))) == 7
    assert emails(people_visible_to(org["sam"])) == []  # not a manager
    names = set(units_visible_to(org["north"]).values_list("full_name", flat=True))
    assert names == {"Northwind/Sales/North"}  # not the sibling, not the parent
    with django_assert_num_queries(2):  # the managed paths, then one scoped query
        list(people_visible_to(org["sales"]))


def test_hr_sees_everyone_and_a_leaver_drops_out(org, make_user, tmp_path):
    hr = make_user(roles.HR)
    assert len(emails(people_visible_to(hr))) == 7
    path = tmp_path / "v2.csv"
    sam_row = "E4,sam@n.example,Sam,Carter,Sales Executive,Northwind/Sales/North,\n"
    path.write_text(ORG.replace(sam_row, ""))
    call_command("import_org", str(path), stdout=io.StringIO())
    assert emails(people_visible_to(org["north"])) == ["north"]
    assert emails(people_visible_to(org["north"], include_leavers=True)) == ["north", "sam"]
