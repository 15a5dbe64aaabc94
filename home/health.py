"""Health checks for /healthz: each returns a small dict, never a secret."""

import uuid
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

# A task queued longer than this with nobody running it means no worker is alive.
STALE_TASK_AFTER = timedelta(minutes=15)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"status": "ok" if ok else "error"}


def check_tasks() -> dict:
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    result = {"status": "ok", "backend": type(backend).__name__}
    if result["backend"] == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult, get_date_max

        ready = DBTaskResult.objects.ready()
        result["backlog"] = ready.count()
        # run_after is a far-future sentinel for "as soon as possible" tasks.
        cutoff = timezone.now() - STALE_TASK_AFTER
        stale = Q(run_after=get_date_max(), enqueued_at__lt=cutoff) | Q(run_after__lt=cutoff)
        if ready.filter(stale).exists():
            result["status"] = "error"
            result["detail"] = "tasks are waiting for a worker"
    elif result["backend"] == "RQBackend":
        import django_rq

        queue = django_rq.get_queue("default")
        result["backlog"] = queue.count
    return result


CHECKS = {"database": check_database, "cache": check_cache, "tasks": check_tasks}


def run_checks() -> tuple[bool, dict]:
    """Run every check; a check that raises is reported as an error, not a crash."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            results[name] = {"status": "error", "detail": type(exc).__name__}
    healthy = all(r["status"] == "ok" for r in results.values())
    return healthy, results
