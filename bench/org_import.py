"""HR org import at scale: `manage.py import_org` on a generated 10,000-row export, in-process.

Generates a deterministic HR export (a 5-level tree of 501 units, people spread evenly, one
manager per unit) in a temporary directory, then times three runs of `import_org` against a
throwaway SQLite database (or BENCH_DATABASE_URL if set), with the bench settings (DEBUG off,
tasks run immediately, e-mail kept in memory):

1. a dry run of the export (nothing is written),
2. the real import (every unit and person created, invitations sent),
3. a later export (5% new job titles, 2% moved team, 1% leavers, 1% joiners): updates and
   deactivations,
4. a campaign over the whole company (every wave opening: everyone assigned, top down), run
   twice, then the daily notices twice (reminders, and a digest to every manager whose
   reports are overdue; the second run sends nothing).

Prints one table; writes bench/results/org_import.json. Not a test: it asserts nothing, it
reports. BENCH_ORG_ROWS changes the size (default 10000).
"""

import csv
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("BENCH_ORG_ROWS", "10000"))
SEED = 2026
TARGET = "(target: 10,000 rows imported in at most 60 s)"

HEADER = ["employee_id", "email", "first_name", "last_name", "job_title", "unit_path", "manager"]
COMPANY = "Benchmark Co"
DIVISIONS = ["Sales", "Aftersales", "Customer Care", "Finance & Operations"]
REGIONS = ["North", "South", "East", "West"]
AREAS = [f"Area {i}" for i in range(1, 6)]
TEAMS = [f"Team {i}" for i in range(1, 6)]
MANAGER_TITLES = {
    1: "Managing Director",
    2: "Head of Division",
    3: "Regional Manager",
    4: "Area Manager",
    5: "Team Leader",
}
TITLES = [
    "Sales Executive",
    "Service Advisor",
    "Technician",
    "Parts Advisor",
    "Customer Care Agent",
    "Finance Officer",
    "Business Manager",
    "Vehicle Valeter",
]
# fmt: off
FIRST_NAMES = [
    "Amelia", "Oliver", "Priya", "Mohammed", "Chloe", "Kwame", "Siobhan", "Rhys", "Aisha", "Tom",
    "Mei", "Connor", "Fatima", "Harry", "Zara", "Ewan", "Nia", "Tariq", "Grace", "Jakub",
]
LAST_NAMES = [
    "Smith", "Jones", "Patel", "Williams", "Khan", "Taylor", "Davies", "Okafor", "Evans",
    "Murphy", "Chen", "Campbell", "Hussain", "Roberts", "Nowak", "Begum", "Walker", "Kaur",
]
# fmt: on


def unit_tree():
    """Every unit path, parents before children: 1 + 4 + 16 + 80 + 400 = 501 units."""
    paths = [COMPANY]
    for division in DIVISIONS:
        paths.append(f"{COMPANY}/{division}")
        for region in REGIONS:
            paths.append(f"{COMPANY}/{division}/{region}")
            for area in AREAS:
                paths.append(f"{COMPANY}/{division}/{region}/{area}")
                paths.extend(f"{COMPANY}/{division}/{region}/{area}/{team}" for team in TEAMS)
    return paths


def teams(paths):
    return [p for p in paths if p.count("/") == 4]


def person(n, rng, unit_path, manager=False):
    return {
        "employee_id": f"E{n:06d}",
        "email": f"person{n:06d}@bench.example",
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "job_title": MANAGER_TITLES[unit_path.count("/") + 1] if manager else rng.choice(TITLES),
        "unit_path": unit_path,
        "manager": "yes" if manager else "",
    }


def generate_rows(n_rows=ROWS, seed=SEED):
    """The first export: one manager per unit, everyone else spread round-robin over units."""
    paths = unit_tree()
    if n_rows < len(paths):
        raise SystemExit(f"BENCH_ORG_ROWS must be at least {len(paths)} (one manager per unit).")
    rng = random.Random(seed)  # nosec B311 # repeatable bench data, not a secret
    rows = [person(i + 1, rng, path, manager=True) for i, path in enumerate(paths)]
    for n in range(len(paths) + 1, n_rows + 1):
        rows.append(person(n, rng, paths[(n - 1) % len(paths)]))
    return rows


