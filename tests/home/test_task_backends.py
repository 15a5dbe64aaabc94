"""The two real task backends run our tasks: the database one and RQ over Redis."""

import socket

import pytest
from django.core.management import call_command

from tests.helpers import django_env, run_django_code, run_python
from tests.home.tasks import noop


@pytest.mark.django_db(transaction=True)
def test_database_backend_runs_queued_tasks_with_db_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = noop.enqueue()
    assert result.status == "READY"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    result.refresh()
    assert result.status == "SUCCESSFUL"


def _redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
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
