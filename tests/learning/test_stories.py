"""Employees tell the trainers customer stories; managers read the ones their people shared."""

import pytest
from django.core import mail
from django.urls import reverse

from courses.models import Story
from home import roles
from learning.models import EmployeeProfile, OrgUnit, StorySubmission
from learning.selectors.stories import stories_visible_to_manager
from learning.services.stories import stories_notify_published, story_submit
from tests.modules import make_course, make_module

pytestmark = pytest.mark.django_db

SUBMIT_URL = reverse("learning:story_submit")
LIST_URL = reverse("learning:my_stories")

FORM = {
    "title": "Nobody called back",
    "summary": "A customer waited three weeks for a call about a faulty gearbox.",
    "source": "The Leeds workshop",
    "touchpoint": "service",
    "missing_e": "engagement",
    "body": "She rang four times.\n\nEach time she was promised a call back.",
}


def submit(user, title, *, anonymous=False, **changes):
    fields = {**FORM, "title": title, "anonymous": anonymous, **changes}
    return story_submit(user=user, **fields)


@pytest.fixture
def org(make_user):
    """Northwind > Sales > North, and Northwind > Care; the manager runs Sales."""
    root = OrgUnit.add_root(name="Northwind", full_name="Northwind")
    sales = root.add_child(name="Sales", full_name="Northwind/Sales")
    north = sales.add_child(name="North", full_name="Northwind/Sales/North")
    care = root.add_child(name="Care", full_name="Northwind/Care")
    people = {
        "boss": make_user(roles.LEARNERS, roles.MANAGERS, first_name="Marcus", last_name="Webb"),
        "sam": make_user(first_name="Sam", last_name="Carter"),
        "jo": make_user(first_name="Jo", last_name="Bennett"),
        "cara": make_user(first_name="Cara", last_name="Moss"),
    }
    units = {"boss": sales, "sam": north, "jo": sales, "cara": care}
    for n, (key, user) in enumerate(people.items()):
        EmployeeProfile.objects.create(user=user, employee_id=f"E{n}", unit=units[key])
    sales.managers.add(people["boss"])
    return people


# --- submitting ----------------------------------------------------------------------------------


def test_employee_submits_a_story_that_reaches_trainers_as_a_draft(
    client, learner, trainer, with_mfa
):
    client.force_login(learner)
    page = client.get(SUBMIT_URL).content.decode()
    assert '<label for="id_title"' in page and "<legend" in page  # every field labelled
    assert "Keep my name from my manager" in page

    response = client.post(SUBMIT_URL, {**FORM, "anonymous": "on"})
    assert response.status_code == 302 and response.url == LIST_URL

    story = Story.objects.get(title="Nobody called back")
    assert story.live is False and story.has_unpublished_changes
    assert story.latest_revision is not None and story.submitted_by == learner
    assert (story.touchpoint, story.missing_e) == ("service", "engagement")
    assert story.body.startswith("She rang four times.")
    submission = StorySubmission.objects.get()
    assert submission.story == story and submission.submitter == learner
    assert submission.anonymous is True and submission.notified_at is None

    html = client.get(LIST_URL).content.decode()
    assert "your story is with the trainers" in html
    assert "Nobody called back" in html and "Draft with the trainers" in html

    # trainers find it among the stories in the admin, marked as a draft
    with_mfa(trainer)
    client.force_login(trainer)
    listing = client.get("/admin/snippets/courses/story/").content.decode()
    assert "Nobody called back" in listing and "draft" in listing


def test_a_named_submission_is_not_anonymous(client, learner):
    client.force_login(learner)
    client.post(SUBMIT_URL, FORM)
    assert StorySubmission.objects.get().anonymous is False


