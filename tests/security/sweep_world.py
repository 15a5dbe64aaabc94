"""The world the URL sweep probes: two sibling teams, their people and every kind of object.

Northwind (led by Leah) has two teams, North and South. Sam (North) and Jo (South) are learners
who played the same module to the end, passed its check, shared a reflection with their
manager, earned a certificate and have refreshers planned; on a second module each wrote a
reflection they kept to themselves. Each told a story (Sam one more, kept from his manager).
Each has an open, overdue assignment in a campaign aimed at their own team and one in a
company-wide campaign. Nina leads North, Sol leads South. HR and a trainer have their second
factor set up, so the admin answers them with its real permissions, not the MFA set-up page.

The org comes in through the real import; the learning is made by playing through HTTP.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from home import roles
from home.models import User
from home.services import user_create
from learning.models import (
    Assignment,
    Band,
    Campaign,
    Certificate,
    CertificateBatch,
    OrgUnit,
    Refresher,
    Wave,
)
from learning.services.org import org_import_upload
from tests.conftest import PASSWORD, enable_totp
from tests.modules import make_course, make_module

ORG = (
    "employee_id,email,first_name,last_name,job_title,unit_path,manager\n"
    "E1,leah.donovan@sweep.example,Leah,Donovan,MD,Northwind,yes\n"
    "E2,nina.patel@sweep.example,Nina,Patel,Team Leader,Northwind/North,yes\n"
    "E3,sam.carter@sweep.example,Sam,Carter,Sales Executive,Northwind/North,\n"
    "E4,sol.reyes@sweep.example,Sol,Reyes,Team Leader,Northwind/South,yes\n"
    "E5,jo.bennett@sweep.example,Jo,Bennett,Sales Executive,Northwind/South,\n"
)

# What each learner writes, shared with their manager: words that must show up nowhere else.
REFLECTIONS = {
    "sam": "Reflection of Sam: the refund desk rule traps customers every Friday.",
    "jo": "Reflection of Jo: the courtesy car form makes people wait an hour.",
}
# What each learner writes on a second module and keeps to themselves: nobody else sees it.
PRIVATE_REFLECTIONS = {
    "sam": "Private note of Sam: I hide from the phone after lunch.",
    "jo": "Private note of Jo: I skip the checklist when it is busy.",
}
# A story each learner tells under their name, and one Sam keeps from his manager.
STORIES = {
    "sam": "Story of Sam: the valet lost the keys",
    "jo": "Story of Jo: a loan car with no fuel",
}
ANONYMOUS_STORY = "An unsigned story: the invoice in the wrong name"

# the choices that reach the good ending, and the right answers of the knowledge check
GOOD_PATH = [("call", 0), ("check", 0)]
RIGHT_ANSWERS = {"q0": ["1"], "q1": ["0", "1"]}


@dataclass
class World:
    people: dict[str, User]
    units: dict[str, OrgUnit]
    module: object
    second_module: object
    course: object
    campaigns: dict[str, Campaign]
    assignments: dict[str, Assignment]
    certificates: dict[str, Certificate]
    refreshers: dict[str, Refresher]
    org_import: object
    batch: CertificateBatch
    ids: dict[str, object] = field(default_factory=dict)

    def user(self, key: str) -> User:
        return self.people[key]

    def marks_of(self, key: str) -> list[str]:
        """What would betray that a page shows this person's records: name, email, words."""
        person = self.people[key]
        marks = [person.get_full_name(), person.email]
        if key in REFLECTIONS:
            marks += [REFLECTIONS[key], PRIVATE_REFLECTIONS[key], STORIES[key]]
            marks.append(self.certificates[key].code)
        if key == "sam":
            marks.append(ANONYMOUS_STORY)
        return marks


def _play_through(user, module) -> None:
    """The learner plays the module as a person would: scenario, check, reflection."""
    client = Client()
    client.force_login(user)
    start = reverse("assessments:start", args=[module.pk])
    assert client.post(start).status_code == 302
    choose = reverse("assessments:choose", args=[module.pk])
    for step, (scene, choice) in enumerate(GOOD_PATH):
        response = client.post(choose, {"step": step, "scene": scene, "choice": choice})
        assert response.status_code == 302, response.content
    check = reverse("assessments:knowledge_check", args=[module.pk])
    assert client.post(check, RIGHT_ANSWERS).status_code == 200
    reflect = reverse("assessments:reflect", args=[module.pk])
    key = user.first_name.lower()
    response = client.post(reflect, {"text": REFLECTIONS[key], "shared": "on"})
    assert response.status_code == 302, response.content


def _reflect_privately(user, module) -> None:
    client = Client()
    client.force_login(user)
    text = PRIVATE_REFLECTIONS[user.first_name.lower()]
    response = client.post(reverse("assessments:reflect", args=[module.pk]), {"text": text})
    assert response.status_code == 302, response.content