def derive_rows(rows, seed=SEED):
    """A later export: 5% new job titles, 2% moved team, 1% leavers, 1% joiners.

    Only non-managers change, so every unit keeps exactly one manager; the three groups are
    disjoint. Returns (rows, counts).
    """
    rng = random.Random(seed + 1)  # nosec B311 # repeatable bench data
    n = len(rows)
    n_title, n_move, n_leave, n_join = round(n * 0.05), round(n * 0.02), n // 100, n // 100
    staff = [i for i, row in enumerate(rows) if not row["manager"]]
    rng.shuffle(staff)
    leavers = set(staff[:n_leave])
    movers = staff[n_leave : n_leave + n_move]
    rest = staff[n_leave + n_move :]
    retitled = rng.sample(rest, n_title)
    all_teams = teams(unit_tree())

    new = [dict(row) for row in rows]
    for i in retitled:
        new[i]["job_title"] = f"Senior {new[i]['job_title']}"
    for i in movers:
        new[i]["unit_path"] = rng.choice([t for t in all_teams if t != new[i]["unit_path"]])
    new = [row for i, row in enumerate(new) if i not in leavers]
    last = max(int(row["employee_id"][1:]) for row in rows)
    new.extend(person(last + k, rng, rng.choice(all_teams)) for k in range(1, n_join + 1))
    counts = {"retitled": n_title, "moved": n_move, "left": n_leave, "joined": n_join}
    return new, counts


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def main():
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-org-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{tmp}/org.sqlite3"
    )
    os.environ["EMAIL_URL"] = "memorymail://"  # invitations land in django.core.mail.outbox
    os.environ["DJANGO_STATIC_ROOT"] = str(tmp / "static")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("migrate", verbosity=0)
    call_command("createcachetable")

    rows = generate_rows()
    first = tmp / "org.csv"
    write_csv(first, rows)
    rows2, changes = derive_rows(rows)
    second = tmp / "org-later.csv"
    write_csv(second, rows2)

    def run(step, path, n_rows, *args):
        mail.outbox = []
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        try:
            call_command("import_org", str(path), *args, stdout=out, stderr=err)
        except (CommandError, SystemExit) as exc:
            print(f"import_org failed at step {step!r}: {exc}", file=sys.stderr)
            for text in (out.getvalue(), err.getvalue()):
                if text.strip():
                    print(text.rstrip(), file=sys.stderr)
            sys.exit(1)
        seconds = time.perf_counter() - start
        return {
            "step": step,
            "rows": n_rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(n_rows / seconds, 1) if seconds else None,
            "emails": len(getattr(mail, "outbox", [])),
            "active_users": get_user_model().objects.filter(is_active=True).count(),
            "peak_rss_mb": peak_rss_mb(),
            "summary": (out.getvalue().strip().splitlines() or [""])[-1],
        }

    results = [
        run("dry run", first, len(rows), "--dry-run"),
        run("import (create)", first, len(rows)),
        run("re-import (update)", second, len(rows2)),
    ]
    invitations = results[1]["emails"]
    results += rollout_steps(len(rows2))

    print(f"{'step':<26} {'rows':>7} {'seconds':>8} {'rows/s':>9}")
    for r in results:
        print(f"{r['step']:<26} {r['rows']:>7} {r['seconds']:>8} {r['rows_per_s']:>9}")
    print(TARGET)
    print(f"units: {len(unit_tree())}, later export: {changes}")
    print(f"invitation e-mails after the import: {invitations}")
    print(f"peak RSS: {peak_rss_mb()} MB")

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    report = {
        "rows": len(rows),
        "units": len(unit_tree()),
        "target": TARGET,
        "database": os.environ["DATABASE_URL"].split(":", 1)[0],
        "later_export": {"rows": len(rows2), **changes},
        "invitation_emails": invitations,
        "peak_rss_mb": peak_rss_mb(),
        "steps": results,
    }
    (out / "org_import.json").write_text(json.dumps(report, indent=2))


def rollout_steps(n_people):
    """A campaign over the whole company: every wave opens, everyone is assigned, then the
    daily job (nothing new to assign; reminders and digests for a wave that fell due)."""
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage
    from learning.models import Band, Campaign, OrgUnit, Wave
    from learning.services.notices import notices_send_daily
    from learning.services.rollout import campaign_sync

    home = Page.objects.get(depth=2)
    index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    course = index.add_child(instance=CoursePage(title="Bench course", slug="bench-course"))
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Bench rollout", course=course, unit=OrgUnit.objects.get(full_name=COMPANY)
    )
    for n, band in enumerate([Band.LEADERSHIP, Band.MANAGERS, Band.EVERYONE]):
        Wave.objects.create(
            campaign=campaign,
            sort_order=n,
            name=band.label,
            band=band,
            opens_on=today,
            due_on=today + timedelta(days=3 if band == Band.EVERYONE else -1),
        )

    def timed(step, work):
        mail.outbox = []
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
        return {
            "step": step,
            "rows": n_people,
            "seconds": round(seconds, 2),
            "rows_per_s": round(n_people / seconds, 1) if seconds else None,
            "emails": len(getattr(mail, "outbox", [])),
            "peak_rss_mb": peak_rss_mb(),
            "summary": str(result),
        }

    return [
        timed("campaign: assign everyone", lambda: campaign_sync(campaign=campaign, today=today)),
        timed("campaign: re-run (no-op)", lambda: campaign_sync(campaign=campaign, today=today)),
        timed("daily notices", lambda: notices_send_daily(today=today)),
        timed("daily notices (re-run)", lambda: notices_send_daily(today=today)),
    ]


if __name__ == "__main__":
    main()
