"""The demo company: `org.csv` is an HR export loaded through the real import, then a campaign."""

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from assessments.models import ModuleProgress
from courses.models import ModulePage
from home.models import User
from learning import dashboard_cache
from learning.models import Assignment, Band, Campaign, Certificate, OrgUnit, Wave
from learning.org_file import read_org_file
from learning.rules import add_months
from learning.services.certificates import certificate_title_for
from learning.services.org import org_import_apply, org_import_plan
from learning.services.refreshers import refreshers_schedule
from learning.services.rollout import campaign_sync

ORG_FILE = Path(__file__).with_name("org.csv")


def seed_org() -> dict:
    """Import the demo org chart (idempotent: a second run changes nothing); no invitations."""
    plan = org_import_plan(read_org_file(ORG_FILE.read_bytes(), ORG_FILE.name))
    org_import_apply(plan, invite=False)
    return plan.summary()


CAMPAIGN_NAME = "Customer Experience Foundations: top-down rollout"


def seed_campaign(course, *, today: date | None = None) -> Campaign | None:
    """One campaign in three waves, as it would stand some weeks in (idempotent).

    Leadership finished a month ago, half of the managers are done (the others are overdue),
    and the staff wave has just opened, with a few people already started. Waves open through
    the real service; progress is written as the player would leave it, then dated back.
    """
    if Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return None
    today = today or timezone.localdate()
    root = OrgUnit.get_root_nodes().get(full_name="Northwind Motors")
    campaign = Campaign.objects.create(
        name=CAMPAIGN_NAME, course=course, unit=root, reminder_days=3, late_joiner_days=14
    )
    plan = [  # name, band, opens (days from today), due, gate on the wave before
        ("Leadership", Band.LEADERSHIP, -60, -30, None),
        ("Managers", Band.MANAGERS, -35, -3, 80),
        ("Everyone else", Band.EVERYONE, -2, 26, 50),
    ]
    waves = [
        Wave.objects.create(
            campaign=campaign,
            sort_order=n,
            name=name,
            band=band,
            opens_on=today + timedelta(days=opens),
            due_on=today + timedelta(days=due),
            gate_percent=gate,
        )
        for n, (name, band, opens, due, gate) in enumerate(plan)
    ]
    modules = list(
        ModulePage.objects.live().child_of(course).order_by("path").values_list("pk", flat=True)
    )
    rng = random.Random(2026)  # noqa: S311 - a repeatable demo, not a secret

    campaign_sync(campaign=campaign, today=today)  # leadership
    leaders = _wave_users(waves[0])
    _complete(leaders, modules, rng, around=today - timedelta(days=40), course=course)
    campaign_sync(campaign=campaign, today=today)  # managers: the gate is met
    managers = _wave_users(waves[1])
    _complete(
        managers[: len(managers) // 2],
        modules,
        rng,
        around=today - timedelta(days=10),
        course=course,
    )
    _start(managers[len(managers) // 2 :], modules[:2], rng, around=today - timedelta(days=12))
    campaign_sync(campaign=campaign, today=today)  # everyone: half the managers are done
    staff = _wave_users(waves[2])
    rng.shuffle(staff)
    _complete(staff[:3], modules, rng, around=today - timedelta(days=1), course=course)
    _start(staff[3:12], modules[:1], rng, around=today - timedelta(days=1))
    for wave, (_, _, opens, _, _) in zip(waves, plan, strict=True):
        opened = timezone.now() + timedelta(days=opens)
        Wave.objects.filter(pk=wave.pk).update(opened_at=opened)
        Assignment.objects.filter(wave=wave).update(assigned_at=opened)
    return campaign


def _wave_users(wave) -> list[int]:
    return list(wave.assignments.order_by("user__email").values_list("user_id", flat=True))


def _complete(user_ids, modules, rng, *, around, course) -> None:
    """Everything done, on scattered days near `around`, with the scores a real cohort gets."""
    rows = []
    for user_id in user_ids:
        day = timezone.make_aware(datetime.combine(around, time(10))) + timedelta(
            days=rng.randint(-4, 4), minutes=rng.randint(0, 480)
        )
        for module_id in modules:
            outcome = rng.choices(["good", "mixed", "poor"], weights=[6, 3, 1])[0]
            scores = [rng.randint(-1, 6) for _ in range(3)]
            rows.append(
                ModuleProgress(
                    user_id=user_id,
                    module_id=module_id,
                    status=ModuleProgress.Status.COMPLETED,
                    scenario_attempts=rng.choice([1, 1, 2]),
                    scenario_finished=True,
                    best_outcome=outcome,
                    latest_outcome=outcome,
                    best_engagement=scores[0],
                    best_education=scores[1],
                    best_empowerment=scores[2],
                    latest_engagement=scores[0],
                    latest_education=scores[1],
                    latest_empowerment=scores[2],
                    quiz_attempts=1,
                    quiz_best_score=rng.choice([75, 80, 100, 100]),
                    quiz_latest_score=100,
                    quiz_passed=True,
                    reflection_done=True,
                    completed_at=day,
                    last_activity_at=day,
                )
            )
            refreshers_schedule(user_id=user_id, module_id=module_id, completed_on=day.date())
    ModuleProgress.objects.bulk_create(rows, ignore_conflicts=True)
    people = User.objects.in_bulk(user_ids)
    certificates = []
    for user_id in user_ids:
        done_at = max(r.completed_at for r in rows if r.user_id == user_id)
        Assignment.objects.filter(user_id=user_id, completed_at__isnull=True).update(
            completed_at=done_at
        )
        issued_on = timezone.localdate(done_at)
        certificates.append(
            Certificate(
                user_id=user_id,
                course=course,
                learner_name=people[user_id].display_name,
                course_title=certificate_title_for(course),
                issued_at=done_at,
                expires_on=add_months(issued_on, course.validity_months)
                if course.validity_months
                else None,
            )
        )
    # what completing the course through the player issues (without the emails)
    Certificate.objects.bulk_create(certificates)
    dashboard_cache.changed()


def _start(user_ids, modules, rng, *, around) -> None:
    """Started: the first module(s) finished or half-way, nothing complete yet."""
    rows = []
    for user_id in user_ids:
        day = timezone.make_aware(datetime.combine(around, time(14))) + timedelta(
            days=rng.randint(-2, 1)
        )
        for module_id in modules:
            rows.append(
                ModuleProgress(
                    user_id=user_id,
                    module_id=module_id,
                    status=ModuleProgress.Status.IN_PROGRESS,
                    scenario_attempts=1,
                    last_activity_at=day,
                )
            )
    ModuleProgress.objects.bulk_create(rows, ignore_conflicts=True)
    dashboard_cache.changed()
