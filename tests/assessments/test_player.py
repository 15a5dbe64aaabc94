import pytest
from django.urls import reverse

from assessments.models import ChoiceRecord, ModuleProgress, ScenarioAttempt
from tests.modules import make_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    return make_module()


def play_url(module):
    return reverse("assessments:play", args=[module.pk])


def start(client, module, **extra):
    return client.post(reverse("assessments:start", args=[module.pk]), extra)


def choose(client, module, scene, choice, step, **extra):
    return client.post(
        reverse("assessments:choose", args=[module.pk]),
        {"scene": scene, "choice": choice, "step": step, **extra},
    )


def test_anonymous_learner_is_sent_to_sign_in(client, module):
    response = client.get(play_url(module))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert choose(client, module, "call", 0, 0).status_code == 302
    assert not ChoiceRecord.objects.exists()


def test_learner_plays_to_a_good_ending(client, learner, module):
    client.force_login(learner)
    assert "Start the scenario" in client.get(play_url(module)).content.decode()
    start(client, module)
    html = client.get(play_url(module)).content.decode()
    assert "The phone rings" in html and "Check the record and apologise" in html

    response = choose(client, module, "call", 0, 0)
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "Listening first shows you care." in html  # feedback on the choice
    assert "The open check box" in html  # then the next scene

    response = choose(client, module, "check", 0, 1)
    html = client.get(response.url).content.decode()
    assert "A customer kept" in html
    assert "You fixed the record in one call." in html  # debrief
    assert "Take the knowledge check" in html

    attempt = ScenarioAttempt.objects.get()
    assert attempt.finished and attempt.outcome == "good"
    assert (attempt.engagement, attempt.education, attempt.empowerment) == (3, 2, 2)
    assert attempt.sentiment == 3
    progress = ModuleProgress.objects.get(user=learner, module=module)
    assert progress.scenario_finished and progress.best_outcome == "good"
    assert progress.status == "in_progress"  # quiz and reflection still to do


def test_choices_are_saved_as_made_and_resume_anywhere(client, learner, module, django_user_model):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 1, 0)
    # a new device: a fresh client, same learner
    from django.test import Client

    other = Client()
    other.force_login(learner)
    html = other.get(play_url(module)).content.decode()
    assert "She raises her voice" in html


def test_double_submit_records_one_choice(client, learner, module):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 0, 0)
    response = choose(client, module, "call", 0, 0)  # the same form again
    assert response.status_code == 302
    assert ChoiceRecord.objects.count() == 1
    follow = client.get(response.url).content.decode()
    assert "already made" in follow
    assert "The open check box" in follow  # answered with the current state


def test_back_button_form_cannot_skip_or_rewrite_a_step(client, learner, module):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 1, 0)  # to "insist"
    choose(client, module, "call", 0, 0)  # stale: the old scene's form
    attempt = ScenarioAttempt.objects.get()
    assert attempt.current_scene_key == "insist"
    assert attempt.step == 1
    assert ChoiceRecord.objects.count() == 1


def test_choice_not_in_the_current_scene_is_rejected(client, learner, module):
    client.force_login(learner)
    start(client, module)
    assert choose(client, module, "call", 7, 0).status_code == 400
    assert choose(client, module, "not-a-scene", 0, 0).status_code == 400
    assert choose(client, module, "call", "x", 0).status_code == 400
    assert not ChoiceRecord.objects.exists()


def test_tampered_scores_are_ignored(client, learner, module):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 0, 0, engagement=99, sentiment=99)
    record = ChoiceRecord.objects.get()
    assert (record.engagement, record.sentiment) == (2, 1)


def test_another_modules_choice_is_rejected(client, learner, module):
    other = make_module(course=module.get_parent().specific, slug="another-module")
    client.force_login(learner)
    start(client, module)
    # "kept" is a scene of both, but nothing is open in the other module
    assert choose(client, other, "call", 0, 0).status_code == 400
    assert not ChoiceRecord.objects.exists()


def test_unpublished_module_is_not_playable(client, learner, module):
    module.unpublish()
    client.force_login(learner)
    assert client.get(play_url(module)).status_code == 404
    assert start(client, module).status_code == 404
    assert not ScenarioAttempt.objects.exists()


