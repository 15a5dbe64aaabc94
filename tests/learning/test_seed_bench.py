"""`manage.py seed_bench`: the benchmark company is a consistent one, at any size.

Seeded small (80 people, one course of five modules, two units below each unit: 31 units on
five levels), then checked table against table the way the services would have written them.
"""

from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from assessments.models import (
    OUTCOME_RANK,
    ChoiceRecord,
    KnowledgeCheckAttempt,
    ModuleProgress,
    Reflection,
    ScenarioAttempt,
)
from assessments.quiz import score_quiz
from assessments.scenario import Scenario
from courses.models import CoursePage, ModulePage
from home import roles
from home.models import User
from learning.models import Assignment, Band, Campaign, Certificate, EmployeeProfile, OrgUnit, Wave
from learning.rules import add_months
from learning.services.certificates import certificate_title_for
from tests.certificates import make_org, make_person

SMALL = ("--learners", "80", "--modules", "5", "--seed", "3")


def seed(*extra):
    call_command("seed_bench", *SMALL, *extra, verbosity=0)


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the read-only tests of a class, and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield {
            "root": OrgUnit.get_root_nodes().get(full_name="Benchcorp"),
            "modules": {
                m.pk: m
                for m in ModulePage.objects.filter(slug__startswith="bench-").order_by("path")
            },
        }
        transaction.set_rollback(True)


@pytest.fixture
def bench(seeded, db):
    return seeded


def structure() -> dict[str, int]:
    return {
        "accounts": User.objects.filter(email__endswith="@bench.example").count(),
        "units": OrgUnit.objects.count(),
        "profiles": EmployeeProfile.objects.count(),
        "courses": CoursePage.objects.count(),
        "modules": ModulePage.objects.count(),
        "campaigns": Campaign.objects.count(),
        "waves": Wave.objects.count(),
        "assignments": Assignment.objects.count(),
    }


def history() -> dict[str, int]:
    return {
        "attempts": ScenarioAttempt.objects.count(),
        "choices": ChoiceRecord.objects.count(),
        "progress": ModuleProgress.objects.count(),
        "certificates": Certificate.objects.count(),
    }


