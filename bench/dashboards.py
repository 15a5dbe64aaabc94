"""Dashboards at scale: the server time of each team view over the 10,000-person benchmark
company, in-process.

Against a throwaway SQLite database in a temporary directory, or DATABASE_URL if set (a
PostgreSQL database is created when missing; an earlier benchmark company in it is replaced,
nothing else is touched), with the bench settings (DEBUG off, production's static files,
Redis for the cache when one answers on 127.0.0.1:6379, else the database cache):

1. `migrate`, `collectstatic`, then `seed_bench` with BENCH_LEARNERS people (default 10000),
2. for each view, signed in (`force_login`) as the person who would open it: the first request
   after the cache is cleared (cold), then the median and p95 of BENCH_DASHBOARD_REQUESTS more
   (default 30), and the number of SQL queries of one more request. Downloads are read to
   the end (streamed or not) and their size reported. A view that answers 404 is reported as
   missing (not built yet), anything else unexpected with its status.

Prints one table; writes bench/results/dashboards.json. Not a test: it asserts nothing, it
reports. Target: /team/ for HR (all 10,000 learners) at most 300 ms median.
"""

import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "10000"))
REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "30"))
TARGET = "(target: /team/ for HR, all learners, median <= 300 ms)"

# label, path (formatted with the ids found after seeding), who opens it
VIEWS = [
    ("team: everyone (HR)", "/team/", "hr"),
    ("team: one division (its manager)", "/team/?unit={division}", "division_manager"),
    ("team: heatmap page 40 (HR)", "/team/?page=40", "hr"),
    ("team: overdue, by score (HR)", "/team/?status=overdue&sort=-score", "hr"),
    ("person (HR)", "/team/people/{person}/", "hr"),
    ("export people.csv (HR)", "/team/export/people.csv", "hr"),
    ("export people.xlsx (HR)", "/team/export/people.xlsx", "hr"),
    ("campaigns (HR)", "/team/campaigns/", "hr"),
    ("campaign cascade (HR)", "/team/campaigns/{campaign}/", "hr"),
    ("item analysis (trainer)", "/admin/item-analysis/{module}/", "trainer"),
]


def redis_url():
    """Production shares one cache between app servers (Redis); so does the benchmark."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/14"
    except OSError:
        return ""


def ensure_postgres_database(url):
    """Create the PostgreSQL database DATABASE_URL names, if it does not exist yet."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        return
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"Created the PostgreSQL database {config['NAME']}.")


def timings(values_ms):
    ordered = sorted(values_ms)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
    }


def fetch(client, path):
    """One request, its body read to the end; returns (status, bytes, ms)."""
    start = time.perf_counter()
    response = client.get(path)
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    ms = (time.perf_counter() - start) * 1000
    response.close()
    return response.status_code, size, ms, response


def subjects():
    """The people and ids the views are opened with, from the seeded company."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from assessments.models import ModuleProgress
    from courses.models import ModulePage
    from home.models import User
    from learning.bench_data import BENCH_DOMAIN, BENCH_SLUG_PREFIX, bench_root
    from learning.models import Campaign, EmployeeProfile, OrgUnit

    root = bench_root()
    division = OrgUnit.objects.filter(path__startswith=root.path, depth=2).order_by("path")[0]
    person = (
        EmployeeProfile.objects.filter(
            unit__path__startswith=root.path,
            unit__depth=5,
            is_manager=False,
            active=True,
            user__in=ModuleProgress.objects.values("user"),
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)[0]
    )
    users = {
        "hr": User.objects.get(email=f"hr@{BENCH_DOMAIN}"),
        "trainer": User.objects.get(email=f"trainer@{BENCH_DOMAIN}"),
        "division_manager": division.managers.get(),
    }
    for user in (users["hr"], users["trainer"]):  # staff roles need a second factor
        if not user.authenticator_set.exists():
            TOTP.activate(user, generate_totp_secret())
    ids = {
        "division": division.pk,
        "person": person,
        "campaign": Campaign.objects.filter(unit=root).order_by("pk")[0].pk,
        "module": ModulePage.objects.filter(slug__startswith=BENCH_SLUG_PREFIX)
        .order_by("path")[0]
        .pk,
    }
    return users, ids


def measure(label, path, user):
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    cache.clear()  # cold: no cached aggregates (and, with Redis, no sessions either)
    client.force_login(user)
    row = {"view": label, "path": path}
    try:
        status, size, cold_ms, response = fetch(client, path)
    except Exception as exc:  # noqa: BLE001 - a view under construction may fail: go on
        return {**row, "status": f"error: {type(exc).__name__}: {exc}"[:200]}
    if status == 404:
        return {**row, "status": "missing"}
    if status != 200:
        where = f" -> {response['Location']}" if response.has_header("Location") else ""
        return {**row, "status": f"{status}{where}"}
    warm = [fetch(client, path)[2] for _ in range(REQUESTS)]
    with CaptureQueriesContext(connection) as queries:
        fetch(client, path)
    return {
        **row,
        "status": "ok",
        "bytes": size,
        "cold_ms": round(cold_ms, 1),
        **timings(warm),
        "requests": REQUESTS,
        "queries": len(queries),
    }


def main():
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-dashboards-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/dashboards.sqlite3")
    os.environ.setdefault("REDIS_URL", redis_url())
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["DJANGO_STATIC_ROOT"] = str(tmp / "static")
    os.environ["DJANGO_MEDIA_ROOT"] = str(tmp / "media")
    os.environ["DJANGO_PRIVATE_MEDIA_ROOT"] = str(tmp / "private")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_postgres_database(os.environ["DATABASE_URL"])

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    call_command("collectstatic", "--noinput", verbosity=0)
    start = time.perf_counter()
    call_command("seed_bench", "--learners", str(LEARNERS), "--force")
    seed_seconds = round(time.perf_counter() - start, 1)

    users, ids = subjects()
    Client(HTTP_HOST="localhost").get("/bench/ping")  # URLs and middleware loaded, untimed
    results = []
    for label, path, who in VIEWS:
        results.append(measure(label, path.format(**ids), users[who]))
        print(
            f"  measured {label}: {results[-1].get('median_ms', results[-1]['status'])}", flush=True
        )

    database = connection.vendor
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"\n{LEARNERS:,} learners seeded in {seed_seconds} s on {database} (cache: {cache})")
    head = (
        f"{'view':<34} {'cold ms':>8} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bytes':>10}"
    )
    print(head)
    for r in results:
        if r["status"] != "ok":
            print(f"{r['view']:<34} {r['status']}")
            continue
        print(
            f"{r['view']:<34} {r['cold_ms']:>8} {r['median_ms']:>10} {r['p95_ms']:>8} "
            f"{r['queries']:>8} {r['bytes']:>10,}"
        )
    print(TARGET)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    report = {
        "database": database,
        "cache": cache,
        "learners": LEARNERS,
        "seed_seconds": seed_seconds,
        "requests_per_view": REQUESTS,
        "target": TARGET,
        "views": results,
    }
    (out / "dashboards.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