def test_attempt_stays_on_its_revision_when_the_trainer_edits(client, learner, module):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 0, 0)  # now at "check"

    # the trainer renames the scene and removes the poor branch, then publishes
    page = module.get_latest_revision_as_object()
    data = page.scenario_data()
    data[1]["title"] = "Renamed scene"
    data[1]["choices"] = data[1]["choices"][:1]
    from courses.blocks import scenario_from_data

    page.scenario = scenario_from_data(data)
    page.save_revision().publish()

    html = client.get(play_url(module)).content.decode()
    assert "The open check box" in html  # still the pinned revision
    assert "Ask her to bring the car back" in html
    choose(client, module, "check", 1, 1)  # a choice that only the old revision has
    assert ScenarioAttempt.objects.get().outcome == "poor"

    # a new attempt uses the new revision
    start(client, module, restart="1")
    choose(client, module, "call", 0, 0)
    assert "Renamed scene" in client.get(play_url(module)).content.decode()


def test_replay_keeps_best_and_latest(client, learner, module):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 0, 0)
    choose(client, module, "check", 0, 1)  # good
    start(client, module, restart="1")
    choose(client, module, "call", 1, 0)
    choose(client, module, "insist", 1, 1)  # poor
    progress = ModuleProgress.objects.get()
    assert progress.best_outcome == "good"
    assert progress.latest_outcome == "poor"
    assert progress.scenario_attempts == 2


def finish_scenario(client, module):
    start(client, module)
    choose(client, module, "call", 0, 0)
    choose(client, module, "check", 0, 1)


def check_url(module):
    return reverse("assessments:knowledge_check", args=[module.pk])


def test_knowledge_check_needs_an_ending_first(client, learner, module):
    client.force_login(learner)
    assert client.get(check_url(module)).status_code == 302


def test_full_module_completion(client, learner, module):
    client.force_login(learner)
    finish_scenario(client, module)
    html = client.get(check_url(module)).content.decode()
    assert "What went wrong?" in html

    # a wrong answer, then the right ones
    response = client.post(check_url(module), {"q0": "0", "q1": ["0"]})
    html = response.content.decode()
    assert "Not passed yet" in html and "The intake step was skipped." in html
    response = client.post(check_url(module), {"q0": "1", "q1": ["0", "1"]})
    assert "You passed" in response.content.decode()
    progress = ModuleProgress.objects.get()
    assert progress.quiz_passed and progress.quiz_best_score == 100
    assert progress.status == "in_progress"

    reflect = reverse("assessments:reflect", args=[module.pk])
    response = client.post(reflect, {"text": "short"})
    assert "at least a couple of sentences" in response.content.decode()
    response = client.post(
        reflect, {"text": "Our returns checklist can trap people like Mrs Lee.", "shared": "on"}
    )
    assert response.status_code == 302
    progress.refresh_from_db()
    assert progress.status == "completed" and progress.completed_at is not None
    assert "Module complete" in client.get(module.url).content.decode()


def test_quiz_attempts_are_limited(client, learner, module):
    client.force_login(learner)
    finish_scenario(client, module)
    for _ in range(2):
        client.post(check_url(module), {"q0": "0"})
    response = client.post(check_url(module), {"q0": "1", "q1": ["0", "1"]})
    assert response.status_code == 302
    assert ModuleProgress.objects.get().quiz_attempts == 2
    assert "used all your attempts" in client.get(check_url(module)).content.decode()


def test_forged_quiz_answers_are_rejected(client, learner, module):
    client.force_login(learner)
    finish_scenario(client, module)
    assert client.post(check_url(module), {"q0": "9"}).status_code == 400
    assert client.post(check_url(module), {"q0": ["0", "1"]}).status_code == 400  # single
    assert client.post(check_url(module), {"q0": "abc"}).status_code == 400
    assert ModuleProgress.objects.get().quiz_attempts == 0


def test_scenario_steps_make_few_queries(client, learner, module, django_assert_max_num_queries):
    client.force_login(learner)
    start(client, module)
    client.get(play_url(module))  # warm the pinned-scenario cache
    with django_assert_max_num_queries(8):
        client.get(play_url(module))
    with django_assert_max_num_queries(8):
        choose(client, module, "call", 0, 0)
    with django_assert_max_num_queries(8):
        client.get(play_url(module) + "?feedback=0")


