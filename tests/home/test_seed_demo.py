import itertools

import pytest
from django.core.management import CommandError, call_command

from home import roles
from home.demo import DEMO_PASSWORD, DEMO_PEOPLE
from home.models import HomePage, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_every_role_and_is_idempotent(settings, capsys):
    settings.DEBUG = True
    from learning.models import EmployeeProfile, OrgUnit

    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out  # logins printed in dev
    first = (User.objects.count(), EmployeeProfile.objects.count(), OrgUnit.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), EmployeeProfile.objects.count(), OrgUnit.objects.count()) == first
    # the demo logins are in the org chart, except the staff roles
    assert {u.email for u in User.objects.filter(profile=None)} == {
        "admin@northwind.example",
        "hr@northwind.example",
        "trainer@northwind.example",
    }
    assert {p.email for p in DEMO_PEOPLE} <= set(User.objects.values_list("email", flat=True))
    assert EmployeeProfile.objects.count() >= 55
    assert OrgUnit.objects.order_by("-depth").first().depth >= 4
    assert not OrgUnit.objects.filter(managers=None).exists()  # every unit has its manager
    ceo = User.objects.get(email="ceo@northwind.example")
    assert ceo.check_password(DEMO_PASSWORD) and ceo.profile.unit.is_root()

    def members(role):
        return User.objects.filter(groups__name=role).count()

    assert members(roles.HR) >= 1
    assert members(roles.TRAINERS) >= 1
    assert members(roles.MANAGERS) >= 3  # a leader and two managers of sibling teams
    assert members(roles.LEARNERS) >= 4
    home = HomePage.objects.get()
    assert home.live
    assert home.body[0].block_type == "pillars"


def test_seed_demo_with_force_runs_without_debug_but_prints_no_password(settings, capsys):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert User.objects.filter(email__in=[p.email for p in DEMO_PEOPLE]).count() == len(DEMO_PEOPLE)
    assert DEMO_PASSWORD not in capsys.readouterr().out


def test_demo_learner_can_sign_in(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    client.post(
        "/accounts/login/", {"login": "sam.sales@northwind.example", "password": DEMO_PASSWORD}
    )
    assert "_auth_user_id" in client.session


def test_the_demo_completions_were_played_along_real_paths(settings):
    from django.db.models import Count

    from assessments.models import ModuleProgress, ScenarioAttempt

    settings.DEBUG = True
    call_command("seed_demo")
    completed = ModuleProgress.objects.filter(status="completed")
    attempts = ScenarioAttempt.objects.filter(status="finished").annotate(n=Count("choices"))
    assert completed.count() == attempts.count() > 0
    for attempt in attempts:
        assert attempt.n == attempt.step and attempt.outcome  # every choice recorded, an ending
        choices = list(attempt.choices.order_by("step"))
        for before, after in itertools.pairwise(choices):
            assert before.next_scene_key == after.scene_key  # a path, not a shuffle
        progress = completed.get(user_id=attempt.user_id, module_id=attempt.module_id)
        assert progress.best_outcome == attempt.outcome
        assert progress.best_engagement == attempt.engagement
