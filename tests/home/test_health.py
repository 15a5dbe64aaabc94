from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_healthz_reports_each_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "tasks"}
    assert body["checks"]["tasks"]["backend"] == "ImmediateBackend"
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_healthz_is_503_when_the_cache_keeps_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "error"


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"status": "error", "detail": "OperationalError"}
    assert "refused" not in response.content.decode()  # no internals leak


@pytest.fixture
def database_task_backend(settings):
    # django-tasks rebuilds its backends when the TASKS setting changes.
    settings.TASKS = DB_TASKS


def test_healthz_counts_the_task_backlog(client, database_task_backend):
    from tests.home.tasks import noop

    noop.enqueue()
    body = client.get("/healthz").json()
    assert body["checks"]["tasks"] == {"status": "ok", "backend": "DatabaseBackend", "backlog": 1}


def test_healthz_is_503_when_tasks_wait_for_a_worker_too_long(client, database_task_backend):
    from django_tasks_db.models import DBTaskResult

    from tests.home.tasks import noop

    noop.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=20))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"]["detail"] == "tasks are waiting for a worker"


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
