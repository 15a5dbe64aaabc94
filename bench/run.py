"""Benchmarks: median and p95 server time of the pages that exist, in-process.

Runs against a throwaway SQLite database (or DATABASE_URL if set), with DEBUG off and
the production middleware stack minus HTTPS redirects. Prints one table; writes
bench/results/latest.json. Not a test: it asserts nothing, it reports.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

tmp = tempfile.mkdtemp(prefix="cx-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from home.demo import DEMO_PASSWORD  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))


def measure(client, path, n=REQUESTS):
    client.get(path)  # warm caches and template loaders
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    timings.sort()
    return {
        "path": path,
        "requests": n,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(n * 0.95) - 1], 2),
        "req_per_s": round(1000 / statistics.mean(timings), 1),
    }


def main():
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)

    anonymous = Client(HTTP_HOST="localhost")
    learner = Client(HTTP_HOST="localhost")
    if not learner.login(email="sam.sales@northwind.example", password=DEMO_PASSWORD):
        raise RuntimeError("the demo learner could not sign in")

    results = [
        {"view": "home (anonymous)", **measure(anonymous, "/")},
        {"view": "home (learner)", **measure(learner, "/")},
        {"view": "sign-in page", **measure(anonymous, "/accounts/login/")},
        {"view": "healthz", **measure(anonymous, "/healthz")},
    ]
    print(f"{'view':<22} {'median ms':>10} {'p95 ms':>8} {'req/s':>8}")
    for r in results:
        print(f"{r['view']:<22} {r['median_ms']:>10} {r['p95_ms']:>8} {r['req_per_s']:>8}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