def test_the_attempt_cache_follows_every_choice(
    client, learner, module, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, module)
    client.get(play_url(module))  # warm the user, module and scenario caches
    with django_assert_max_num_queries(1):  # the session; everything else is cached
        assert "The phone rings" in client.get(play_url(module)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = choose(client, module, "call", 0, 0)
    with django_assert_max_num_queries(1):
        html = client.get(response.url).content.decode()
    assert "Listening first shows you care." in html and "The open check box" in html


def test_a_stale_cached_attempt_heals_itself(
    client, learner, module, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from assessments.selectors import attempt_cache_key

    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, module)
    stale = cache.get(attempt_cache_key(learner.pk, module.pk))
    with django_capture_on_commit_callbacks(execute=True):
        choose(client, module, "call", 0, 0)
    cache.set(attempt_cache_key(learner.pk, module.pk), stale)  # another worker lagging
    assert "The phone rings" in client.get(play_url(module)).content.decode()
    response = choose(client, module, "call", 1, 0)  # from the stale page
    assert ChoiceRecord.objects.count() == 1
    assert "The open check box" in client.get(response.url).content.decode()


def test_the_ending_page_comes_from_the_cache_after_a_cached_walk(
    client, learner, module, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(learner)
    client.get(play_url(module))  # warm the user, module and branding caches
    with django_capture_on_commit_callbacks(execute=True):
        start(client, module)
    with django_capture_on_commit_callbacks(execute=True):
        choose(client, module, "call", 0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = choose(client, module, "check", 0, 1)
    with django_assert_max_num_queries(1):  # the session: path and progress are remembered
        html = client.get(response.url).content.decode()
    assert "Check the record and apologise" in html and "Tick it and cancel the bill" in html
    assert "Take the knowledge check" in html


def test_the_ending_page_reads_the_path_when_the_cache_lost_it(client, learner, module):
    from django.core.cache import cache

    client.force_login(learner)
    finish_scenario(client, module)
    cache.clear()
    html = client.get(play_url(module)).content.decode()
    assert "Check the record and apologise" in html and "Tick it and cancel the bill" in html


def test_a_passed_check_is_not_offered_again_on_the_ending_page(
    client, learner, module, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        finish_scenario(client, module)
    assert "Take the knowledge check" in client.get(play_url(module)).content.decode()
    client.post(check_url(module), {"q0": "1", "q1": ["0", "1"]})
    html = client.get(play_url(module)).content.decode()
    assert "Take the knowledge check" not in html and "Back to the module" in html


def test_replaying_a_completed_module_keeps_it_completed(
    client, learner, module, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    finish_scenario(client, module)
    client.post(check_url(module), {"q0": "1", "q1": ["0", "1"]})
    client.post(
        reverse("assessments:reflect", args=[module.pk]),
        {"text": "Our returns checklist can trap people like Mrs Lee."},
    )
    assert ModuleProgress.objects.get().status == "completed"
    with django_capture_on_commit_callbacks(execute=True):
        start(client, module, restart="1")
    progress = ModuleProgress.objects.get()
    assert progress.status == "completed" and progress.scenario_attempts == 2
    assert ScenarioAttempt.objects.filter(status="in_progress").count() == 1
    assert "The phone rings" in client.get(play_url(module)).content.decode()


def test_a_form_from_an_earlier_play_through_records_nothing_in_the_new_one(
    client, learner, module
):
    client.force_login(learner)
    start(client, module)
    first = ScenarioAttempt.objects.get()
    html = client.get(play_url(module)).content.decode()
    assert f'name="attempt" value="{first.pk}"' in html  # the page names its play-through
    choose(client, module, "call", 0, 0, attempt=first.pk)
    choose(client, module, "check", 0, 1, attempt=first.pk)
    start(client, module, restart="1")
    second = ScenarioAttempt.objects.latest("pk")
    assert second.pk != first.pk and second.step == 0

    # the back button to the first play-through's opening scene: same scene, same step
    response = choose(client, module, "call", 1, 0, attempt=first.pk)
    assert "already made" in client.get(response.url).content.decode()
    assert not ChoiceRecord.objects.filter(attempt=second).exists()
    second.refresh_from_db()
    assert second.step == 0 and second.current_scene_key == "call"

    # the new play-through's own form is recorded
    choose(client, module, "call", 1, 0, attempt=second.pk)
    assert ChoiceRecord.objects.filter(attempt=second).count() == 1


def test_a_scene_page_is_rendered_once_and_carries_each_learners_own_values(
    client, learner, make_user, module
):
    import re

    from django.test import Client

    client.force_login(learner)
    start(client, module)
    assert client.get(play_url(module)).templates  # the first learner's request renders it

    other = make_user(email="other@northwind.example")
    other_client = Client(enforce_csrf_checks=True)
    other_client.force_login(other)
    other_client.post(
        reverse("assessments:start", args=[module.pk]),
        {"csrfmiddlewaretoken": _csrf_token(other_client, module)},
    )
    response = other_client.get(play_url(module))
    assert response.templates == []  # served from the rendered page: no template ran
    html = response.content.decode()
    mine, theirs = (ScenarioAttempt.objects.get(user=u) for u in (other, learner))
    assert f'name="attempt" value="{mine.pk}"' in html
    assert f'name="attempt" value="{theirs.pk}"' not in html
    assert "cx-hole-" not in html  # every hole filled

    # the token in the page is this learner's own: the choice passes the CSRF check
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = other_client.post(
        reverse("assessments:choose", args=[module.pk]),
        {"csrfmiddlewaretoken": token, "attempt": mine.pk, "scene": "call", "choice": 0, "step": 0},
    )
    assert response.status_code == 302
    assert ChoiceRecord.objects.get().attempt == mine
    assert "Listening first shows you care." in other_client.get(response.url).content.decode()


def _csrf_token(client, module):
    import re

    html = client.get(play_url(module)).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_message_shows_on_a_scene_page_served_from_the_cache(client, learner, module):
    client.force_login(learner)
    start(client, module)
    client.get(play_url(module))  # rendered and kept
    choose(client, module, "call", 0, 0)
    response = choose(client, module, "call", 0, 0)  # the same form again
    assert response.url == play_url(module)
    html = client.get(response.url).content.decode()
    assert "That choice was already made" in html and "The open check box" in html
    assert "That choice was already made" not in client.get(play_url(module)).content.decode()


def test_a_kept_scene_page_follows_the_branding_and_the_module_title(client, learner, module):
    from home.models import BrandingSettings

    client.force_login(learner)
    start(client, module)
    client.get(play_url(module))
    settings = BrandingSettings.load()
    settings.organisation_name = "Contoso Cars"
    settings.save()
    module.title = "Billed twice for a car"
    module.save_revision().publish()
    html = client.get(play_url(module)).content.decode()
    assert "Contoso Cars" in html and "Billed twice for a car" in html
    assert "The phone rings" in html  # the attempt stays on the revision it started on


def test_a_scene_request_reads_the_cache_once(client, learner, module, monkeypatch):
    from tests.home.test_cache_prefetch import CountingCache

    client.force_login(learner)
    start(client, module)
    client.get(play_url(module))  # fill the caches
    counter = CountingCache(monkeypatch)
    assert "The phone rings" in client.get(play_url(module)).content.decode()
    assert counter.calls == ["get_many"]  # the user, the module and the attempt together
    counter.calls.clear()
    assert choose(client, module, "call", 0, 0).status_code == 302
    assert counter.calls == ["get_many"]


def test_a_failed_cache_write_drops_the_older_copy(client, learner, module, monkeypatch):
    from django.core.cache import cache

    from assessments.selectors import attempt_cache_key

    client.force_login(learner)
    start(client, module)
    client.get(play_url(module))
    key = attempt_cache_key(learner.pk, module.pk)
    assert cache.get(key) is not None

    def refuse(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", refuse)
    assert choose(client, module, "call", 0, 0).status_code == 302  # the choice still counts
    monkeypatch.undo()
    assert cache.get(key) is None  # not the step before
    assert "The open check box" in client.get(play_url(module)).content.decode()
    assert ChoiceRecord.objects.count() == 1


def test_a_feedback_step_that_is_not_a_plain_number_is_ignored(client, learner, module):
    client.force_login(learner)
    start(client, module)
    choose(client, module, "call", 0, 0)
    for odd in ("²", "-1", "0x0", "9" * 40):
        response = client.get(play_url(module), {"feedback": odd})
        assert response.status_code == 200  # "²" passed str.isdigit and failed int(): a 500
        assert "Listening first shows you care." not in response.content.decode()
    assert (
        "Listening first shows you care."
        in client.get(play_url(module), {"feedback": "0"}).content.decode()
    )
