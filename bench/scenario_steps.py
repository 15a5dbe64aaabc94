"""Scenario steps under load, as a ratio to a minimal Django view on the same server.

Starts gunicorn (2 sync workers) on loopback against a throwaway SQLite database holding the
demo course, then drives it with a small threaded HTTP client: first the minimal view
(/bench/ping), then learners playing modules (GET a scene, POST a choice, repeat; a new
attempt after each ending). Same concurrency, same duration, same run. Prints requests/s,
p50 and p95 for both, and the ratio. A benchmark, not a test: it reports.
"""

import http.client
import json
import os
import re
import signal
import statistics
import subprocess  # nosec B404 # runs our own interpreter and gunicorn, no shell
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import procs  # bench/procs.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
USERS = int(os.environ.get("BENCH_USERS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))  # the median of 5 rides out a noisy neighbour
PASSWORD = "bench-password-123"  # nosec B105 # accounts in a throwaway bench database


def redis_url():
    """Production shares one cache between workers (Redis); so does the benchmark."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/13"
    except OSError:
        return ""


def django_env(db_path):
    return {
        "REDIS_URL": redis_url(),
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{db_path}"),
        "DJANGO_STATIC_ROOT": str(db_path.parent / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",  # as in production: keep connections between requests
    }


def prepare(env):
    code = f"""
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
call_command("createcachetable")
from django.core.cache import cache
cache.clear()
from wagtail.models import Page
from courses.demo import seed_course
from home.services import user_create
seed_course(Page.objects.get(depth=2))
for i in range({USERS}):
    user_create(email=f"bench{{i}}@northwind.example", password="{PASSWORD}")
from courses.models import ModulePage
print(",".join(str(m.pk) for m in ModulePage.objects.live().order_by("path")))
"""
    out = subprocess.run(  # nosec B603 # fixed argv: this interpreter, our code, no shell
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return [int(x) for x in out.stdout.strip().splitlines()[-1].split(",")]


class Client:
    """A keep-alive HTTP/1.1 client with a cookie jar, one per simulated learner."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{PORT}{path}"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), data


def csrf(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def login(client, email):
    _, _, html = client.request("GET", "/accounts/login/")
    status, _, _ = client.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": csrf(html), "login": email, "password": PASSWORD},
    )
    if status != 302:
        raise RuntimeError(f"login failed for {email}: {status}")


def server_cpu_seconds(master_pid):
    """CPU time (user + system) used so far by the gunicorn master's worker processes."""
    ticks = sum(int(f[11]) + int(f[12]) for _, f in procs.children(master_pid))
    return ticks / os.sysconf("SC_CLK_TCK")


def run_for(seconds, work, server_pid=None):
    """Run work(client_index, state) in USERS threads for `seconds`; return timings.

    With server_pid, also the server's CPU time per request: less noisy than throughput on
    a shared machine, and it leaves out the load generator's own share of the cores.
    """
    cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    client_before = time.process_time()
    timings, errors = [], []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(i):
        local, bad = [], 0
        state = {}
        while time.monotonic() < stop:
            start = time.perf_counter()
            ok = work(i, state)
            local.append(time.perf_counter() - start)
            bad += 0 if ok else 1
        with lock:
            timings.extend(local)
            errors.append(bad)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(USERS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    timings.sort()
    cpu = None
    if server_pid:
        cpu = round((server_cpu_seconds(server_pid) - cpu_before) / len(timings) * 1000, 3)
    client_cpu = round((time.process_time() - client_before) / len(timings) * 1000, 3)
    return {
        "server_cpu_ms": cpu,
        "client_cpu_ms": client_cpu,
        "requests": len(timings),
        "errors": sum(errors),
        "req_per_s": round(len(timings) / elapsed, 1),
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 2),
    }


def main():
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-steps-"))
    env = django_env(tmp / "bench.sqlite3")
    print("preparing the benchmark database (demo course, learners)...", flush=True)
    modules = prepare(env)
    server = subprocess.Popen(  # nosec B603 # fixed argv: the venv's gunicorn, no shell
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--max-requests",
            "0",  # no recycling mid-measurement (gunicorn.conf.py sets it for production)
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "GUNICORN_CMD_ARGS": ""},
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                Client().request("GET", "/bench/ping")
                break
            except OSError:
                time.sleep(0.2)

        clients = [Client() for _ in range(USERS)]

        def ping(i, state):
            status, _, _ = clients[i].request("GET", "/bench/ping")
            return status == 200

        for i, client in enumerate(clients):
            login(client, f"bench{i}@northwind.example")

        def step(i, state):
            """One scenario request: GET the scene, or POST a choice from it."""
            client = clients[i]
            module = modules[i % len(modules)]
            base = f"/learn/modules/{module}"
            if state.get("form") is None:
                status, _, html = client.request("GET", f"{base}/play/")
                if status != 200:
                    return False
                if 'name="choice"' in html:
                    state["form"] = {
                        "csrfmiddlewaretoken": csrf(html),
                        "attempt": re.search(r'name="attempt" value="(\d+)"', html).group(1),
                        "step": re.search(r'name="step" value="(\d+)"', html).group(1),
                        "scene": re.search(r'name="scene" value="([^"]+)"', html).group(1),
                        "choice": re.search(r'name="choice" value="(\d+)"', html).group(1),
                    }
                else:  # not started, or at an ending: (re)start
                    state["form"] = {"csrfmiddlewaretoken": csrf(html), "restart": "1"}
                    state["start"] = True
                return True
            form = state.pop("form")
            path = f"{base}/play/start/" if state.pop("start", False) else f"{base}/play/choose/"
            status, _, _ = client.request("POST", path, form)
            return status == 302

        run_for(2, ping)  # warm up both workers
        run_for(2, step)
        # Alternate the two loads so that drift on a shared machine hits both alike.
        rounds = [
            (run_for(SECONDS, ping, server.pid), run_for(SECONDS, step, server.pid))
            for _ in range(ROUNDS)
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    ratios = sorted(s["req_per_s"] / b["req_per_s"] for b, s in rounds)
    ratio = round(statistics.median(ratios), 3)
    baseline, steps = sorted(rounds, key=lambda r: r[1]["req_per_s"] / r[0]["req_per_s"])[
        len(rounds) // 2
    ]
    engine = "PostgreSQL" if "BENCH_DATABASE_URL" in os.environ else "SQLite"
    engine += ", Redis cache and sessions" if env["REDIS_URL"] else ", database cache"
    print(
        f"gunicorn, 2 sync workers, {USERS} concurrent clients, {ROUNDS} rounds of "
        f"{SECONDS:.0f} s per load, {engine}; figures from the median round"
    )
    print(f"{'view':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'errors':>7}")
    for name, r in [("minimal Django view", baseline), ("scenario steps (GET+POST)", steps)]:
        print(
            f"{name:<28} {r['req_per_s']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} "
            f"{r['server_cpu_ms']:>8} {r['errors']:>7}"
        )
    print("(cpu ms: the gunicorn workers' CPU time per request, user + system)")
    print(f"ratios per round: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"ratio scenario steps / minimal view (median round): {ratio} (target >= 0.35)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "scenario_steps.json").write_text(
        json.dumps(
            {"baseline": baseline, "steps": steps, "ratio": ratio, "ratios": ratios}, indent=2
        )
    )


if __name__ == "__main__":
    main()
