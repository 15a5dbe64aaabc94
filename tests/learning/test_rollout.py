"""Campaigns open their waves top down, gates hold them, late joiners and leavers are followed."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from assessments.models import ModuleProgress, ScenarioAttempt
from home.models import User
from learning.models import Assignment, Band, Campaign, OrgUnit, Wave
from learning.services.rollout import (
    assignments_check_completion,
    campaign_after_save,
    campaign_people,
    campaign_sync,
    recertifications_assign,
)
from tests.modules import make_course, make_module

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
DAY0 = date(2026, 3, 2)


def import_org(tmp_path, text=ORG):
    path = tmp_path / "org.csv"
    path.write_text(text)
    call_command("import_org", str(path), stdout=io.StringIO())
    return {u.email.split("@")[0]: u for u in User.objects.all()}


@pytest.fixture
def org(tmp_path):
    return import_org(tmp_path)


@pytest.fixture
def course():
    course = make_course()
    make_module(course=course)
    return course


def make_campaign(course, unit_path="Northwind", gate=None):
    campaign = Campaign.objects.create(
        name="Everyone's day job",
        course=course,
        unit=OrgUnit.objects.get(full_name=unit_path),
        reminder_days=3,
        late_joiner_days=14,
    )
    bands = [(Band.LEADERSHIP, 0, None), (Band.MANAGERS, 7, gate), (Band.EVERYONE, 14, None)]
    for n, (band, offset, gate_percent) in enumerate(bands):
        Wave.objects.create(
            campaign=campaign,
            sort_order=n,
            name=band.label,
            band=band,
            opens_on=DAY0 + timedelta(days=offset),
            due_on=DAY0 + timedelta(days=offset + 28),
            gate_percent=gate_percent,
        )
    return campaign


def at(day):
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


def assigned(campaign):
    rows = Assignment.objects.filter(campaign=campaign, cancelled_at__isnull=True)
    return sorted(rows.values_list("user__email", flat=True))


def names(emails):
    return sorted(f"{name}@n.example" for name in emails)


def test_bands_and_nearest_managers_follow_the_tree(org, course):
    people = campaign_people(make_campaign(course))
    bands = {org_name: people[user.pk].band for org_name, user in org.items()}
    assert bands == {
        "ceo": Band.LEADERSHIP,
        "sales": Band.LEADERSHIP,
        "care": Band.LEADERSHIP,
        "north": Band.MANAGERS,
        "south": Band.MANAGERS,
        "sam": Band.EVERYONE,
        "jo": Band.EVERYONE,
    }
    assert people[org["sam"].pk].managers == {org["north"].pk}
    assert people[org["north"].pk].managers == {org["sales"].pk}  # not herself: the unit above
    assert people[org["ceo"].pk].managers == frozenset()


def test_waves_open_on_their_day_top_down(org, course):
    campaign = make_campaign(course)
    with at(DAY0 - timedelta(days=1)):
        assert campaign_sync(campaign=campaign, today=DAY0 - timedelta(days=1)).assigned == 0
    with at(DAY0):
        result = campaign_sync(campaign=campaign, today=DAY0)
    assert result.opened == ["Leadership (managers of the top units)"]
    assert assigned(campaign) == names(["ceo", "sales", "care"])
    assert set(Assignment.objects.values_list("due_on", flat=True)) == {DAY0 + timedelta(days=28)}

    # the staff wave's day has come, but it waits for the managers' wave before it
    with at(DAY0 + timedelta(days=14)):
        result = campaign_sync(campaign=campaign, today=DAY0 + timedelta(days=14))
    assert result.opened == ["Managers", "Everyone else"]
    assert assigned(campaign) == names(["ceo", "sales", "care", "north", "south", "sam", "jo"])
    sam = Assignment.objects.get(user=org["sam"])
    assert (sam.due_on, sam.late_joiner) == (DAY0 + timedelta(days=42), False)

    # running again assigns nobody twice
    with at(DAY0 + timedelta(days=15)):
        assert campaign_sync(campaign=campaign, today=DAY0 + timedelta(days=15)).assigned == 0
    assert Assignment.objects.count() == 7


def test_a_gate_holds_the_next_waves_until_enough_of_the_wave_before_completed(org, course):
    campaign = make_campaign(course, gate=60)
    with at(DAY0):
        campaign_sync(campaign=campaign, today=DAY0)
    day = DAY0 + timedelta(days=20)
    with at(day):
        result = campaign_sync(campaign=campaign, today=day)
    assert result.opened == []  # 0 of 3 leaders done: managers and staff both wait
    assert assigned(campaign) == names(["ceo", "sales", "care"])

    Assignment.objects.filter(user__in=[org["ceo"], org["sales"]]).update(
        completed_at=timezone.now()
    )  # 66 %
    with at(day):
        result = campaign_sync(campaign=campaign, today=day)
    assert result.opened == ["Managers", "Everyone else"]
    assert len(assigned(campaign)) == 7
    # opened after their day: those assigned now are on time with the wave's own date
    assert Assignment.objects.get(user=org["jo"]).due_on == DAY0 + timedelta(days=42)


def test_a_subtree_campaign_reaches_nobody_outside_it(org, course):
    campaign = make_campaign(course, unit_path="Northwind/Sales")
    day = DAY0 + timedelta(days=14)
    with at(day):
        campaign_sync(campaign=campaign, today=day)
    # leadership of this campaign: the head of sales and the managers of the units below
    assert assigned(campaign) == names(["sales", "north", "south", "sam", "jo"])


def test_late_joiners_are_assigned_with_time_to_finish_and_leavers_are_released(
    org, course, tmp_path, django_capture_on_commit_callbacks
):
    campaign = make_campaign(course)
    day = DAY0 + timedelta(days=14)
    with at(day):
        campaign_sync(campaign=campaign, today=day)
    later = DAY0 + timedelta(days=40)
    joiner = "E8,max@n.example,Max,Ode,Sales Executive,Northwind/Sales/North,\n"
    leaver = "E6,jo@n.example,Jo,Bennett,Sales Executive,Northwind/Sales/South,\n"
    with at(later), django_capture_on_commit_callbacks(execute=True):
        import_org(tmp_path, ORG.replace(leaver, "") + joiner)  # queues the campaign sync
    max_row = Assignment.objects.get(user__email="max@n.example")
    assert max_row.late_joiner
    assert max_row.due_on == later + timedelta(days=14)  # the wave was due on day 42
    jo_row = Assignment.objects.get(user=org["jo"])
    assert jo_row.cancelled_at is not None  # history kept, no longer open

    # Jo comes back: the old assignment is picked up again, not duplicated
    with at(later + timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        import_org(tmp_path, ORG + joiner)
    jo_row.refresh_from_db()
    assert jo_row.cancelled_at is None
    assert Assignment.objects.filter(user=org["jo"]).count() == 1


def test_changing_a_due_date_moves_open_assignments_only(org, course):
    campaign = make_campaign(course)
    with at(DAY0):
        campaign_sync(campaign=campaign, today=DAY0)
    done = Assignment.objects.get(user=org["ceo"])
    done.completed_at = timezone.now()
    done.save()
    wave = campaign.waves.get(band=Band.LEADERSHIP)
    wave.due_on = DAY0 + timedelta(days=35)
    wave.save()
    with at(DAY0 + timedelta(days=1)):
        campaign_after_save(campaign=campaign, today=DAY0 + timedelta(days=1))
    assert Assignment.objects.get(user=org["sales"]).due_on == DAY0 + timedelta(days=35)
    assert Assignment.objects.get(user=org["ceo"]).due_on == DAY0 + timedelta(days=28)


def test_completing_every_module_closes_the_assignment(org, course):
    module = course.get_children().specific().first()
    campaign = make_campaign(course)
    with at(DAY0):
        campaign_sync(campaign=campaign, today=DAY0)
    ceo = org["ceo"]
    ModuleProgress.objects.create(user=ceo, module=module, status=ModuleProgress.Status.IN_PROGRESS)
    assert assignments_check_completion(user_id=ceo.pk, module_id=module.pk) == 0

    # through the real service: the reflection is the last step of this module
    from assessments.services import reflection_save

    ModuleProgress.objects.filter(user=ceo).update(scenario_finished=True, quiz_passed=True)
    reflection_save(user=ceo, module=module, text="Listen first.", shared=False)
    assert Assignment.objects.get(user=ceo).completed_at is not None
    assert Assignment.objects.get(user=org["sales"]).completed_at is None
    assert ceo.refreshers.count() == 3  # 7, 30 and 90 days


def test_people_who_finished_the_course_before_are_done_when_assigned(org, course):
    module = course.get_children().first()
    ModuleProgress.objects.create(
        user=org["care"], module_id=module.pk, status=ModuleProgress.Status.COMPLETED
    )
    campaign = make_campaign(course)
    with at(DAY0):
        campaign_sync(campaign=campaign, today=DAY0)
    assert Assignment.objects.get(user=org["care"]).completed_at is not None
    assert Assignment.objects.get(user=org["sales"]).completed_at is None


def test_recertification_is_assigned_before_expiry_once_and_closes_on_a_replay(org, course):
    module = course.get_children().first()
    campaign = make_campaign(course)
    with at(DAY0):
        campaign_sync(campaign=campaign, today=DAY0)
        Assignment.objects.filter(user=org["ceo"]).update(completed_at=timezone.now())
        ModuleProgress.objects.create(
            user=org["ceo"], module_id=module.pk, status=ModuleProgress.Status.COMPLETED
        )
    # the course is valid 12 months: the recertification comes 30 days before expiry
    assert recertifications_assign(today=DAY0 + timedelta(days=300)) == 0
    expiry = date(2027, 3, 2)
    assert recertifications_assign(today=expiry - timedelta(days=30)) == 1
    assert recertifications_assign(today=expiry - timedelta(days=29)) == 0  # once
    recert = Assignment.objects.get(kind=Assignment.Kind.RECERTIFICATION)
    assert (recert.user, recert.due_on) == (org["ceo"], expiry)

    # played through again after it was assigned: done
    ScenarioAttempt.objects.create(
        user=org["ceo"],
        module_id=module.pk,
        revision_id=module.specific.live_revision_id,
        current_scene_key="end",
        status=ScenarioAttempt.Status.FINISHED,
        finished_at=timezone.now() + timedelta(seconds=1),
    )
    assert assignments_check_completion(user_id=org["ceo"].pk, module_id=module.pk) == 1


def test_my_learning_counts_only_replays_toward_a_recertification(org, course, client):
    module = course.get_children().first()
    ceo = org["ceo"]
    ModuleProgress.objects.create(
        user=ceo, module_id=module.pk, status=ModuleProgress.Status.COMPLETED
    )
    recert = Assignment.objects.create(
        user=ceo,
        course=course,
        kind=Assignment.Kind.RECERTIFICATION,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    client.force_login(ceo)
    assert "0 of 1 module completed" in client.get("/learn/").content.decode()
    ScenarioAttempt.objects.create(
        user=ceo,
        module_id=module.pk,
        revision_id=module.specific.live_revision_id,
        current_scene_key="end",
        status=ScenarioAttempt.Status.FINISHED,
        finished_at=recert.assigned_at + timedelta(minutes=5),
    )
    assert "1 of 1 module completed" in client.get("/learn/").content.decode()