def _tell_story(user, title, *, anonymous=False) -> None:
    client = Client()
    client.force_login(user)
    form = {
        "title": title,
        "summary": "A customer needed help and a rule stood in the way.",
        "touchpoint": "service",
        "missing_e": "empowerment",
        "anonymous": "on" if anonymous else "",
    }
    response = client.post(reverse("learning:story_submit"), form)
    assert response.status_code == 302, response.content


def _campaign(name, course, unit, today, user) -> tuple[Campaign, Assignment]:
    campaign = Campaign.objects.create(name=name, course=course, unit=unit)
    wave = Wave.objects.create(
        campaign=campaign,
        name="Everyone",
        band=Band.EVERYONE,
        opens_on=today - timedelta(days=30),
        due_on=today - timedelta(days=2),
        opened_at=timezone.now() - timedelta(days=30),
    )
    assignment = Assignment.objects.create(
        user=user, course=course, campaign=campaign, wave=wave, due_on=wave.due_on
    )
    return campaign, assignment


def build_world(tmp_dir) -> World:
    path = tmp_dir / "org.csv"
    path.write_text(ORG)
    call_command("import_org", str(path), stdout=io.StringIO())
    people = {
        u.email.split(".")[0]: u for u in User.objects.filter(email__endswith="sweep.example")
    }
    for person in people.values():  # as if each had accepted their invitation
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    people["hr"] = user_create(
        email="hana.reyes@sweep.example",
        password=PASSWORD,
        first_name="Hana",
        last_name="Reyes",
        role_names=(roles.HR,),
    )
    people["trainer"] = user_create(
        email="theo.trainer@sweep.example",
        password=PASSWORD,
        first_name="Theo",
        last_name="Trainer",
        role_names=(roles.TRAINERS,),
    )
    for staff in ("hr", "trainer"):
        enable_totp(people[staff])
    units = {u.name.lower(): u for u in OrgUnit.objects.all()}

    course = make_course()
    module = make_module(course=course)
    for key in ("sam", "jo"):
        _play_through(people[key], module)
        _tell_story(people[key], STORIES[key])
    _tell_story(people["sam"], ANONYMOUS_STORY, anonymous=True)
    # added once both earned the course's certificate
    second = make_module(course=course, slug="the-second-call", title="The second call")
    for key in ("sam", "jo"):
        _reflect_privately(people[key], second)

    today = timezone.localdate()
    north, sam_assignment = _campaign("North rollout", course, units["north"], today, people["sam"])
    south, jo_assignment = _campaign("South rollout", course, units["south"], today, people["jo"])
    company, _ = _campaign("Company rollout", course, units["northwind"], today, people["sam"])
    Assignment.objects.create(
        user=people["jo"],
        course=course,
        campaign=company,
        wave=company.waves.get(),
        due_on=today - timedelta(days=2),
    )
    draft = Campaign.objects.create(name="Draft campaign", course=course, unit=units["north"])

    certificates = {key: Certificate.objects.get(user=people[key]) for key in ("sam", "jo")}
    refreshers = {
        key: Refresher.objects.filter(user=people[key]).order_by("interval_days").first()
        for key in ("sam", "jo")
    }
    # Sam's first refresher is due today, so its owner is asked the question again
    Refresher.objects.filter(pk=refreshers["sam"].pk).update(due_on=today)
    refreshers["sam"].refresh_from_db()

    org_import = org_import_upload(
        content=ORG.replace("Sam,Carter", "Samuel,Carter").encode(),
        filename="org.csv",
        uploaded_by=people["hr"],
    )
    batch = CertificateBatch.objects.create(
        requested_by=people["hr"],
        status=CertificateBatch.Status.DONE,
        total=2,
        done=2,
        finished_at=timezone.now(),
    )
    batch.file.save(f"sweep-{batch.pk}.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))

    world = World(
        people=people,
        units=units,
        module=module,
        second_module=second,
        course=course,
        campaigns={"north": north, "south": south, "company": company, "draft": draft},
        assignments={"sam": sam_assignment, "jo": jo_assignment},
        certificates=certificates,
        refreshers=refreshers,
        org_import=org_import,
        batch=batch,
    )
    world.ids = {
        "module_id": module.pk,
        "page_id": module.pk,
        "user_id": people["sam"].pk,
        "assignment_id": sam_assignment.pk,
        "refresher_id": refreshers["sam"].pk,
        "code": certificates["sam"].code,
        "campaign_id": north.pk,
        "draft_campaign_id": draft.pk,
        "certificate_id": certificates["sam"].pk,
        "import_id": org_import.pk,
        "batch_id": batch.pk,
    }
    return world
