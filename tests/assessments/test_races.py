"""Two submissions of the same step at the same moment: exactly one is recorded.

Real threads with their own database connections, so this needs a server database
(PostgreSQL in CI); SQLite's in-memory test database cannot hold two writers.
"""

import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections

from assessments import services
from assessments.models import ChoiceRecord, ScenarioAttempt
from assessments.selectors import attempt_cache_key, forget_attempt
from tests.modules import make_module

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("site_root"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
    ),
]


def race(n, work):
    """Run work() in n threads released together; return what each returned or raised."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work()
        except Exception as exc:  # recorded for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("cached", [True, False], ids=["fast-path", "locked-path"])
def test_the_same_step_submitted_twice_at_once_is_recorded_once(make_user, cached):
    module = make_module()
    learner = make_user(email="racer@example.com")
    services.attempt_start(user=learner, module_id=module.pk)
    if not cached:
        forget_attempt(learner.pk, module.pk)
    assert (cache.get(attempt_cache_key(learner.pk, module.pk)) is not None) == cached

    def submit():
        return services.attempt_choose(
            module_id=module.pk, user=learner, scene_key="call", choice_index=0, step=0
        )

    results = race(4, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.recorded for r in results) == 1
    assert ChoiceRecord.objects.count() == 1
    attempt = ScenarioAttempt.objects.get()
    assert (attempt.step, attempt.current_scene_key) == (1, "check")
    assert attempt.engagement == ChoiceRecord.objects.get().engagement
