"""A lived-in company for the accessibility checks: the demo, a few weeks into its rollout.

`seed_demo` (about two seconds) gives Northwind Motors: its org chart, a course of five
modules, a campaign in three waves with people done, started and overdue, certificates and
refreshers. On top of it: a learner with a module half-played, refreshers due and not yet
due, a story submitted, and certificates valid, expired and revoked; a teammate's shared
reflection for the manager; a bulk download being built for HR; HR and the trainer with a
second factor.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from assessments import services as player
from assessments.models import ModuleProgress
from courses.models import CoursePage, ModulePage
from home.demo import DEMO_PASSWORD
from home.models import User
from learning.models import Campaign, Certificate, CertificateBatch, OrgUnit, Refresher
from learning.services.certificates import certificate_revoke, certificate_title_for
from learning.services.refreshers import refreshers_schedule
from learning.services.stories import story_submit
from tests.conftest import enable_totp

PASSWORD = DEMO_PASSWORD
LEARNER = "sam.sales@northwind.example"  # Sales, Leeds Showroom
TEAMMATE = "jo.sales@northwind.example"  # Sales, Manchester Showroom
MANAGER = "sales.manager@northwind.example"  # Head of Sales
HR = "hr@northwind.example"
ADMIN = "admin@northwind.example"  # a superuser, with no second factor yet
TRAINER = "trainer@northwind.example"


@dataclass
class World:
    course: CoursePage
    modules: list[ModulePage]
    learner: User
    manager: User
    hr: User
    hr_secret: str
    trainer: User
    trainer_secret: str
    certificate: Certificate
    revoked: Certificate
    expired: Certificate
    refresher: Refresher
    refresher_later: Refresher
    campaign: Campaign
    unit: OrgUnit
    batch: CertificateBatch


def _first_choice(user, module):
    attempt = player.attempt_start(user=user, module_id=module.pk)
    player.attempt_choose(
        module_id=module.pk,
        user=user,
        scene_key=attempt.current_scene_key,
        choice_index=0,
        step=attempt.step,
    )


def _certificate(user, course, *, issued_days_ago: int, expires_in: int) -> Certificate:
    today = timezone.localdate()
    return Certificate.objects.create(
        user=user,
        course=course,
        learner_name=user.display_name,
        course_title=certificate_title_for(course),
        issued_at=timezone.now() - timedelta(days=issued_days_ago),
        expires_on=today + timedelta(days=expires_in),
    )


def build_world() -> World:
    call_command("seed_demo", force=True, verbosity=0)
    people = {u.email: u for u in User.objects.filter(email__endswith="@northwind.example")}
    learner, teammate = people[LEARNER], people[TEAMMATE]
    course = CoursePage.objects.get(slug="everyones-day-job")
    modules = list(ModulePage.objects.live().child_of(course).order_by("path"))
    today = timezone.localdate()

    # the learner: the second module half-played (the browser plays the first one)
    _first_choice(learner, modules[1])
    # a refresher of the third module, due today
    ModuleProgress.objects.get_or_create(
        user=learner, module_id=modules[2].pk, defaults={"status": ModuleProgress.Status.COMPLETED}
    )
    refreshers_schedule(
        user_id=learner.pk, module_id=modules[2].pk, completed_on=today - timedelta(days=7)
    )
    refresher = Refresher.objects.filter(user=learner, due_on__lte=today).first()
    later = Refresher.objects.filter(user=learner, due_on__gt=today).order_by("due_on").first()
    story_submit(
        user=learner,
        title="The loan car nobody booked",
        summary="A customer came for a booked loan car that nobody had reserved.",
        source="Told at the Leeds showroom",
        touchpoint="service",
        missing_e="education",
        body="She had booked it by phone.\n\nThe booking was on a sticky note.",
        anonymous=False,
    )
    certificate = _certificate(learner, course, issued_days_ago=3, expires_in=362)

    # a teammate's shared reflection, for the manager's dashboard
    _first_choice(teammate, modules[0])
    player.reflection_save(
        user=teammate,
        module=modules[0],
        text="A sticky note is not a booking system: I will log every promise I make.",
        shared=True,
    )

    hr, trainer = people[HR], people[TRAINER]
    # the learner's history: one revoked (its PDF link answers with a page), one expired
    revoked = _certificate(learner, course, issued_days_ago=400, expires_in=-35)
    certificate_revoke(certificate=revoked, by=hr, reason="Issued to the wrong person")
    expired = _certificate(learner, course, issued_days_ago=800, expires_in=-400)
    batch = CertificateBatch.objects.create(
        requested_by=hr, description="Sales, every course", status="running", total=12, done=5
    )
    return World(
        course=course,
        modules=modules,
        learner=learner,
        manager=people[MANAGER],
        hr=hr,
        hr_secret=enable_totp(hr),
        trainer=trainer,
        trainer_secret=enable_totp(trainer),
        certificate=certificate,
        revoked=revoked,
        expired=expired,
        refresher=refresher,
        refresher_later=later,
        campaign=Campaign.objects.get(),
        unit=OrgUnit.objects.get(full_name="Northwind Motors/Sales/North"),
        batch=batch,
    )
