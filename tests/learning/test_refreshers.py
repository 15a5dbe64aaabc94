"""Spaced refreshers: planned once per completion, played once, only by their owner."""

import copy
import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from assessments.scenario import Scenario
from learning.models import Refresher
from learning.selectors.my_learning import refresher_scene
from learning.services.refreshers import (
    RefresherAlreadyDone,
    RefresherNotDue,
    RefresherNotFound,
    RefresherStale,
    refresher_answer,
    refreshers_schedule,
)
from tests.modules import SMALL_MODULE, make_module

pytestmark = pytest.mark.django_db

SCENES = SMALL_MODULE["scenario"]["scenes"]
GOOD = "Tick it and cancel the bill"
POOR = "Ask her to bring the car back"


@pytest.fixture
def module():
    return make_module()


@pytest.fixture
def due(learner, module):
    """The learner's +7 refresher, due today."""
    today = timezone.localdate()
    refreshers_schedule(
        user_id=learner.pk, module_id=module.pk, completed_on=today - dt.timedelta(days=7)
    )
    return Refresher.objects.get(user=learner, interval_days=7)


def url(refresher):
    return reverse("learning:refresher", args=[refresher.pk])


def fields(refresher):
    refresher.refresh_from_db()
    return (refresher.scene_key, refresher.choice_label, refresher.good, refresher.done_at)


UNTOUCHED = ("", "", None, None)


# --- scheduling -------------------------------------------------------------------------------


def test_schedule_plans_three_refreshers_once(learner, module, django_assert_num_queries):
    completed_on = dt.date(2026, 3, 1)
    with django_assert_num_queries(1):  # one INSERT inside the completing transaction
        refreshers_schedule(user_id=learner.pk, module_id=module.pk, completed_on=completed_on)
    refreshers_schedule(user_id=learner.pk, module_id=module.pk, completed_on=completed_on)
    refreshers_schedule(user_id=learner.pk, module_id=module.pk, completed_on=dt.date(2026, 5, 1))
    rows = Refresher.objects.filter(user=learner, module=module).order_by("interval_days")
    assert [(r.interval_days, r.due_on) for r in rows] == [
        (7, dt.date(2026, 3, 8)),
        (30, dt.date(2026, 3, 31)),
        (90, dt.date(2026, 5, 30)),
    ]
    assert all(r.done_at is None and r.scene_key == "" for r in rows)


# --- which scene ------------------------------------------------------------------------------


def test_refreshers_rotate_through_the_key_scenes():
    scenario = Scenario.from_data(copy.deepcopy(SCENES))
    assert scenario.key_scenes() == ["check", "insist"]
    assert [refresher_scene(scenario, days).key for days in (7, 30, 90)] == [
        "check",
        "insist",
        "check",
    ]


def test_without_key_scenes_the_first_real_choice_is_replayed():
    # every path now ends well, so no choice changes the best ending
    scenes = [scene for scene in copy.deepcopy(SCENES) if scene["key"] != "lost"]
    for scene in scenes:
        for choice in scene.get("choices", []):
            choice["next"] = "kept" if choice["next"] == "lost" else choice["next"]
    scenario = Scenario.from_data(scenes)
    assert scenario.key_scenes() == []
    assert refresher_scene(scenario, 30).key == "call"


def test_a_scenario_without_any_real_choice_replays_its_start():
    call, kept = copy.deepcopy(SCENES[0]), copy.deepcopy(SCENES[3])
    call["choices"] = [dict(call["choices"][0], next="kept")]
    scenario = Scenario.from_data([call, kept])
    assert refresher_scene(scenario, 90).key == "call"


# --- playing ----------------------------------------------------------------------------------


def test_owner_sees_the_key_scene_as_a_form(client, learner, due):
    client.force_login(learner)
    response = client.get(url(due))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The returned car" in html  # the module
    assert "The open check box" in html  # the key scene for +7
    assert "<p>The return was never ticked off.</p>" in html  # rich text, not escaped
    assert "csrfmiddlewaretoken" in html
    assert 'name="scene" value="check"' in html
    assert f'name="choice" value="0">{GOOD}<' in html
    assert f'name="choice" value="1">{POOR}<' in html
    assert fields(due) == UNTOUCHED  # looking records nothing


def test_best_choice_is_recorded_as_good(client, learner, due):
    client.force_login(learner)
    response = client.post(url(due), {"scene": "check", "choice": 0})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Best choice" in html
    assert "You were empowered to fix it." in html  # the choice's feedback
    assert "The best answer" not in html
    assert reverse("learning:my_learning") in html
    scene_key, label, good, done_at = fields(due)
    assert (scene_key, label, good) == ("check", GOOD, True)
    assert done_at is not None


def test_poor_choice_is_recorded_and_the_best_one_taught(client, learner, due):
    client.force_login(learner)
    html = client.post(url(due), {"scene": "check", "choice": 1}).content.decode()
    assert "Not the best choice" in html
    assert "The process beat the customer." in html
    assert f"The best answer: <strong>“{GOOD}”</strong>" in html
    assert fields(due)[:3] == ("check", POOR, False)
    # coming back later shows the recorded result, with no form
    html = client.get(url(due)).content.decode()
    assert "Not the best choice" in html and GOOD in html and "Answered on" in html
    assert 'name="choice"' not in html