class TestSeededCompany:
    """Read-only checks on one seeded company."""

    def test_org_is_five_levels_with_one_manager_per_unit(self, bench):
        units = list(OrgUnit.objects.filter(path__startswith=bench["root"].path))
        assert len(units) == 1 + 2 + 4 + 8 + 16
        assert Counter(u.depth for u in units) == {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}
        assert all(not problems for problems in OrgUnit.find_problems())  # treebeard's own check
        by_path = {u.path: u for u in units}
        for unit in units:  # full_name is the slash path of the names from the root
            names = [by_path[unit.path[:end]].name for end in range(4, len(unit.path) + 1, 4)]
            assert unit.full_name == "/".join(names)
        team = next(u for u in units if u.depth == 5)
        assert team.full_name.startswith("Benchcorp/") and team.full_name.count("/") == 4

        managers = list(OrgUnit.managers.through.objects.values_list("orgunit_id", "user_id"))
        assert sorted(unit_id for unit_id, _ in managers) == sorted(u.pk for u in units)
        profiles = {p.user_id: p for p in EmployeeProfile.objects.all()}
        in_managers_group = set(
            User.objects.filter(groups__name=roles.MANAGERS).values_list("pk", flat=True)
        )
        for unit_id, user_id in managers:
            profile = profiles[user_id]
            assert (profile.unit_id, profile.is_manager, profile.active) == (unit_id, True, True)
            assert user_id in in_managers_group
        assert len(profiles) == 80
        assert sum(p.is_manager for p in profiles.values()) == len(units) == len(in_managers_group)
        assert len({p.employee_id for p in profiles.values()}) == 80
        staff = [p for p in profiles.values() if not p.is_manager]
        depth = {u.pk: u.depth for u in units}
        assert sum(depth[p.unit_id] == 5 for p in staff) > len(staff) / 2  # most work in teams
        for profile in profiles.values():  # leavers cannot sign in, and are no longer learners
            assert profile.user.is_active == profile.active
            assert (profile.left_at is None) == profile.active
        learners = set(
            User.objects.filter(groups__name=roles.LEARNERS).values_list("pk", flat=True)
        )
        assert learners == {p.user_id for p in profiles.values() if p.active}

    def test_assignments_follow_the_waves_top_down(self, bench):
        courses = list(CoursePage.objects.filter(slug__startswith="bench-"))
        assert len(courses) == 1 and len(bench["modules"]) == 5
        campaign = Campaign.objects.get(course=courses[0])
        assert campaign.unit == bench["root"]
        waves = {w.band: w for w in campaign.waves.all()}
        leadership, managers, everyone = (waves[band] for band in Band.values)
        assert leadership.opens_on < managers.opens_on < everyone.opens_on <= timezone.localdate()
        profiles = {p.user_id: p for p in EmployeeProfile.objects.select_related("unit")}
        assignments = list(Assignment.objects.filter(campaign=campaign))
        assert sorted(a.user_id for a in assignments) == sorted(profiles)  # one each
        for a in assignments:
            profile = profiles[a.user_id]
            band = Band.EVERYONE
            if profile.is_manager:
                band = Band.LEADERSHIP if profile.unit.depth <= 2 else Band.MANAGERS
            assert a.wave == waves[band] and a.due_on == waves[band].due_on
            assert a.kind == Assignment.Kind.CAMPAIGN and a.course_id == courses[0].pk
            if a.cancelled_at is not None:  # only leavers are released, never a finished course
                assert not profile.active and a.completed_at is None

    def test_progress_rows_agree_with_attempts_checks_and_reflections(self, bench):
        modules = bench["modules"]
        attempts, quizzes = defaultdict(list), defaultdict(list)
        for attempt in ScenarioAttempt.objects.order_by("started_at", "pk"):
            assert attempt.revision_id == modules[attempt.module_id].live_revision_id
            attempts[attempt.user_id, attempt.module_id].append(attempt)
        for quiz in KnowledgeCheckAttempt.objects.order_by("number"):
            quizzes[quiz.user_id, quiz.module_id].append(quiz)
        reflections = {(r.user_id, r.module_id): r for r in Reflection.objects.all()}
        progress = list(ModuleProgress.objects.all())
        statuses = Counter(p.status for p in progress)
        assert statuses["completed"] > 20 and statuses["in_progress"] > 5
        assert set(attempts) | set(quizzes) | set(reflections) == {
            (p.user_id, p.module_id) for p in progress
        }

        for p in progress:
            key, module = (p.user_id, p.module_id), modules[p.module_id]
            played = attempts[key]
            finished = [a for a in played if a.status == ScenarioAttempt.Status.FINISHED]
            assert p.scenario_attempts == len(played) >= 1
            assert p.scenario_finished == bool(finished)
            assert sum(a.status == ScenarioAttempt.Status.IN_PROGRESS for a in played) <= 1
            if finished:
                latest = finished[-1]
                assert (p.latest_outcome, p.latest_engagement, p.latest_education) == (
                    latest.outcome,
                    latest.engagement,
                    latest.education,
                )
                best = finished[0]  # the services' rule: a better outcome, or the same, higher
                for a in finished[1:]:
                    total = a.engagement + a.education + a.empowerment
                    best_total = best.engagement + best.education + best.empowerment
                    if OUTCOME_RANK[a.outcome] > OUTCOME_RANK[best.outcome] or (
                        a.outcome == best.outcome and total > best_total
                    ):
                        best = a
                assert (p.best_outcome, p.best_empowerment) == (best.outcome, best.empowerment)
            else:
                assert (p.best_outcome, p.latest_outcome, p.best_engagement) == ("", "", None)

            checks = quizzes[key]
            assert [q.number for q in checks] == list(range(1, len(checks) + 1))
            assert len(checks) <= module.max_attempts
            questions = module.questions_data()
            for q in checks:  # stored as the player stores them, and scored as it scores them
                assert all(isinstance(a, list) for a in q.answers)
                assert len(q.answers) == len(questions)
                result = score_quiz(questions, q.answers, module.pass_mark)
                assert (q.score_percent, q.passed) == (result.score_percent, result.passed)
            assert p.quiz_attempts == len(checks)
            assert p.quiz_passed == any(q.passed for q in checks)
            scores = [q.score_percent for q in checks]
            assert p.quiz_best_score == (max(scores) if scores else None)
            assert p.quiz_latest_score == (scores[-1] if scores else None)
            assert p.reflection_done == (key in reflections)

            complete = p.scenario_finished and p.quiz_passed and p.reflection_done
            assert (p.status == ModuleProgress.Status.COMPLETED) == complete
            assert (p.completed_at is not None) == complete
            moments = [a.updated_at for a in played] + [q.created_at for q in checks]
            if key in reflections:
                moments.append(reflections[key].created_at)
            assert p.last_activity_at == max(moments)
            if complete:
                assert p.completed_at == max(
                    finished[0].finished_at,
                    next(q.created_at for q in checks if q.passed),
                    reflections[key].created_at,
                )
        shared = sum(r.shared_with_manager for r in reflections.values())
        assert 0 < shared < len(reflections)

    def test_choices_are_real_paths_through_each_scenario(self, bench):
        scenarios = {
            pk: Scenario.from_data(m.scenario_data()) for pk, m in bench["modules"].items()
        }
        records = defaultdict(list)
        for record in ChoiceRecord.objects.order_by("attempt", "step"):
            records[record.attempt_id].append(record)
        attempts = list(ScenarioAttempt.objects.all())
        assert sum(len(r) for r in records.values()) == ChoiceRecord.objects.count() > 100
        for attempt in attempts:
            scenario, steps = scenarios[attempt.module_id], records[attempt.pk]
            assert [r.step for r in steps] == list(range(len(steps)))
            if steps:
                assert steps[0].scene_key == scenario.start_key
            for before, after in pairwise(steps):
                assert before.next_scene_key == after.scene_key
                assert before.created_at < after.created_at
            for r in steps:
                choice = scenario.scene(r.scene_key).choices[r.choice_index]
                assert (r.choice_label, r.next_scene_key) == (choice.label[:300], choice.next)
                assert (r.engagement, r.education, r.empowerment, r.sentiment) == (
                    choice.deltas.engagement,
                    choice.deltas.education,
                    choice.deltas.empowerment,
                    choice.deltas.sentiment,
                )
            state = scenario.replay([(r.scene_key, r.choice_index) for r in steps])
            assert (attempt.current_scene_key, attempt.step) == (state.scene_key, state.step)
            assert (attempt.engagement, attempt.empowerment, attempt.sentiment) == (
                state.totals.engagement,
                state.totals.empowerment,
                state.totals.sentiment,
            )
            assert attempt.finished == state.finished
            assert attempt.outcome == (state.outcome if state.finished else "")
            assert (attempt.finished_at is not None) == attempt.finished
        assert any(not a.finished for a in attempts) and any(a.finished for a in attempts)

    def test_certificates_only_for_people_who_completed_every_module(self, bench):
        course = CoursePage.objects.get(slug__startswith="bench-")
        modules = set(bench["modules"])
        done = defaultdict(set)
        for user_id, module_id in ModuleProgress.objects.filter(
            status=ModuleProgress.Status.COMPLETED
        ).values_list("user_id", "module_id"):
            done[user_id].add(module_id)
        finished = {user_id for user_id, ids in done.items() if ids == modules}
        certificates = list(Certificate.objects.select_related("user"))
        assert finished and sorted(c.user_id for c in certificates) == sorted(finished)
        completed_at = dict(
            ModuleProgress.objects.filter(user_id__in=finished)
            .order_by("completed_at")
            .values_list("user_id", "completed_at")
        )  # the last module's completion
        assignments = {a.user_id: a for a in Assignment.objects.all()}
        for c in certificates:
            assert c.course_id == course.pk and c.code and len(c.code) >= 20
            assert c.learner_name == c.user.get_full_name()
            assert c.course_title == certificate_title_for(course)
            assert c.issued_at == completed_at[c.user_id] == assignments[c.user_id].completed_at
            issued_on = timezone.localdate(c.issued_at)
            assert c.expires_on == add_months(issued_on, course.validity_months)
            if c.revoked_at:
                assert c.issued_at <= c.revoked_at and c.revoked_reason
        for user_id, a in assignments.items():
            assert (a.completed_at is not None) == (user_id in finished)
        assert len({c.code for c in certificates}) == len(certificates)


