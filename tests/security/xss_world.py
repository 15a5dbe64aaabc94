"""A small company whose every authored text carries XSS payloads, built the way people do it.

HR uploads the org chart and starts a campaign in the admin, a trainer edits the course and
uploads the module file, learners play, pass the check, reflect and tell a story: all over
HTTP, through the same forms and services as in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import CoursePage, ModulePage
from home import roles
from home.models import User
from home.services import user_create
from learning.models import Campaign, Certificate, OrgImport, OrgUnit
from tests.conftest import enable_totp
from tests.modules import make_course
from tests.security import xss_forms as forms


def ok(response, *codes):
    codes = codes or (200, 302)
    assert response.status_code in codes, (response.status_code, response.content[:2000])
    return response


def page_of(response, status: int = 200) -> str:
    return ok(response, status).content.decode()


def page(client: Client, url: str, status: int = 200) -> str:
    return page_of(client.get(url), status)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class World:
    users: dict[str, User]  # the staff ("hr", "trainer") and the people of the org chart
    course: CoursePage
    module: ModulePage
    pages: dict[str, str] = field(default_factory=dict)  # pages seen while building it
    emails: list = field(default_factory=list)  # sent once what built it was committed

    def client(self, key: str) -> Client:
        """A new browser signed in as this person (its session ends with the test)."""
        return signed_in(self.users[key])

    @property
    def campaign(self) -> Campaign:
        return Campaign.objects.get()

    @property
    def certificate(self) -> Certificate:
        return Certificate.objects.get(user=self.users["sam"], revoked_at__isnull=True)


def staff_user(role: str, email: str) -> User:
    user = user_create(email=email, password=None, role_names=(role,))
    enable_totp(user)  # staff roles reach the admin only with a second factor
    return user


def import_org(hr: Client) -> str:
    """HR uploads the CSV, reads the preview, applies it; returns the preview page."""
    upload = SimpleUploadedFile("org.csv", forms.org_csv(), content_type="text/csv")
    response = ok(hr.post(reverse("learning_org_import"), {"file": upload}), 302)
    preview = ok(hr.get(response.url), 200).content.decode()
    record = OrgImport.objects.get()
    ok(hr.post(reverse("learning_org_import_apply", args=[record.pk])), 302)
    record.refresh_from_db()
    assert record.status == OrgImport.Status.APPLIED, record.problems
    return preview


def author_course(trainer: Client) -> tuple[CoursePage, ModulePage]:
    """The trainer retitles the course in the editor and uploads the module file."""
    course = make_course()
    edit = reverse("wagtailadmin_pages:edit", args=[course.pk])
    ok(trainer.post(edit, forms.course_edit_form(course)), 302)
    course = CoursePage.objects.get(pk=course.pk)
    assert course.title == forms.COURSE_TITLE and course.live

    content = yaml.safe_dump(forms.evil_module_data(), allow_unicode=True).encode()
    upload = SimpleUploadedFile("evil.yaml", content, content_type="application/yaml")
    response = trainer.post(
        reverse("courses_module_import"), {"file": upload, "course": course.pk, "publish": "on"}
    )
    ok(response, 302)
    module = ModulePage.objects.get()
    assert module.live and module.title == forms.evil_module_data()["title"]
    return course, module


def start_campaign(hr: Client, course: CoursePage) -> None:
    root = OrgUnit.objects.get(full_name="Northwind")
    data = forms.campaign_form(course, root, timezone.localdate())
    ok(hr.post(reverse("campaigns:add"), data), 302)


def play(client: Client, module: ModulePage, picks: list[tuple[str, int]]) -> list[str]:
    """Start and make each (scene key, choice) pick; returns the player's page after each."""
    ok(client.post(reverse("assessments:start", args=[module.pk])), 302)
    pages = [ok(client.get(reverse("assessments:play", args=[module.pk])), 200).content.decode()]
    for step, (scene, choice) in enumerate(picks):
        response = client.post(
            reverse("assessments:choose", args=[module.pk]),
            {"scene": scene, "choice": choice, "step": step},
        )
        ok(response, 302)
        pages.append(ok(client.get(response.url), 200).content.decode())
    return pages


GOOD_PATH = [("call", 0), ("check", 0)]
POOR_PATH = [("call", 1), ("insist", 1)]
RIGHT_ANSWERS = {"q0": ["1"], "q1": ["0", "1"]}
WRONG_ANSWERS = {"q0": ["0"], "q1": ["2"]}


def complete_module(client: Client, module: ModulePage) -> dict[str, str]:
    """Play to a good ending, pass the check, share a reflection; returns the pages seen."""
    pages = play(client, module, GOOD_PATH)
    check_url = reverse("assessments:knowledge_check", args=[module.pk])
    quiz = ok(client.get(check_url), 200).content.decode()
    result = ok(client.post(check_url, RIGHT_ANSWERS), 200).content.decode()
    assert "You passed" in result
    reflect_url = reverse("assessments:reflect", args=[module.pk])
    ok(client.post(reflect_url, {"text": forms.REFLECTION, "shared": "on"}), 302)
    reflection = ok(client.get(reflect_url), 200).content.decode()
    return {
        "scene": pages[0],
        "feedback": pages[1],
        "ending": pages[2],
        "quiz": quiz,
        "result": result,
        "reflection": reflection,
    }


def tell_story(client: Client) -> None:
    ok(client.post(reverse("learning:story_submit"), forms.STORY_FORM), 302)


def build_world() -> World:
    users = {
        "hr": staff_user(roles.HR, "hr@northwind.example"),
        "trainer": staff_user(roles.TRAINERS, "trainer@northwind.example"),
    }
    hr, trainer = signed_in(users["hr"]), signed_in(users["trainer"])
    pages = {"org_preview": import_org(hr)}
    users |= {key: User.objects.get(email=forms.email_of(key)) for key in forms.PEOPLE}
    course, module = author_course(trainer)
    # the import's message ("Module ... imported.") is shown on the trainer's next admin page
    pages["trainer_next"] = page(trainer, reverse("wagtailadmin_explore", args=[course.pk]))
    start_campaign(hr, course)
    pages["hr_next"] = page(hr, reverse("campaigns:index"))

    sam, jo = signed_in(users["sam"]), signed_in(users["jo"])
    pages |= complete_module(sam, module)
    play(jo, module, POOR_PATH)
    ok(jo.post(reverse("assessments:knowledge_check", args=[module.pk]), WRONG_ANSWERS), 200)
    tell_story(sam)
    return World(users=users, course=course, module=module, pages=pages)
