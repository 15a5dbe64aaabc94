"""The two real task backends run our tasks: the database one and RQ over Redis."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.home.tasks import noop

ROOT = Path(__file__).resolve().parents[2]


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
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_TASKS_BACKEND": "rq",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "DATABASE_URL": f"sqlite:///{tmp_path}/rq.sqlite3",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    setup = "import django; django.setup(); from tests.home.tasks import noop;"

    def python(code):
        out = subprocess.run(
            [sys.executable, "-c", setup + code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    task_id = python("print(noop.enqueue().id)")
    assert python(f"print(noop.get_result('{task_id}').status)") == "READY"
    worker = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "rqworker",
            "--job-class",
            "django_tasks_rq.Job",
            "--burst",
            "default",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    assert python(f"print(noop.get_result('{task_id}').status)") == "SUCCESSFUL"
