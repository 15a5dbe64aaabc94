"""Who may do what with people's learning: every cell of the matrix, every denial asserted.

Actors: a learner (Sam, team North), the manager of North, the manager of the sibling team
South, HR and a trainer. Actions: see Sam's assignment, see a team, nudge Sam, import the org
chart, edit a campaign. The org comes in through the real HR import.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from home import roles
from home.models import User
from learning.models import Assignment, Band, Campaign, Notice, OrgImport, OrgUnit, Wave
from tests.conftest import enable_totp
from tests.modules import make_course

pytestmark = pytest.mark.django_db

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,ceo@n.example,Leah,Donovan,MD,Northwind,yes\n"
    "E3,north@n.example,Nina,Patel,Team Leader,Northwind/North,yes\n"
    "E4,sam@n.example,Sam,Carter,Sales Executive,Northwind/North,\n"
    "E5,south@n.example,Sol,Reyes,Team Leader,Northwind/South,yes\n"
    "E6,jo@n.example,Jo,Bennett,Sales Executive,Northwind/South,\n"
)

ACTORS = ["learner", "manager_a", "manager_b", "hr", "trainer"]

# what each actor gets: True = allowed; for "see_assignment" the learner is sent to their own page
ALLOWED = {
    "see_assignment": {"manager_a", "hr"},
    "see_team": {"manager_a", "manager_b", "hr"},
    "nudge": {"manager_a", "hr"},
    "import": {"hr"},
    "edit_campaign": {"hr"},
}


@pytest.fixture
def world(tmp_path, make_user):
    path = tmp_path / "org.csv"
    path.write_text(ORG)
    call_command("import_org", str(path), stdout=io.StringIO())
    people = {u.email.split("@")[0]: u for u in User.objects.all()}
    hr = make_user(roles.HR, email="hr@n.example")
    trainer = make_user(roles.TRAINERS, email="trainer@n.example")
    for staff in (hr, trainer):
        enable_totp(staff)
    course = make_course()
    campaign = Campaign.objects.create(
        name="Rollout", course=course, unit=OrgUnit.objects.get(full_name="Northwind")
    )
    today = timezone.localdate()
    wave = Wave.objects.create(
        campaign=campaign,
        name="Everyone",
        band=Band.EVERYONE,
        opens_on=today - timedelta(days=30),
        due_on=today - timedelta(days=2),
        opened_at=timezone.now() - timedelta(days=30),
    )
    assignment = Assignment.objects.create(
        user=people["sam"], course=course, campaign=campaign, wave=wave, due_on=wave.due_on
    )
    actors = {
        "learner": people["sam"],
        "manager_a": people["north"],
        "manager_b": people["south"],
        "hr": hr,
        "trainer": trainer,
    }
    return {"actors": actors, "people": people, "assignment": assignment, "campaign": campaign}


def as_actor(client, world, actor):
    client.force_login(world["actors"][actor])
    return client


@pytest.mark.parametrize("actor", ACTORS)
def test_see_an_assignment(client, world, actor):
    sam = world["people"]["sam"]
    response = as_actor(client, world, actor).get(reverse("learning:person", args=[sam.pk]))
    if actor == "learner":
        assert response.status_code == 302 and response.url == reverse("learning:my_learning")
    elif actor in ALLOWED["see_assignment"]:
        assert response.status_code == 200
        assert "Sam Carter" in response.content.decode()
    else:
        assert response.status_code == 404


def test_another_learner_never_sees_sams_assignment(client, world):
    jo = world["people"]["jo"]
    client.force_login(jo)
    sam = world["people"]["sam"]
    assert client.get(reverse("learning:person", args=[sam.pk])).status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
def test_see_a_team(client, world, actor):
    response = as_actor(client, world, actor).get(reverse("learning:team_dashboard"))
    if actor not in ALLOWED["see_team"]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    sees_sam = "Sam Carter" in html
    sees_jo = "Jo Bennett" in html
    assert (sees_sam, sees_jo) == {
        "manager_a": (True, False),
        "manager_b": (False, True),
        "hr": (True, True),
    }[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_nudge(client, world, actor, django_capture_on_commit_callbacks):
    assignment = world["assignment"]
    url = reverse("learning:nudge", args=[assignment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_actor(client, world, actor).post(url)
    if actor in ALLOWED["nudge"]:
        assert response.status_code == 302
        assert Notice.objects.filter(kind=Notice.Kind.NUDGE, assignment=assignment).count() == 1
    else:
        assert response.status_code == 403
        assert not Notice.objects.exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_import_the_org_chart(client, world, actor):
    client = as_actor(client, world, actor)
    page = client.get(reverse("learning_org_import"))
    upload = client.post(
        reverse("learning_org_import"),
        {"file": SimpleUploadedFile("org.csv", ORG.replace("Sam,", "Samuel,").encode())},
    )
    if actor in ALLOWED["import"]:
        assert page.status_code == 200 and upload.status_code == 302
        assert OrgImport.objects.count() == 1
    else:
        assert page.status_code in (302, 403) and upload.status_code in (302, 403)
        if page.status_code == 302:
            assert "login" in page.url or page.url == reverse("wagtailadmin_home")
        assert not OrgImport.objects.exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_a_campaign(client, world, actor):
    campaign = world["campaign"]
    client = as_actor(client, world, actor)
    url = reverse("campaigns:edit", args=[campaign.pk])
    page = client.get(url)
    client.post(url, {"name": "Renamed"})
    campaign.refresh_from_db()
    if actor in ALLOWED["edit_campaign"]:
        assert page.status_code == 200
        assert "Rollout" in page.content.decode()
    else:
        assert page.status_code in (302, 403)
        if page.status_code == 302:
            assert "login" in page.url or page.url == reverse("wagtailadmin_home")
    assert campaign.name == "Rollout"  # an incomplete form changes nothing, even for HR


# --- dashboards: North's unit, its exports and the campaign's cascade rooted at North ----------


def north_urls(world):
    north = OrgUnit.objects.get(full_name="Northwind/North").pk
    campaign = world["campaign"].pk
    return [
        f"{reverse('learning:team_dashboard')}?unit={north}",
        f"{reverse('learning:team_export', args=['people', 'csv'])}?unit={north}",
        f"{reverse('learning:team_export', args=['modules', 'xlsx'])}?unit={north}",
        f"{reverse('learning:campaign_cascade', args=[campaign])}?unit={north}",
        f"{reverse('learning:campaign_cascade_export', args=[campaign, 'csv'])}?unit={north}",
    ]


@pytest.mark.parametrize("actor", ACTORS)
def test_see_a_units_dashboards_and_exports(client, world, actor):
    expected = {
        "learner": 403,
        "trainer": 403,
        "manager_a": 200,
        "manager_b": 404,  # the sibling team's lead: North's figures are not hers to see
        "hr": 200,
    }[actor]
    as_actor(client, world, actor)
    for url in north_urls(world):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("actor", ACTORS)
def test_see_item_analysis(client, world, actor):
    from tests.modules import make_module

    module = make_module(course=world["campaign"].course)
    as_actor(client, world, actor)  # staff roles have their second factor (see `world`)
    response = client.get(reverse("item_analysis", args=[module.pk]))
    if actor in ("trainer", "hr"):
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)  # no admin access at all, or refused