def test_a_missing_summary_is_shown_and_what_was_typed_is_kept(client, learner):
    client.force_login(learner)
    response = client.post(SUBMIT_URL, {**FORM, "summary": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your story was not sent yet" in html and "This field is required." in html
    assert 'value="Nobody called back"' in html and "The Leeds workshop" in html
    assert "She rang four times." in html
    assert 'id="id_missing_e_0" checked' in html  # the choice made stays chosen
    assert not Story.objects.exists() and not StorySubmission.objects.exists()


def test_a_title_already_taken_is_refused_and_nothing_is_written(client, learner):
    Story.objects.create(
        title="Nobody called back",
        summary="An older story.",
        touchpoint="sales",
        missing_e="education",
    )
    client.force_login(learner)
    response = client.post(SUBMIT_URL, FORM)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is already a story with this title" in html
    assert "A customer waited three weeks" in html  # the summary is kept
    assert Story.objects.count() == 1 and not StorySubmission.objects.exists()


def test_the_service_refuses_a_duplicate_title_whole(learner):
    from django.core.exceptions import ValidationError

    submit(learner, "Nobody called back")
    with pytest.raises(ValidationError) as caught:
        submit(learner, "Nobody called back")
    assert "title" in caught.value.message_dict
    assert Story.objects.count() == 1 and StorySubmission.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in (SUBMIT_URL, LIST_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    response = client.post(SUBMIT_URL, FORM)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Story.objects.exists() and not StorySubmission.objects.exists()


# --- listing -----------------------------------------------------------------------------------


def test_the_list_shows_only_my_own_stories(client, learner, make_user):
    other = make_user()
    submit(learner, "Mine")
    submit(other, "Theirs")
    client.force_login(learner)
    html = client.get(LIST_URL).content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert "Stories from your team" not in html  # a learner has no team
    assert "Submit another story" in html


def test_a_story_that_became_a_module_links_to_it(client, learner):
    submission = submit(learner, "Nobody called back")
    module = make_module()
    module.story = submission.story
    module.save_revision().publish()
    client.force_login(learner)
    html = client.get(LIST_URL).content.decode()
    assert "Became a module:" in html and f'href="{module.url}"' in html
    assert "Draft with the trainers" not in html


def test_a_manager_sees_named_stories_from_their_subtree_only(client, org):
    submit(org["sam"], "From North, named")
    submit(org["jo"], "From Sales, named")
    submit(org["sam"], "From North, anonymous", anonymous=True)
    submit(org["cara"], "From Care, a sibling")
    submit(org["boss"], "The manager's own")

    client.force_login(org["boss"])
    html = client.get(LIST_URL).content.decode()
    team = html.split("Stories from your team", 1)[1]
    assert "From North, named" in team and "Sam Carter" in team
    assert "From Sales, named" in team and "Jo Bennett" in team
    assert "Northwind/Sales/North" in team
    assert "From North, anonymous" not in html
    assert "From Care, a sibling" not in html and "Cara Moss" not in html
    assert "The manager's own" not in team  # under their own stories instead
    titles = {s.story.title for s in stories_visible_to_manager(org["boss"])}
    assert titles == {"From North, named", "From Sales, named"}


def test_an_anonymous_story_never_names_its_teller_to_a_manager(client, org):
    submit(org["jo"], "Kept quiet", anonymous=True)
    client.force_login(org["boss"])
    html = client.get(LIST_URL).content.decode()
    assert "Kept quiet" not in html and "Jo Bennett" not in html
    assert not stories_visible_to_manager(org["boss"]).exists()


def test_hr_sees_every_named_story_and_no_anonymous_one(client, org, hr):
    submit(org["sam"], "From North, named")
    submit(org["cara"], "From Care, named")
    submit(org["jo"], "Kept quiet", anonymous=True)
    client.force_login(hr)
    html = client.get(LIST_URL).content.decode()
    assert "From North, named" in html and "From Care, named" in html
    assert "Kept quiet" not in html and "Jo Bennett" not in html


def test_people_who_manage_nobody_see_no_team_stories(org, learner):
    submit(org["sam"], "From North, named")
    assert not stories_visible_to_manager(learner).exists()
    assert not stories_visible_to_manager(org["sam"]).exists()


@pytest.mark.parametrize("rows", [3, 300])
def test_the_story_list_reads_a_constant_number_of_queries(
    client, org, rows, django_assert_max_num_queries
):
    stories = Story.objects.bulk_create(
        Story(
            title=f"Story {n}",
            summary="Something went wrong.",
            touchpoint="sales",
            missing_e="education",
            live=False,
        )
        for n in range(2 * rows)
    )
    tellers = [org["boss"], org["sam"]]
    StorySubmission.objects.bulk_create(
        StorySubmission(story=story, submitter=tellers[n % 2]) for n, story in enumerate(stories)
    )
    course = make_course()
    for story in stories[-2:]:  # the newest own and team stories became modules
        module = make_module(course=course, slug=f"module-{story.pk}")
        module.story = story
        module.save_revision().publish()

    client.force_login(org["boss"])
    client.get(LIST_URL)  # session and site caches warm, as for any later visit
    with django_assert_max_num_queries(8):
        response = client.get(LIST_URL)
    html = response.content.decode()
    assert html.count("Became a module:") == 2
    assert f"Story {2 * rows - 1}" in html and f"Story {2 * rows - 2}" in html


# --- telling the teller ------------------------------------------------------------------------


def test_the_teller_hears_once_when_their_story_becomes_a_module(
    learner, django_capture_on_commit_callbacks
):
    submission = submit(learner, "Nobody called back")
    module = make_module()
    module.story = submission.story
    with django_capture_on_commit_callbacks(execute=True):
        module.save_revision().publish()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert module.title in message.subject
    link = "http://testserver" + module.url
    assert link in message.body and "Nobody called back" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html
    submission.refresh_from_db()
    assert submission.notified_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        module.save_revision().publish()  # published again: nothing more to say
    assert len(mail.outbox) == 1


def test_publishing_a_module_from_a_trainers_own_story_emails_nobody(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        module = make_module()
    assert stories_notify_published(module=module) is None
    assert mail.outbox == []
