"""The team page: a manager sees their subtree only, HR everyone; nudges from the page."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.models import Reflection
from home import roles
from learning.models import Notice
from tests.learning.test_notices import Org
from tests.modules import make_module

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
TEAM_URL = reverse("learning:team_dashboard")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def org(make_user):
    return Org(make_user)


def nudge_url(assignment):
    return reverse("learning:nudge", args=[assignment.pk])


def page(client, user):
    client.force_login(user)
    response = client.get(TEAM_URL)
    assert response.status_code == 200
    return response.content.decode()


# --- who sees whom ----------------------------------------------------------------------------


def test_a_team_leader_sees_her_team_with_their_status(client, org):
    org.assign(org.sam, TODAY - timedelta(days=2))
    org.assign(org.sam, TODAY + timedelta(days=10), completed_at=timezone.now())
    nia = org.person(org.north, "Nia", job_title="Sales Executive")
    org.assign(nia, TODAY + timedelta(days=10))

    html = page(client, org.north_lead)

    assert "Your team's learning" in html
    assert "Sam Test" in html and "Nia Test" in html and "Sales Executive" in html
    assert "Jo Test" not in html and "Sol Test" not in html  # the sibling team
    assert "Marcus Test" not in html and "Leah Test" not in html  # nor the people above
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    # the figures are written out in text
    assert "33%" in html and "1 of 3 courses" in html and "1 person behind" in html
    # a nudge button for the overdue person only, as a POST form with CSRF
    overdue = org.sam.assignments.get(completed_at__isnull=True)
    assert html.count('action="/team/assignments/') == 1
    assert f'action="{nudge_url(overdue)}"' in html and "csrfmiddlewaretoken" in html


def test_the_head_of_sales_sees_both_teams_but_not_care(client, org):
    html = page(client, org.sales_head)
    assert all(name in html for name in ("Nina Test", "Sam Test", "Sol Test", "Jo Test"))
    assert "Cara Test" not in html and "Marcus Test" not in html
    assert "Northwind/Sales/North" in html and "Northwind/Sales/South" in html


def test_hr_sees_everyone(client, org, make_user):
    html = page(client, make_user(roles.HR))
    for name in ("Leah", "Marcus", "Nina", "Sol", "Cara", "Sam", "Jo"):
        assert f"{name} Test" in html


def test_a_manager_without_units_sees_an_empty_page(client, org, make_user):
    html = page(client, make_user(roles.LEARNERS, roles.MANAGERS))
    assert "Nobody is in view" in html


@pytest.mark.parametrize("role", [roles.LEARNERS, roles.TRAINERS])
def test_learners_and_trainers_may_not_see_the_team_page(client, org, make_user, role):
    client.force_login(make_user(role))
    assert client.get(TEAM_URL).status_code == 403


def test_a_person_in_a_unit_is_not_a_manager_because_of_it(client, org):
    client.force_login(org.sam)
    assert client.get(TEAM_URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(TEAM_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- shared reflections -----------------------------------------------------------------------


def test_shared_reflections_show_and_private_ones_never(client, org):
    module = make_module(course=org.course)
    other = make_module(course=org.course, slug="another-car", title="Another car")
    Reflection.objects.create(
        user=org.sam, module=module, text="Own the record.", shared_with_manager=True
    )
    Reflection.objects.create(user=org.sam, module=other, text="Private thought.")
    Reflection.objects.create(
        user=org.jo, module=module, text="Sibling team's note.", shared_with_manager=True
    )

    html = page(client, org.north_lead)
    assert "Own the record." in html and "The returned car" in html
    assert "Private thought." not in html
    assert "Sibling team" not in html

    html = page(client, org.sales_head)
    assert "Own the record." in html and "Sibling team&#x27;s note." in html
    assert "Private thought." not in html


# --- nudges through the page ------------------------------------------------------------------


def test_a_manager_nudges_an_overdue_person(client, org, django_capture_on_commit_callbacks):
    assignment = org.assign(org.sam, TODAY - timedelta(days=3))
    client.force_login(org.north_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(nudge_url(assignment))
    assert response.status_code == 302 and response.url == TEAM_URL
    notice = Notice.objects.get()
    assert (notice.kind, notice.sender, notice.recipient) == ("nudge", org.north_lead, org.sam)
    [message] = mail.outbox
    assert message.to == ["sam@northwind.example"]
    html = client.get(TEAM_URL).content.decode()
    assert "Reminder sent to Sam Test." in html
    assert "Reminded today" in html and f'action="{nudge_url(assignment)}"' not in html


def test_a_second_nudge_the_same_day_is_refused_with_a_message(client, org):
    assignment = org.assign(org.sam, TODAY - timedelta(days=3))
    client.force_login(org.north_lead)
    client.post(nudge_url(assignment))
    response = client.post(nudge_url(assignment), follow=True)
    assert "Sam Test was already reminded about" in response.content.decode()
    assert Notice.objects.count() == 1


def test_a_nudge_for_someone_not_overdue_is_refused(client, org):
    assignment = org.assign(org.sam, TODAY + timedelta(days=3))
    client.force_login(org.north_lead)
    response = client.post(nudge_url(assignment), follow=True)
    assert response.redirect_chain == [(TEAM_URL, 302)]
    assert "is not overdue for Sam Test yet" in response.content.decode()
    assert not Notice.objects.exists() and mail.outbox == []


def test_the_twenty_first_nudge_of_the_day_is_refused(client, org):
    people = [org.person(org.north, f"L{i}") for i in range(21)]
    late = [org.assign(person, TODAY - timedelta(days=1)) for person in people]
    client.force_login(org.north_lead)
    for assignment in late[:20]:
        client.post(nudge_url(assignment))
    response = client.post(nudge_url(late[20]), follow=True)
    assert "the most allowed in a day" in response.content.decode()
    assert Notice.objects.count() == 20


def test_hr_may_nudge_anyone(client, org, make_user):
    assignment = org.assign(org.jo, TODAY - timedelta(days=1))
    client.force_login(make_user(roles.HR))
    client.post(nudge_url(assignment))
    assert Notice.objects.filter(recipient=org.jo, kind="nudge").count() == 1


@pytest.mark.parametrize("who", ["sam", "north_lead", "care_head", "trainer", "jo"])
def test_nobody_but_their_managers_and_hr_may_nudge(client, org, make_user, who):
    # Sam is a learner; Nina leads the sibling team; Cara another unit; Jo is the late one
    assignment = org.assign(org.jo, TODAY - timedelta(days=1))
    user = make_user(roles.TRAINERS) if who == "trainer" else getattr(org, who)
    client.force_login(user)
    assert client.post(nudge_url(assignment)).status_code == 403
    assert not Notice.objects.exists() and mail.outbox == []


def test_nudge_is_post_only_and_needs_a_real_assignment(client, org):
    assignment = org.assign(org.sam, TODAY - timedelta(days=1))
    client.force_login(org.north_lead)
    assert client.get(nudge_url(assignment)).status_code == 405
    assert client.post(reverse("learning:nudge", args=[assignment.pk + 1000])).status_code == 404
    assert not Notice.objects.exists()


def test_an_anonymous_nudge_is_sent_to_sign_in(client, org):
    assignment = org.assign(org.sam, TODAY - timedelta(days=1))
    response = client.post(nudge_url(assignment))
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not Notice.objects.exists()
