"""The load test (`make loadtest`): 200 learners in locust against gunicorn and PostgreSQL.

1. Creates a fresh PostgreSQL database (`cx_load_<timestamp>`; LOADTEST_DATABASE_URL: that one,
   kept), migrates it, seeds the demo course's five modules and LOADTEST_USERS learners.
2. Serves it with gunicorn on loopback, workers and recycling from gunicorn.conf.py, under
   LOADTEST_SETTINGS (config.settings.bench: DEBUG off, hashed static files, Redis cache and
   sessions, persistent connections, the MD5 hasher; config.settings.production works too).
   The client plays the proxy production runs behind: X-Forwarded-Proto, and X-Forwarded-For
   with one trusted hop, so each learner has their own address for the sign-in rate limits.
3. Runs bench/locustfile.py headless: LOADTEST_USERS learners (200), LOADTEST_SPAWN_RATE a
   second (20), for LOADTEST_DURATION (2m), with double submits and back-button replays.
4. Checks the database against the clients' log: every choice a client was told was recorded
   exists once, at its step, with its scene and choice; no attempt holds two choices for a step;
   no choice exists that no client sent; every attempt's steps run 0..n-1 and chain. Counts 5xx
   answers as the clients saw them and in gunicorn's access log.
5. Prints throughput and p50/p95/p99 (whole run, per request type) and CPU time, writes
   bench/results/loadtest.json and locust's CSVs, drops the database (LOADTEST_KEEP_DB=1 keeps
   it), and exits 1 if a choice is lost, duplicated or unexplained, or on any 5xx.
"""

import http.client
import json
import math
import multiprocessing
import os
import resource
import secrets
import shutil
import signal
import subprocess  # nosec B404 # runs our own interpreter, gunicorn and locust, no shell
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
USERS = int(os.environ.get("LOADTEST_USERS", "200"))
SPAWN_RATE = os.environ.get("LOADTEST_SPAWN_RATE", "20")
DURATION = os.environ.get("LOADTEST_DURATION", "2m")
PORT = int(os.environ.get("LOADTEST_PORT", "8766"))
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/12")
PG_ADMIN_URL = os.environ.get(
    "LOADTEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# The bench settings: production's stack on a local database (DEBUG off, hashed static files,
# Redis cache and sessions), but a cheap password hasher. config.settings.production signs in
# with PBKDF2 at a million rounds, half a CPU-second each: 200 sign-ins in ten seconds are
# 100 CPU-seconds, which on two cores leave no time to play (see the README).
SETTINGS = os.environ.get("LOADTEST_SETTINGS", "config.settings.bench")
SCHEME = "https" if SETTINGS.endswith("production") else "http"  # what the proxy tells Django
KEEP_DB = os.environ.get("LOADTEST_KEEP_DB", "") not in ("", "0")  # the database and the logs
EMAIL = "load{i:03d}@northwind.example"
PASSWORD = "load-test-password-2026"  # nosec B105 # accounts in a throwaway database
PROXY_HEADERS = {"X-Forwarded-Proto": SCHEME, "X-Forwarded-For": "10.77.255.1"}


def django_env(database_url, tmp):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_BASE_URL": f"https://127.0.0.1:{PORT}",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp / "media"),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",  # production's default; the bench settings read this
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    }


# --- inside Django (run as `loadtest.py --seed` / `--dump FILE` in a child process) --------------


