"""The two real task backends run our tasks: the database one and RQ over Redis."""

import pytest

from tests.helpers import django_env, redis_available, run_django_code, run_python


def test_database_backend_runs_queued_tasks_with_db_worker(tmp_path):
    # In a separate process with its own database file: the worker manages its own
    # connections and transactions, which the test database's wrapping would not allow.
    env = django_env(
        DJANGO_TASKS_BACKEND="database", DATABASE_URL=f"sqlite:///{tmp_path}/tasks.sqlite3"
    )
    out = run_django_code(
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from tests.home.tasks import noop;"
        "result = noop.enqueue(); print(result.status);"
        "call_command('db_worker', '--batch', '--no-startup-delay', '--no-reload', verbosity=0);"
        "result.refresh(); print(result.status)",
        env=env,
    )
    assert out.splitlines()[-2:] == ["READY", "SUCCESSFUL"]


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_rq_backend_runs_tasks_on_a_separate_worker(tmp_path):
    env = django_env(
        DJANGO_TASKS_BACKEND="rq",
        REDIS_URL="redis://127.0.0.1:6379/14",
        DATABASE_URL=f"sqlite:///{tmp_path}/rq.sqlite3",
    )
    status = "from tests.home.tasks import noop; print(noop.get_result('{}').status)"
    task_id = run_django_code(
        "from tests.home.tasks import noop; print(noop.enqueue().id)", env=env
    )
    assert run_django_code(status.format(task_id), env=env) == "READY"

    worker = run_python(
        "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job", "--burst", "default", env=env
    )
    assert worker.returncode == 0, worker.stderr
    assert run_django_code(status.format(task_id), env=env) == "SUCCESSFUL"