def test_refuses_existing_data_and_force_replaces_without_doubling(db):
    seed()
    before, had = structure(), history()
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert structure() == before
    old_root = OrgUnit.get_root_nodes().get(full_name="Benchcorp").pk

    seed("--force")
    assert structure() == before
    assert OrgUnit.get_root_nodes().get(full_name="Benchcorp").pk != old_root
    for name, count in history().items():  # the same seed, a few seconds later: about equal
        assert 0.8 * had[name] <= count <= 1.2 * had[name], name


def test_force_leaves_other_learner_data_alone(make_user):
    org = make_org()
    ada = make_person(make_user, "Ada", "Lovelace", org["sales"])
    with pytest.raises(CommandError):
        seed()
    assert not OrgUnit.get_root_nodes().filter(full_name="Benchcorp").exists()

    seed("--force")
    seed("--force")
    assert EmployeeProfile.objects.filter(user=ada, unit=org["sales"]).exists()
    assert OrgUnit.get_root_nodes().count() == 2
    assert EmployeeProfile.objects.count() == 81


def test_too_few_people_for_the_tree_is_an_error(db):
    with pytest.raises(CommandError, match="at least 31"):
        call_command("seed_bench", "--learners", "30", "--fanout", "2", verbosity=0)
    assert not User.objects.filter(email__endswith="@bench.example").exists()