def seed():
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.core.management import call_command
    from wagtail.models import Page

    from assessments.models import ScenarioAttempt
    from courses.demo import seed_course
    from courses.models import ModulePage
    from home.models import User
    from home.services import user_create

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    cache.clear()
    seed_course(Page.objects.get(depth=2))
    emails = [EMAIL.format(i=i) for i in range(USERS)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    for email in emails:
        if email not in existing:
            user_create(email=email, password=None, first_name="Load", last_name="Learner")
    # one hash for all (the real hasher: a second per hash would make seeding minutes long)
    User.objects.filter(email__in=emails).update(password=make_password(PASSWORD))
    ScenarioAttempt.objects.filter(user__email__in=emails).delete()  # a given database: afresh
    modules = ModulePage.objects.live().order_by("path")
    print(json.dumps([{"id": m.pk, "url": m.url} for m in modules]))


def dump(path):
    import django

    django.setup()
    from django.core.cache import cache
    from django.db.models import Count

    from assessments.models import ChoiceRecord, ScenarioAttempt

    mine = {"user__email__startswith": "load", "user__email__endswith": "@northwind.example"}
    attempts = ScenarioAttempt.objects.filter(**mine).order_by("user__email", "module_id", "pk")
    choices = ChoiceRecord.objects.filter(**{f"attempt__{k}": v for k, v in mine.items()})
    doubles = choices.values("attempt_id", "step").annotate(n=Count("pk")).filter(n__gt=1)
    attempts = attempts.values_list("user__email", "module_id", "pk", "step", "current_scene_key")
    choices = choices.values_list(
        "attempt_id", "step", "scene_key", "choice_index", "next_scene_key"
    )
    doubles = [[d["attempt_id"], d["step"], d["n"]] for d in doubles]
    Path(path).write_text(
        json.dumps({"attempts": [*attempts], "choices": [*choices], "doubles": doubles})
    )
    if not KEEP_DB:
        cache.clear()


# --- the run ----------------------------------------------------------------------------------


def admin_sql(statement):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def wait_for_server(server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/healthz", headers=PROXY_HEADERS)
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within a minute")


def start_server(env, tmp):
    log = (tmp / "server.log").open("a")
    return subprocess.Popen(  # nosec B603 # fixed argv: the venv's gunicorn, no shell
        [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")]
        + ["--access-logfile", str(tmp / "access.log"), "--error-logfile", str(tmp / "server.log")]
        + ["--access-logformat", "%(s)s %(m)s %(U)s %(M)s"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        # the workers' own logging (Django's errors) goes to the same file
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def server_cpu_seconds(master_pid):
    """CPU time of gunicorn: the master, its live workers, and the workers it has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == master_pid:  # its own time and its reaped children's
            total += sum(int(f) for f in fields[11:15])
        elif int(fields[1]) == master_pid:  # a live worker
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_locust(tmp, modules):
    RESULTS.mkdir(exist_ok=True)
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
    command += ["-u", str(USERS), "-r", SPAWN_RATE, "-t", DURATION]
    command += ["--stop-timeout", "30"]  # each learner finishes the step it is in
    command += ["--host", f"http://127.0.0.1:{PORT}", "--csv", str(RESULTS / "loadtest")]
    command += ["--only-summary", "--loglevel", "WARNING"]
    locust_env = {
        **os.environ,
        "LOADTEST_LOG_DIR": str(tmp / "clients"),
        "LOADTEST_MODULES": json.dumps(modules),
        "LOADTEST_EMAIL": EMAIL,
        "LOADTEST_PASSWORD": PASSWORD,
        "LOADTEST_ORIGIN": f"{SCHEME}://127.0.0.1:{PORT}",
    }
    log = RESULTS / "loadtest-locust.log"
    with log.open("w") as out:
        code = subprocess.run(  # nosec B603 # fixed argv: the venv's locust, no shell
            command, cwd=ROOT, env=locust_env, stdout=out, stderr=out
        ).returncode
    if code not in (0, 1):  # 1: some request failed, which the report below shows
        print(log.read_text()[-4000:])
        raise SystemExit(f"locust exited with {code}")


# --- the report -------------------------------------------------------------------------------


def percentile(values, p):
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)] if values else None


def timings(tmp):
    requests, anomalies = [], Counter()
    for path in sorted((tmp / "clients").glob("requests-*.json")):
        data = json.loads(path.read_text())
        requests += data["requests"]
        anomalies.update(data["anomalies"])
    if not requests:
        raise SystemExit("locust recorded no request")
    began = min(r[3] for r in requests)
    ended = max(r[3] + r[1] / 1000 for r in requests)
    groups = defaultdict(list)
    for name, ms, _status, _start in requests:
        groups["all requests"].append(ms)
        groups[name].append(ms)
        if name.startswith("choice"):
            groups["choice (POST), every kind"].append(ms)
    rows = {}
    for name, values in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        values.sort()
        rows[name] = {
            "requests": len(values),
            "req_per_s": round(len(values) / (ended - began), 1),
            **{f"p{p}_ms": round(percentile(values, p), 1) for p in (50, 95, 99)},
        }
    statuses = Counter(r[2] for r in requests)
    return rows, statuses, anomalies, round(ended - began, 1)


def server_log(tmp):
    statuses = Counter()
    for line in (tmp / "access.log").read_text().splitlines():
        status, _method, path, _ms = line.split(" ")
        if path != "/healthz":  # the orchestrator's, while the workers boot
            statuses[status] += 1
    errors = (tmp / "server.log").read_text()
    return statuses, errors.count("Traceback"), errors.count("WORKER TIMEOUT")


def compare(tmp, dumped):
    """The clients' log against the database: lost, duplicated and unexplained choices."""
    posts, order = {}, []
    for path in sorted((tmp / "clients").glob("client-*.jsonl")):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("kind") == "start":
                continue
            if entry["id"] not in posts:
                order.append(entry["id"])
            posts[entry["id"]] = entry  # the outcome line replaces the "sent" line
    outcomes = Counter((posts[i]["kind"], posts[i]["outcome"]) for i in order)
    claimed = defaultdict(list)  # (user, module, attempt ordinal, step) -> posts told recorded
    unconfirmed = defaultdict(list)  # posts with no answer (or a failed one): may be recorded
    for i in order:
        post = posts[i]
        key = (post["user"], post["module"], post["attempt"], post["step"])
        if post["outcome"] == "recorded":
            claimed[key].append(post)
        elif post["outcome"] == "sent" or post["outcome"].startswith("status "):
            unconfirmed[key].append(post)

    ordinal, counters = {}, Counter()
    for email, module, pk, _step, _scene in dumped["attempts"]:
        counters[(email, module)] += 1
        ordinal[pk] = (email, module, counters[(email, module)])
    stored, by_attempt = {}, defaultdict(dict)
    for attempt_id, step, scene, choice, next_scene in dumped["choices"]:
        stored[(*ordinal[attempt_id], step)] = (scene, choice)
        by_attempt[attempt_id][step] = (scene, next_scene)

    lost = [k for k, p in claimed.items() if stored.get(k) != (p[0]["scene"], p[0]["choice"])]
    told_twice = [k for k, p in claimed.items() if len(p) > 1]
    unexplained, explained = [], 0
    for key, (scene, choice) in stored.items():
        if key in claimed:
            continue
        if any((p["scene"], p["choice"]) == (scene, choice) for p in unconfirmed.get(key, ())):
            explained += 1
        else:
            unexplained.append(key)
    broken = []  # attempts whose choices do not chain from step 0 to where the attempt stands
    for _email, _module, pk, step, scene in dumped["attempts"]:
        chain = by_attempt.get(pk, {})
        ok = sorted(chain) == list(range(step))
        ok = ok and all(chain[s][1] == chain[s + 1][0] for s in range(step - 1))
        ok = ok and (step == 0 or chain[step - 1][1] == scene)
        if not ok:
            broken.append(pk)
    return {
        "posts": len(order),
        "outcomes": {f"{kind}: {outcome}": n for (kind, outcome), n in sorted(outcomes.items())},
        "recorded_by_clients": len(claimed),
        "choices_in_database": len(dumped["choices"]),
        "attempts_in_database": len(dumped["attempts"]),
        "lost": len(lost),
        "duplicated": len(dumped["doubles"]) + len(told_twice),
        "unexplained": len(unexplained),
        "recorded_without_an_answer": explained,
        "broken_attempts": len(broken),
        "examples": {"lost": lost[:5], "unexplained": unexplained[:5], "broken": broken[:5]},
    }


def report(r):
    print(
        f"\n{USERS} learners (spawn {SPAWN_RATE}/s) for {DURATION}: gunicorn ({r['workers']} sync "
        f"workers, gunicorn.conf.py), PostgreSQL, Redis cache and sessions, {SETTINGS}; "
        f"{r['seconds']} s of requests"
    )
    print(f"{'request':<38} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, row in r["requests"].items():
        print(
            f"{name:<38} "
            + " ".join(f"{v:>{w}}" for v, w in zip(row.values(), (7, 7, 8, 8, 8), strict=True))
        )
    server, check, cpu = r["server"], r["check"], r["cpu"]
    print(f"\nstatus codes seen by the clients: {r['client_statuses']} (0: no answer)")
    print(f"status codes in gunicorn's access log: {server['statuses']}")
    print(
        f"gunicorn: {server['tracebacks']} tracebacks, {server['worker_timeouts']} worker timeouts"
    )
    print(f"client anomalies: {r['anomalies'] or 'none'}")
    print(f"\nchoice POSTs by kind and answer: {json.dumps(check['outcomes'], indent=1)}")
    print(
        f"choices the clients were told were recorded: {check['recorded_by_clients']}; in the "
        f"database: {check['choices_in_database']} ({check['recorded_without_an_answer']} from "
        f"POSTs that got no answer), in {check['attempts_in_database']} attempts"
    )
    print(
        f"lost: {check['lost']}   duplicated: {check['duplicated']}   "
        f"unexplained: {check['unexplained']}   broken attempts: {check['broken_attempts']}   "
        f"5xx: {server['5xx']}"
    )
    print(
        f"CPU: gunicorn {cpu['server_s']} s ({cpu['server_ms_per_request']} ms a request), "
        f"locust {cpu['locust_s']} s; load average {cpu['load_average_before']} before, "
        f"{cpu['load_average_after']} after ({os.cpu_count()} cores, shared with whatever runs)"
    )


def run(env, tmp):
    """Seed, serve, load, and read everything back; returns the results."""
    out = subprocess.run(  # nosec B603 # fixed argv: this interpreter and file
        [sys.executable, __file__, "--seed"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    modules = json.loads(out.stdout.decode().strip().splitlines()[-1])
    server = start_server(env, tmp)
    try:
        health = wait_for_server(server)
        workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
        print(f"gunicorn on 127.0.0.1:{PORT} ({workers} workers), /healthz {health}")
        print(f"locust: {USERS} learners, {SPAWN_RATE}/s, {DURATION}, {len(modules)} modules...")
        load, server_cpu = os.getloadavg()[0], server_cpu_seconds(server.pid)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_locust(tmp, modules)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {
            "server_s": round(server_cpu_seconds(server.pid) - server_cpu, 1),
            "locust_s": round(
                after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
            ),
            "load_average_before": round(load, 1),
            "load_average_after": round(os.getloadavg()[0], 1),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    subprocess.run(  # nosec B603 # fixed argv: this interpreter and file
        [sys.executable, __file__, "--dump", str(tmp / "db.json")], cwd=ROOT, env=env, check=True
    )
    rows, statuses, anomalies, seconds = timings(tmp)
    access, tracebacks, timeouts = server_log(tmp)
    fives = sum(n for s, n in statuses.items() if s >= 500)
    fives += sum(n for s, n in access.items() if s.startswith("5"))
    cpu["server_ms_per_request"] = round(
        cpu["server_s"] * 1000 / rows["all requests"]["requests"], 1
    )
    return {
        "users": USERS,
        "settings": SETTINGS,
        "duration": DURATION,
        "workers": workers,
        "seconds": seconds,
        "cpu": cpu,
        "requests": rows,
        "client_statuses": dict(sorted(statuses.items())),
        "anomalies": dict(anomalies),
        "server": {
            "statuses": dict(sorted(access.items())),
            "tracebacks": tracebacks,
            "worker_timeouts": timeouts,
            "5xx": fives,
        },
        "check": compare(tmp, json.loads((tmp / "db.json").read_text())),
    }


def main():
    tmp = Path(tempfile.mkdtemp(prefix="cx-loadtest-"))
    given = os.environ.get("LOADTEST_DATABASE_URL")
    name = None if given else f"cx_load_{datetime.now():%Y%m%d_%H%M%S}"
    if name:
        admin_sql(f'CREATE DATABASE "{name}"')
    database_url = given or PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    print(f"database {name or given}; seeding {USERS} learners and the demo course...")
    try:
        results = run(django_env(database_url, tmp), tmp)
    finally:
        if name and not KEEP_DB:
            admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif name:
            print(f"kept the database: {database_url}")
    report(results)
    (RESULTS / "loadtest.json").write_text(json.dumps(results, indent=2))
    check = results["check"]
    bad = check["lost"] + check["duplicated"] + check["unexplained"] + check["broken_attempts"]
    if bad or results["server"]["5xx"] or not check["recorded_by_clients"]:
        print(f"FAILED: choices lost, duplicated or unexplained, a 5xx, or none played ({tmp})")
        return 1
    if not KEEP_DB:
        shutil.rmtree(tmp)
    print("OK: no choice lost or duplicated, no 5xx")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--seed"]:
        seed()
    elif sys.argv[1:2] == ["--dump"]:
        dump(sys.argv[2])
    else:
        sys.exit(main())
