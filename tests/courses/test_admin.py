"""Trainers in the Wagtail admin: drafts may be unfinished, publishing checks everything."""

import pytest
from django.urls import reverse

from courses.models import ModulePage
from home import roles
from tests.modules import make_course, make_module, module_data
from tests.modules import module_edit_form as edit_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, make_user, with_mfa):
    user = make_user(roles.TRAINERS, email="theo@northwind.example")
    with_mfa(user)
    client.force_login(user)
    return user


def test_publishing_a_dangling_choice_shows_the_error_and_publishes_nothing(client, editor):
    page = make_module(publish=False)
    data = module_data()
    data["scenario"]["scenes"][1]["choices"][1]["next"] = "refund"
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(url, edit_form(page, data, "action-publish"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "no scene" in html and "refund" in html
    assert "scenes[1].choices[1].next" in html
    page.refresh_from_db()
    assert not page.live


def test_saving_a_draft_with_the_same_problem_is_allowed(client, editor):
    page = make_module(publish=False)
    data = module_data()
    data["scenario"]["scenes"][1]["choices"][1]["next"] = "refund"
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(url, edit_form(page, data, None))
    assert response.status_code == 302
    latest = ModulePage.objects.get(pk=page.pk).get_latest_revision_as_object()
    assert latest.scenario_data()[1]["choices"][1]["next"] == "refund"
    assert not ModulePage.objects.get(pk=page.pk).live


def test_publishing_a_valid_module_works(client, editor):
    page = make_module(publish=False)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(url, edit_form(page, module_data(), "action-publish"))
    assert response.status_code == 302
    assert ModulePage.objects.get(pk=page.pk).live


def test_pass_mark_without_questions_cannot_be_published(client, editor):
    page = make_module(publish=False)
    data = module_data()
    data["knowledge_check"]["questions"] = []
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(url, edit_form(page, data, "action-publish"))
    assert response.status_code == 200
    assert "question" in response.content.decode()
    assert not ModulePage.objects.get(pk=page.pk).live


def test_scenario_map_marks_unreachable_scenes_and_dangling_choices(client, editor):
    page = make_module(publish=False)
    latest = page.get_latest_revision_as_object()
    data = latest.scenario_data()
    data[1]["choices"][1]["next"] = "refund"
    data.append({**data[3], "key": "orphan", "title": "Nobody comes here"})
    from courses.blocks import scenario_from_data

    latest.scenario = scenario_from_data(data)
    latest.save_revision()
    response = client.get(reverse("courses_module_map", args=[page.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<table" in html
    assert "Scene “orphan” cannot be reached from the start." in html
    assert "check → refund" in html
    assert "map-node--unreachable" in html and "map-edge--dangling" in html


def test_preview_lets_a_trainer_play_the_draft(client, editor):
    page = make_module(publish=False)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    data = edit_form(page, module_data(), None)
    assert client.post(url, data).json()["is_valid"]
    response = client.get(url + "?mode=play")
    html = response.content.decode()
    assert 'id="scene-call"' in html and 'href="#fb-call-0"' in html
    assert 'href="#scene-check"' in html


def test_admin_upload_rejects_a_bad_file_listing_every_problem(client, editor):
    make_course()
    import yaml

    data = module_data()
    data["scenario"]["scenes"][0]["choices"][0]["next"] = "nowhere"
    data["story"]["missing_e"] = "luck"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("m.yaml", yaml.safe_dump(data).encode())
    response = client.post(reverse("courses_module_import"), {"file": upload})
    html = response.content.decode()
    assert "nothing was saved" in html
    assert "story.missing_e" in html
    assert not ModulePage.objects.exists()


def test_admin_upload_imports_and_export_downloads(client, editor):
    course = make_course()
    import yaml
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("m.yaml", yaml.safe_dump(module_data()).encode())
    response = client.post(
        reverse("courses_module_import"), {"file": upload, "course": course.pk, "publish": "on"}
    )
    page = ModulePage.objects.get()
    assert response.status_code == 302 and page.live
    export = client.get(reverse("courses_module_export", args=[page.pk]))
    assert export["Content-Disposition"] == 'attachment; filename="the-returned-car.yaml"'
    assert yaml.safe_load(export.content)["slug"] == "the-returned-car"


def test_learners_cannot_reach_trainer_screens(client, learner):
    page = make_module()
    client.force_login(learner)
    for url in [
        reverse("courses_module_import"),
        reverse("courses_module_map", args=[page.pk]),
        reverse("courses_module_export", args=[page.pk]),
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert b"the-returned-car" not in response.content