def test_thirty_day_refresher_replays_the_second_key_scene(client, learner, module):
    refresher = Refresher.objects.create(
        user=learner, module=module, interval_days=30, due_on=timezone.localdate()
    )
    client.force_login(learner)
    assert "She raises her voice" in client.get(url(refresher)).content.decode()
    client.post(url(refresher), {"scene": "insist", "choice": 1})  # hang up
    assert fields(refresher)[:3] == ("insist", "Hang up", False)


def test_double_post_records_once(client, learner, due):
    client.force_login(learner)
    client.post(url(due), {"scene": "check", "choice": 0})
    first = fields(due)
    response = client.post(url(due), {"scene": "check", "choice": 1})
    assert response.status_code == 302 and response.url == url(due)
    assert fields(due) == first
    html = client.get(response.url).content.decode()
    assert "You have already answered this refresher." in html


def test_service_records_once_and_says_why_not(learner, due):
    result = refresher_answer(user=learner, refresher=due, scene_key="check", choice_index=1)
    assert (result.good, result.choice_label, result.best_choice_label) == (False, POOR, GOOD)
    assert result.feedback == "The process beat the customer."
    with pytest.raises(RefresherAlreadyDone):
        refresher_answer(user=learner, refresher=due, scene_key="check", choice_index=0)
    assert fields(due)[:3] == ("check", POOR, False)


def test_service_refuses_someone_elses_refresher(make_user, due):
    with pytest.raises(RefresherNotFound):
        refresher_answer(user=make_user(), refresher=due, scene_key="check", choice_index=0)
    assert fields(due) == UNTOUCHED


# --- denials ----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, due):
    response = client.get(url(due))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert client.post(url(due), {"scene": "check", "choice": 0}).status_code == 302
    assert fields(due) == UNTOUCHED


@pytest.mark.parametrize("role", ["learner", "manager", "hr", "superuser"])
def test_someone_elses_refresher_is_not_found(client, due, role, request, make_user):
    other = make_user() if role == "learner" else request.getfixturevalue(role)
    client.force_login(other)
    assert client.get(url(due)).status_code == 404
    assert client.post(url(due), {"scene": "check", "choice": 0}).status_code == 404
    assert fields(due) == UNTOUCHED


def test_missing_refresher_is_not_found(client, learner):
    client.force_login(learner)
    assert client.get(reverse("learning:refresher", args=[987654])).status_code == 404


def test_refresher_not_yet_due_shows_its_date_and_records_nothing(client, learner, module):
    today = timezone.localdate()
    refreshers_schedule(user_id=learner.pk, module_id=module.pk, completed_on=today)
    refresher = Refresher.objects.get(user=learner, interval_days=7)
    opens = refresher.due_on.strftime("%-d %b %Y")
    client.force_login(learner)

    html = client.get(url(refresher)).content.decode()
    assert f"This refresher opens on {opens}" in html
    assert 'name="choice"' not in html and "The open check box" not in html
    response = client.post(url(refresher), {"scene": "check", "choice": 0})
    assert response.status_code == 302
    assert fields(refresher) == UNTOUCHED
    with pytest.raises(RefresherNotDue):
        refresher_answer(user=learner, refresher=refresher, scene_key="check", choice_index=0)
    assert fields(refresher) == UNTOUCHED

    noon_that_day = dt.datetime.combine(refresher.due_on, dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(noon_that_day, tick=False):
        client.force_login(learner)
        assert 'name="choice"' in client.get(url(refresher)).content.decode()
        client.post(url(refresher), {"scene": "check", "choice": 0})
    assert fields(refresher)[:3] == ("check", GOOD, True)


@pytest.mark.parametrize(
    "data",
    [
        {"scene": "check", "choice": 7},  # no such choice
        {"scene": "call", "choice": 0},  # not this refresher's scene (stale or forged)
        {"scene": "check", "choice": "first"},
        {"scene": "check"},
        {"choice": 0},
    ],
)
def test_forged_answer_is_refused_and_records_nothing(client, learner, due, data):
    client.force_login(learner)
    assert client.post(url(due), data).status_code == 400
    assert fields(due) == UNTOUCHED


def test_service_refuses_a_forged_index(learner, due):
    for scene_key, index in (("check", 2), ("check", -1), ("insist", 0), ("check", True)):
        with pytest.raises(RefresherStale):
            refresher_answer(user=learner, refresher=due, scene_key=scene_key, choice_index=index)
    assert fields(due) == UNTOUCHED


def test_refresher_of_an_unpublished_module_is_not_found(client, learner, due, module):
    module.unpublish()
    client.force_login(learner)
    assert client.get(url(due)).status_code == 404
    assert client.post(url(due), {"scene": "check", "choice": 0}).status_code == 404
    assert fields(due) == UNTOUCHED


# --- two answers at the same moment -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("site_root")
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)
def test_two_answers_at_once_record_one(make_user):
    module = make_module()
    learner = make_user(email="racer@example.com")
    refresher = Refresher.objects.create(
        user=learner, module=module, interval_days=7, due_on=timezone.localdate()
    )
    barrier = threading.Barrier(4)
    results = [None] * 4

    def answer(i):
        try:
            barrier.wait()
            results[i] = refresher_answer(
                user=learner, refresher=refresher, scene_key="check", choice_index=i % 2
            )
        except Exception as exc:  # kept for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = [r for r in results if not isinstance(r, Exception)]
    assert len(recorded) == 1, results
    assert all(isinstance(r, RefresherAlreadyDone) for r in results if r not in recorded)
    assert fields(refresher)[:3] == ("check", recorded[0].choice_label, recorded[0].good)
