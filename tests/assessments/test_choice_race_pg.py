"""Two browsers of the same learner send the same step at the same moment: one choice recorded.

Through the player's HTTP views, as a double click on two tabs would: two test clients signed
in as the same learner, each in its own thread with its own database connection, released
together by a barrier. Ten attempts, every step of each raced, alternating the fast path (the
cached attempt, compare-and-set) and the locked path (no cached attempt: SELECT ... FOR UPDATE),
and alternating the same button with two different buttons. Needs concurrent writers, so it runs
on PostgreSQL only (`DATABASE_URL=postgres://...`); on SQLite it is skipped.
"""

import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from assessments.models import ChoiceRecord, ScenarioAttempt
from assessments.selectors import forget_attempt
from tests.modules import make_module

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("site_root"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
    ),
]

ROUNDS = 10
STALE = "That choice was already made"


def race(*work):
    """Run each callable in its own thread, released together; what each returned or raised."""
    barrier = threading.Barrier(len(work))
    results = [None] * len(work)

    def run(i):
        try:
            barrier.wait()
            results[i] = work[i]()
        except Exception as exc:  # kept for the assertions
            results[i] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def form_on(html):
    """The step and scene of the choice form on a player page; None at an ending."""
    step = re.search(r'name="step" value="(\d+)"', html)
    if step is None:
        return None
    return int(step.group(1)), re.search(r'name="scene" value="([^"]+)"', html).group(1)


def test_a_step_sent_twice_at_once_is_recorded_once_and_the_other_is_told(make_user):
    module = make_module()
    learner = make_user(email="racer@northwind.example")
    play = reverse("assessments:play", args=[module.pk])
    start = reverse("assessments:start", args=[module.pk])
    choose = reverse("assessments:choose", args=[module.pk])
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.force_login(learner)

    races = 0
    for round_ in range(ROUNDS):
        locked_path = round_ % 2 == 1
        buttons = (0, 0) if round_ % 4 < 2 else (0, 1)
        assert tabs[0].post(start, {"restart": "1"}).status_code == 302
        attempt = ScenarioAttempt.objects.get(user=learner, status="in_progress")
        assert ScenarioAttempt.objects.filter(user=learner).count() == round_ + 1

        page = tabs[0].get(play).content.decode()
        while (shown := form_on(page)) is not None:
            step, scene = shown
            if locked_path:
                forget_attempt(learner.pk, module.pk)

            def send(tab, button, step=step, scene=scene):
                return tab.post(choose, {"step": step, "scene": scene, "choice": button})

            pairs = zip(tabs, buttons, strict=True)
            responses = race(*(lambda t=t, b=b: send(t, b) for t, b in pairs))
            races += 1
            where = f"round {round_}, step {step} ({'locked' if locked_path else 'fast'} path)"
            assert not [r for r in responses if isinstance(r, Exception)], (where, responses)
            assert [r.status_code for r in responses] == [302, 302], where
            told_recorded = [
                i for i, r in enumerate(responses) if r.url == f"{play}?feedback={step}"
            ]
            assert len(told_recorded) == 1, (where, [r.url for r in responses])
            winner, loser = told_recorded[0], 1 - told_recorded[0]
            assert responses[loser].url == play, where

            records = ChoiceRecord.objects.filter(attempt=attempt, step=step)
            assert records.count() == 1, where
            assert records.get().choice_index == buttons[winner], where
            assert records.get().scene_key == scene, where
            attempt.refresh_from_db()
            assert attempt.step == step + 1, where

            # the tab that lost is told so, and shown where the attempt now stands
            stale_page = tabs[loser].get(responses[loser].url).content.decode()
            assert STALE in stale_page, where
            page = tabs[winner].get(responses[winner].url).content.decode()
            assert form_on(stale_page) == form_on(page), where

        attempt.refresh_from_db()
        assert attempt.finished
        steps = list(attempt.choices.order_by("step").values_list("step", flat=True))
        assert steps == list(range(attempt.step))
        assert attempt.engagement == sum(c.engagement for c in attempt.choices.all())

    assert races >= 2 * ROUNDS  # every scenario path in the module takes two choices or more
    assert ChoiceRecord.objects.filter(attempt__user=learner).count() == races
