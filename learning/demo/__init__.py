"""The demo company: `org.csv` is an HR export loaded through the real import, then a campaign."""

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from assessments.models import ChoiceRecord, ModuleProgress, ScenarioAttempt
from assessments.selectors import scenario_for_revision
from courses.models import ModulePage
from home.models import User
from learning import dashboard_cache
from learning.bench_data import scenario_walk
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
    rng = random.Random(2026)  # noqa: S311  # nosec B311 # a repeatable demo, not a secret

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
    """Everything done, on scattered days near `around`, with the scores a real cohort gets.

    Each module is played through with the engine along a real path (as the player records
    it: an attempt and its choices), so the dashboards' three-E profile and the trainers'
    item analysis have something to show.
    """
    revisions = dict(
        ModulePage.objects.filter(pk__in=modules).values_list("pk", "live_revision_id")
    )
    rows, played = [], []
    for user_id in user_ids:
        day = timezone.make_aware(datetime.combine(around, time(10))) + timedelta(
            days=rng.randint(-4, 4), minutes=rng.randint(0, 480)
        )
        for module_id in modules:
            walk = scenario_walk(
                scenario_for_revision(revisions[module_id]), rng, skill=rng.uniform(-0.5, 2.5)
            )
            end = walk.states[-1]
            totals = end.totals
            played.append((user_id, module_id, revisions[module_id], walk, day))
            rows.append(
                ModuleProgress(
                    user_id=user_id,
                    module_id=module_id,
                    status=ModuleProgress.Status.COMPLETED,
                    scenario_attempts=1,
                    scenario_finished=True,
                    best_outcome=end.outcome,
                    latest_outcome=end.outcome,
                    best_engagement=totals.engagement,
                    best_education=totals.education,
                    best_empowerment=totals.empowerment,
                    latest_engagement=totals.engagement,
                    latest_education=totals.education,
                    latest_empowerment=totals.empowerment,
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
    _record_plays(played)
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


def _record_plays(played) -> None:
    """The attempts and choices of finished play-throughs, as the player saves them."""
    attempts = ScenarioAttempt.objects.bulk_create(
        [
            ScenarioAttempt(
                user_id=user_id,
                module_id=module_id,
                revision_id=revision_id,
                status=ScenarioAttempt.Status.FINISHED,
                current_scene_key=walk.states[-1].scene_key,
                step=walk.states[-1].step,
                engagement=walk.states[-1].totals.engagement,
                education=walk.states[-1].totals.education,
                empowerment=walk.states[-1].totals.empowerment,
                sentiment=walk.states[-1].totals.sentiment,
                outcome=walk.states[-1].outcome,
                finished_at=day,
            )
            for user_id, module_id, revision_id, walk, day in played
        ]
    )
    fields = ("step", "scene_key", "choice_index", "choice_label", "next_scene_key")
    deltas = ("engagement", "education", "empowerment", "sentiment")
    ChoiceRecord.objects.bulk_create(
        [
            ChoiceRecord(
                attempt_id=attempt.pk,
                **dict(zip(fields, choice[:5], strict=True)),
                **dict(zip(deltas, choice[5:9], strict=True)),
            )
            for attempt, (*_, walk, _day) in zip(attempts, played, strict=True)
            for choice in walk.choices
        ]
    )
