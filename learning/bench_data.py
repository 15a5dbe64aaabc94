"""The benchmark company behind `manage.py seed_bench`: 10,000 people with months of history.

Only the modules go through a service (the import); the rest is bulk inserts with no signals:
bulk_create for the organisation, multi-row INSERTs of plain tuples for the million rows of
history, made consistent here as the player and the rollout would have left them. Scenario
paths are walked with the real engine, knowledge checks scored with the real scorer.

Everything the generator makes is found again by the email domain of its people
(BENCH_DOMAIN), the name of its root unit (BENCH_ROOT) and the slug prefix of its courses
(BENCH_SLUG_PREFIX), so `--force` replaces it and leaves the rest alone.
"""

from __future__ import annotations

import copy
import functools
import math
import operator
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as clock

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import EmptyResultSet
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from assessments.models import (
    OUTCOME_RANK,
    ChoiceRecord,
    KnowledgeCheckAttempt,
    ModuleProgress,
    Reflection,
    ScenarioAttempt,
)
from assessments.quiz import score_quiz
from assessments.scenario import Scenario, State
from courses.demo import DEMO_MODULES
from courses.models import CourseIndexPage, CoursePage, ModulePage
from courses.module_format import load_module
from courses.quiz_rules import correct_options, question_kind
from courses.services import module_import
from home import roles
from home.models import HomePage, User
from learning.models import Assignment, Band, Campaign, Certificate, EmployeeProfile, OrgUnit, Wave
from learning.models.certificates import new_certificate_code
from learning.rules import add_months
from learning.services.certificates import certificate_title_for

BENCH_DOMAIN = "bench.example"
BENCH_ROOT = "Benchcorp"
BENCH_SLUG_PREFIX = "bench-"
BATCH = 5000
LEVELS = 5
MAX_FANOUT = 5
MODULES_PER_COURSE = 5
MAX_STEPS = 30  # a walk this long takes the shortest way to an ending (scenarios may loop)

# (title, certificate validity in months): short validities put certificates near expiry
COURSES = [
    ("Customer experience foundations", 3),  # the first campaign's certificates: near expiry
    ("Listening before answering", 12),
    ("Owning the outcome", 6),
    ("Winning a customer back", 0),
]
LEVEL_NAMES = {
    2: ["Sales", "Aftersales", "Customer Care", "Finance", "Operations"],
    3: ["North", "South", "East", "West", "Central"],
    4: [f"Area {n}" for n in range(1, MAX_FANOUT + 1)],
    5: [f"Team {n}" for n in range(1, MAX_FANOUT + 1)],
}
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
# where the people who manage nobody work, by depth: most of them in teams
LEVEL_WEIGHTS = {1: 0.3, 2: 1, 3: 4, 4: 12, 5: 82.7}
# fmt: off
FIRST_NAMES = [
    "Amelia", "Oliver", "Priya", "Mohammed", "Chloë", "Kwame", "Siobhán", "Rhys", "Aisha", "Tom",
    "Mei", "Connor", "Fatima", "Harry", "Zoë", "Ewan", "Nia", "Tariq", "Grace", "Jakub", "Søren",
    "Łucja", "Dev", "Ana", "Yusuf", "Hannah", "Kofi", "Ines", "Ravi", "Beth",
]
LAST_NAMES = [
    "Smith", "Jones", "Patel", "Williams", "Khan", "Taylor", "Davies", "Okafor", "Evans",
    "Murphy", "Chen", "Campbell", "Hussain", "Roberts", "Nowak", "Begum", "Walker", "Kaur",
    "Ó Briain", "Müller", "Nguyen", "Silva", "Ahmed", "Kowalski", "MacLeod", "Osei",
]
# fmt: on
REFLECTIONS = [
    "I will check what the customer already told us before I ask them to repeat it.",
    "Next time the system and the customer disagree, I will look for the evidence first.",
    "I can pause a charge myself; I did not know that before this module.",
    "I tend to quote the policy too early. I want to ask one more question before I do.",
    "Our handover notes miss the customer's own words. I will add them from now on.",
    "Calling the customer back when I said I would matters more than the fix itself.",
    "I will tell my team leader about the gap in the returns checklist.",
    "Saying who owns the problem, and by when, is something I can do on every call.",
]
# the share of a band that finishes a whole course, given time (leadership goes first)
FINISH_SHARE = {Band.LEADERSHIP: 0.8, Band.MANAGERS: 0.62, Band.EVERYONE: 0.45}
START_DELAY_DAYS = {Band.LEADERSHIP: 3, Band.MANAGERS: 6, Band.EVERYONE: 10}
PLAN_WAVES = [  # name, band, opens (days after the campaign's first day), due
    ("Leadership", Band.LEADERSHIP, 0, 21),
    ("Managers", Band.MANAGERS, 14, 42),
    ("Everyone else", Band.EVERYONE, 28, 70),
]
FIRST_CAMPAIGN_DAYS_AGO = 112  # 16 weeks
LAST_CAMPAIGN_DAYS_AGO = 49


# --- what is there already -------------------------------------------------------------------


def bench_users():
    return User.objects.filter(email__iendswith="@" + BENCH_DOMAIN)


def bench_root() -> OrgUnit | None:
    return OrgUnit.get_root_nodes().filter(full_name=BENCH_ROOT).first()


def bench_courses():
    return CoursePage.objects.filter(slug__startswith=BENCH_SLUG_PREFIX)


def bench_data_exists() -> bool:
    return bench_users().exists() or bench_root() is not None or bench_courses().exists()


def learner_data_exists() -> bool:
    """Any person or learning record at all (the demo's, HR's import, an earlier bench)."""
    return (
        EmployeeProfile.objects.exists()
        or ModuleProgress.objects.exists()
        or Assignment.objects.exists()
        or bench_data_exists()
    )


@transaction.atomic
def bench_delete() -> dict[str, int]:
    """Delete what an earlier seed made (and nothing else); returns the rows deleted by kind."""
    users = bench_users()
    root = bench_root()
    courses = list(bench_courses())
    modules = ModulePage.objects.filter(  # (an empty Q matches nothing: nothing to delete)
        functools.reduce(operator.or_, [Q(path__startswith=c.path) for c in courses], Q(pk__in=[]))
    )
    campaigns = Campaign.objects.filter(
        Q(course__in=courses) | Q(unit__path__startswith=root.path if root else "-")
    )
    counts: dict[str, int] = {}

    def wipe(label, *querysets):
        counts[label] = counts.get(label, 0) + sum(_wipe(q) for q in querysets)

    # the large tables as plain DELETEs, so the cascades below have nothing left to load
    wipe(
        "choices",
        ChoiceRecord.objects.filter(attempt__user__in=users),
        ChoiceRecord.objects.filter(attempt__module__in=modules),
    )
    for model, label in (
        (KnowledgeCheckAttempt, "knowledge checks"),
        (Reflection, "reflections"),
        (ModuleProgress, "module progress"),
        (ScenarioAttempt, "scenario attempts"),
    ):
        wipe(label, model.objects.filter(user__in=users), model.objects.filter(module__in=modules))
    wipe(
        "certificates",
        Certificate.objects.filter(user__in=users),
        Certificate.objects.filter(course__in=courses),
    )
    wipe(
        "assignments",
        Assignment.objects.filter(user__in=users),
        Assignment.objects.filter(campaign__in=campaigns),
    )
    wipe("profiles", EmployeeProfile.objects.filter(user__in=users))
    wipe("roles", User.groups.through.objects.filter(user__in=users))
    wipe("roles", OrgUnit.managers.through.objects.filter(user__in=users))
    counts["users"] = users.count()
    users.delete()  # what else refers to them (sessions, notices, authenticators) goes too
    for campaign in campaigns:
        campaign.delete()
    if root is not None:
        counts["units"] = OrgUnit.objects.filter(path__startswith=root.path).count()
        root.delete()
    for course in courses:
        course.delete()
    counts["courses"] = len(courses)
    return counts


def _wipe(queryset) -> int:
    """DELETE the rows of a queryset without loading them (the caller empties dependants first)."""
    model = queryset.model
    quote = connection.ops.quote_name
    try:
        sql, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} "  # noqa: S608  # nosec B608 # model names
            f"WHERE {quote(model._meta.pk.column)} IN ({sql})",
            params,
        )
        return cursor.rowcount


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT plain tuples (values in `columns` order, as the database takes them: see
    `_datetime_adapter`) without a model instance per row: building and converting a million
    instances for bulk_create took most of the seed's time. SQLite gets one prepared
    statement for many rows, PostgreSQL a COPY."""
    if not rows:
        return
    ops = connection.ops
    fields = [model._meta.get_field(name) for name in columns]
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608  # nosec B608 # model names
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # one prepared statement, many rows: fastest there
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql + one, rows[start : start + BATCH])
            return
        if connection.vendor == "postgresql":  # COPY: psycopg parses a long INSERT in Python
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        per = max(1, min(BATCH, 65_000 // len(fields)))  # bound the parameters a statement
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            cursor.execute(sql + ", ".join([one] * len(chunk)), [v for r in chunk for v in r])


def _datetime_adapter():
    """Django's datetime adaptation (aware datetimes only), minus the checks that cost more
    than the insert itself: the value is the same."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone  # SQLite keeps naive datetimes, in the connection's zone

    def adapt(value):
        if value is None:
            return None
        if value.tzinfo is not zone:
            value = value.astimezone(zone)
        return str(value.replace(tzinfo=None))

    return adapt


# --- the plan --------------------------------------------------------------------------------


def tree_size(fanout: int) -> int:
    return sum(fanout**level for level in range(LEVELS))


def default_fanout(learners: int) -> int:
    """The widest tree (at most 5 units below each) with at least as many staff as managers."""
    fanout = MAX_FANOUT
    while fanout > 1 and tree_size(fanout) * 2 > learners:
        fanout -= 1
    return fanout


@dataclass(frozen=True)
class ModuleSpec:
    pk: int
    revision_id: int
    position: int  # in its course, from 0: later modules are harder
    scenario: Scenario
    questions: list[dict]
    right: tuple[list[int], ...]  # per question: the right options, as the player posts them
    others: tuple[list[int], ...]  # per question: the wrong options
    single: tuple[bool, ...]  # per question: single choice
    pass_mark: int
    max_attempts: int
    reflection_required: bool
    walks: dict[int, list] = field(default_factory=dict)  # by skill step, filled as needed
    scores: dict[tuple, tuple] = field(default_factory=dict)  # answers: result, stored


@dataclass
class CourseSpec:
    page: CoursePage
    modules: list[ModuleSpec]
    waves: dict[str, Wave] = field(default_factory=dict)
    campaign: Campaign | None = None


@dataclass
class Person:
    user_id: int
    name: str
    band: str
    active: bool
    left_at: datetime | None
    skill: float  # how well they choose and answer; about 0.4 on average
    engaged: bool  # 15 % never start anything
    pace_days: float  # mean days between two modules


@dataclass
class Seed:
    rng: random.Random
    now: datetime
    today: date
    log: Callable[[str], None]
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    next_attempt_id: int = 1
    db_time: Callable = field(default_factory=lambda: _datetime_adapter())
    db_date: Callable = field(default_factory=lambda: connection.ops.adapt_datefield_value)
    # SQLite stores naive text in this zone (UTC unless DATABASES sets one); None elsewhere
    naive_zone: tzinfo | None = field(
        default_factory=lambda: connection.timezone if connection.vendor == "sqlite" else None
    )

    def add(self, label: str, count: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + count

    def step(self, text: str) -> None:
        """A progress line, with the time since the seed started."""
        self.log(f"  {text:<52} {time.perf_counter() - self.started:6.1f} s")


@contextmanager
def dates_as_given(*models) -> Iterator[None]:
    """Let bulk inserts keep the dates set on the rows (auto_now fields would write now)."""
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def seed_bench(
    *,
    learners: int = 10_000,
    modules: int = 20,
    seed: int = 7,
    fanout: int | None = None,
    password: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Build the benchmark company in one transaction; returns the number of rows by kind.

    `password`: one for every bench account (hashed once); without it nobody can sign in
    with a password (benchmarks sign in with `force_login`).
    """
    fanout = fanout or default_fanout(learners)
    if not 1 <= fanout <= MAX_FANOUT:
        raise ValueError(f"the fanout must be from 1 to {MAX_FANOUT}")
    if learners < tree_size(fanout):
        raise ValueError(
            f"{tree_size(fanout)} units need at least {tree_size(fanout)} people (one manager "
            "each): ask for more learners or a smaller fanout"
        )
    if modules < 1:
        raise ValueError("at least one module")
    now = timezone.now()
    rng = random.Random(seed)  # noqa: S311  # nosec B311 # repeatable bench data, not a secret
    state = Seed(rng=rng, now=now, today=timezone.localdate(now), log=log)
    with transaction.atomic(), dates_as_given(EmployeeProfile, Campaign):
        courses = _courses(state, modules)
        units = _units(state, fanout)
        people, staff = _people(state, units, learners, password)
        _campaigns(state, courses, units[0], staff["hr"])
        _learning(state, courses, people)
    return state.counts


# --- content ---------------------------------------------------------------------------------


def _courses(state: Seed, n_modules: int) -> list[CourseSpec]:
    """Courses of five modules from the demo files, imported (and published) by the service."""
    files = [load_module(p.read_bytes(), p.name).data for p in sorted(DEMO_MODULES.glob("*.yaml"))]
    index = CourseIndexPage.objects.first()
    if index is None:
        home = HomePage.objects.order_by("depth", "path").first()
        if home is None:
            raise ValueError("there is no home page to put the courses under: run migrate")
        index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
        index.save_revision().publish()
    courses = []
    n_courses = math.ceil(n_modules / MODULES_PER_COURSE)
    for k in range(n_courses):
        title, validity = COURSES[k % len(COURSES)]
        label = f"B{k + 1}"
        course = CoursePage(
            title=f"{title} ({label})",
            slug=f"{BENCH_SLUG_PREFIX}course-{k + 1}",
            introduction="<p>A benchmark course: five scenarios from real customer stories.</p>",
            audience="Everyone at Benchcorp, leadership first",
            certificate_title=f"{title} ({label})",
            validity_months=validity,
        )
        index.add_child(instance=course)
        course.save_revision().publish()
        count = min(MODULES_PER_COURSE, n_modules - k * MODULES_PER_COURSE)
        for m in range(count):
            data = copy.deepcopy(files[m % len(files)])
            data["slug"] = f"{BENCH_SLUG_PREFIX}{k + 1}-{data['slug']}"
            data["title"] = f"{data['title'].split(':')[0]} ({label})"
            module_import(data=data, course=course, publish=True)
        pages = ModulePage.objects.child_of(course).order_by("path")
        courses.append(CourseSpec(course, [_module_spec(p, i) for i, p in enumerate(pages)]))
        state.add("modules", count)
        state.step(f"course {k + 1}: {count} modules imported and published")
    return courses


def _module_spec(page: ModulePage, position: int) -> ModuleSpec:
    questions = page.questions_data()
    return ModuleSpec(
        pk=page.pk,
        revision_id=page.live_revision_id,
        position=position,
        scenario=Scenario.from_data(page.scenario_data()),
        questions=questions,
        right=tuple(sorted(correct_options(q)) for q in questions),
        others=tuple(
            [i for i in range(len(q["options"])) if i not in correct_options(q)] for q in questions
        ),
        single=tuple(question_kind(q) == "single" for q in questions),
        pass_mark=page.pass_mark,
        max_attempts=page.max_attempts,
        reflection_required=page.reflection_required,
    )


# --- the organisation ------------------------------------------------------------------------


def _units(state: Seed, fanout: int) -> list[OrgUnit]:
    """The tree, level by level: the root through treebeard, the rest with computed paths."""
    root = OrgUnit.add_root(name=BENCH_ROOT, full_name=BENCH_ROOT)
    units, level = [root], [root]
    for depth in range(2, LEVELS + 1):
        children = []
        for parent in level:
            for step, name in enumerate(sorted(LEVEL_NAMES[depth][:fanout]), start=1):
                children.append(
                    OrgUnit(
                        name=name,
                        full_name=f"{parent.full_name}/{name}",
                        path=OrgUnit._get_path(parent.path, depth, step),
                        depth=depth,
                        numchild=fanout if depth < LEVELS else 0,
                    )
                )
        level = OrgUnit.objects.bulk_create(children, batch_size=BATCH)
        units += level
    OrgUnit.objects.filter(pk=root.pk).update(numchild=fanout)
    root.numchild = fanout
    state.add("units", len(units))
    state.step(f"{len(units):,} units, {LEVELS} levels")
    return units


def _email_part(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_name.lower())


def _people(state: Seed, units: list[OrgUnit], learners: int, password: str | None):
    """One manager per unit, everyone else mostly in teams; about 2 % have left."""
    rng, now = state.rng, state.now
    hashed = make_password(password)  # once: hashing 10,000 times would take minutes
    by_depth: dict[int, list[OrgUnit]] = {}
    for unit in units:
        by_depth.setdefault(unit.depth, []).append(unit)
    depths = sorted(by_depth)
    weights = [LEVEL_WEIGHTS[d] for d in depths]
    placed = [(unit, True) for unit in units]
    for _ in range(learners - len(units)):
        depth = rng.choices(depths, weights)[0]
        placed.append((rng.choice(by_depth[depth]), False))

    users, profiles, plans = [], [], []
    for n, (unit, manages) in enumerate(placed, start=1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        leaver = not manages and rng.random() < 0.02
        left_at = now - timedelta(days=rng.uniform(1, 56)) if leaver else None
        users.append(
            User(
                email=f"{_email_part(first)}.{_email_part(last)}.{n}@{BENCH_DOMAIN}",
                first_name=first,
                last_name=last,
                password=hashed,
                is_active=not leaver,
                date_joined=now - timedelta(days=rng.uniform(200, 3000)),
            )
        )
        profiles.append(
            EmployeeProfile(
                employee_id=f"BENCH{n:06d}",
                job_title=MANAGER_TITLES[unit.depth] if manages else rng.choice(TITLES),
                unit_id=unit.pk,
                is_manager=manages,
                active=not leaver,
                joined_at=now - timedelta(days=rng.uniform(100, 3000)),
                left_at=left_at,
                updated_at=left_at or now,
            )
        )
        band = Band.EVERYONE
        if manages:
            band = Band.LEADERSHIP if unit.depth <= 2 else Band.MANAGERS
        plans.append((band, leaver, left_at))
    staff = {
        "hr": User(email=f"hr@{BENCH_DOMAIN}", first_name="Harriet", last_name="Rowe"),
        "trainer": User(email=f"trainer@{BENCH_DOMAIN}", first_name="Tobias", last_name="Grant"),
    }
    for user in staff.values():
        user.password = hashed
    User.objects.bulk_create(users + list(staff.values()), batch_size=BATCH)
    state.add("people", len(users))
    state.step(f"{len(users):,} accounts")
    for user, profile in zip(users, profiles, strict=True):
        profile.user_id = user.pk
    EmployeeProfile.objects.bulk_create(profiles, batch_size=BATCH)

    managers = OrgUnit.managers.through
    managers.objects.bulk_create(
        [managers(orgunit_id=u.pk, user_id=users[i].pk) for i, u in enumerate(units)],
        batch_size=BATCH,
    )
    group = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    member = User.groups.through
    memberships = [
        member(user_id=u.pk, group_id=group[roles.LEARNERS].pk) for u in users if u.is_active
    ]
    memberships += [
        member(user_id=users[i].pk, group_id=group[roles.MANAGERS].pk) for i in range(len(units))
    ]
    memberships += [
        member(user_id=staff["hr"].pk, group_id=group[roles.HR].pk),
        member(user_id=staff["trainer"].pk, group_id=group[roles.TRAINERS].pk),
    ]
    member.objects.bulk_create(memberships, batch_size=BATCH)
    state.step(f"{len(profiles):,} profiles, {len(units):,} managers, roles")

    people = [
        Person(
            user_id=user.pk,
            name=user.get_full_name(),
            band=band,
            active=not leaver,
            left_at=left_at,
            skill=rng.gauss(0.4, 0.5),
            engaged=rng.random() < 0.85,
            pace_days=rng.uniform(1.5, 7),
        )
        for user, (band, leaver, left_at) in zip(users, plans, strict=True)
    ]
    return people, staff


# --- rollout ---------------------------------------------------------------------------------


def _at(day: date, hour: int = 8) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour)))


def _campaigns(state: Seed, courses: list[CourseSpec], root: OrgUnit, hr: User) -> None:
    """A campaign per course on the whole company, the first 16 weeks ago, later ones since."""
    spread = FIRST_CAMPAIGN_DAYS_AGO - LAST_CAMPAIGN_DAYS_AGO
    for k, course in enumerate(courses):
        offset = k * spread // max(1, len(courses) - 1)
        first_day = state.today - timedelta(days=FIRST_CAMPAIGN_DAYS_AGO - offset)
        created = _at(first_day - timedelta(days=7), 10)
        course.campaign = Campaign.objects.create(
            name=f"{course.page.title}: top-down rollout",
            course=course.page,
            unit=root,
            created_by=hr,
            created_at=created,
            updated_at=created,
        )
        for n, (name, band, opens, due) in enumerate(PLAN_WAVES):
            opens_on = first_day + timedelta(days=opens)
            course.waves[band] = Wave.objects.create(
                campaign=course.campaign,
                sort_order=n,
                name=name,
                band=band,
                opens_on=opens_on,
                due_on=first_day + timedelta(days=due),
                opened_at=_at(opens_on, 7),
            )
    state.add("campaigns", len(courses))
    state.step(f"{len(courses)} campaigns of {len(PLAN_WAVES)} waves")


# --- learning --------------------------------------------------------------------------------

# the columns of the rows the history is written as (see insert_rows)
# fmt: off
ATTEMPT_COLUMNS = (
    "id", "user", "module", "revision", "status", "current_scene_key", "step", "engagement",
    "education", "empowerment", "sentiment", "outcome", "started_at", "updated_at",
    "finished_at",
)
CHOICE_COLUMNS = (
    "attempt", "step", "scene_key", "choice_index", "choice_label", "next_scene_key",
    "engagement", "education", "empowerment", "sentiment", "created_at",
)
QUIZ_COLUMNS = ("user", "module", "number", "answers", "score_percent", "passed", "created_at")
REFLECTION_COLUMNS = ("user", "module", "text", "shared_with_manager", "created_at", "updated_at")
PROGRESS_COLUMNS = (
    "user", "module", "status", "scenario_attempts", "scenario_finished", "best_outcome",
    "latest_outcome", "best_engagement", "best_education", "best_empowerment",
    "latest_engagement", "latest_education", "latest_empowerment", "quiz_attempts",
    "quiz_best_score", "quiz_latest_score", "quiz_passed", "reflection_done", "completed_at",
    "last_activity_at",
)
ASSIGNMENT_COLUMNS = (
    "user", "course", "kind", "campaign", "wave", "assigned_at", "due_on", "late_joiner",
    "completed_at", "cancelled_at",
)
CERTIFICATE_COLUMNS = (
    "code", "user", "course", "learner_name", "course_title", "issued_at", "expires_on",
    "revoked_at", "revoked_reason",
)
# fmt: on
FINISHED = ScenarioAttempt.Status.FINISHED
IN_PROGRESS = ScenarioAttempt.Status.IN_PROGRESS
WALKS_PER_SKILL = 40  # real walks kept per module and skill step, drawn from for every attempt


@dataclass
class _Rows:
    """Rows waiting to be inserted: tuples in the *_COLUMNS order, values as the database
    takes them (`Seed.db_time` and friends), so inserting them converts nothing."""

    attempts: list[tuple] = field(default_factory=list)
    choices: list[tuple] = field(default_factory=list)
    quizzes: list[tuple] = field(default_factory=list)
    reflections: list[tuple] = field(default_factory=list)
    progress: list[tuple] = field(default_factory=list)
    assignments: list[tuple] = field(default_factory=list)
    certificates: list[tuple] = field(default_factory=list)

    def flush(self, state: Seed) -> None:
        for model, columns, rows, label in (
            (ScenarioAttempt, ATTEMPT_COLUMNS, self.attempts, "scenario attempts"),
            (ChoiceRecord, CHOICE_COLUMNS, self.choices, "choices"),
            (KnowledgeCheckAttempt, QUIZ_COLUMNS, self.quizzes, "knowledge checks"),
            (Reflection, REFLECTION_COLUMNS, self.reflections, "reflections"),
            (ModuleProgress, PROGRESS_COLUMNS, self.progress, "module progress"),
            (Assignment, ASSIGNMENT_COLUMNS, self.assignments, "assignments"),
            (Certificate, CERTIFICATE_COLUMNS, self.certificates, "certificates"),
        ):
            insert_rows(model, columns, rows)
            state.add(label, len(rows))
            rows.clear()


@dataclass(frozen=True)
class _Walk:
    """A path through a scenario made with the engine, and the pace it was played at."""

    states: tuple[State, ...]  # states[i] is where choice i was made; the last is the end
    choices: tuple[tuple, ...]  # per choice: step, scene key, index, label, next key, deltas
    offsets: tuple[timedelta, ...]  # when each choice was made, from the attempt's start


@dataclass(frozen=True)
class _Played:
    finished: bool
    outcome: str
    scores: tuple[int, int, int]  # engagement, education, empowerment
    ended: datetime


def _learning(state: Seed, courses: list[CourseSpec], people: list[Person]) -> None:
    # attempts get their ids here, so their choices point at them without reading them back
    last_id = ScenarioAttempt.objects.order_by("-pk").values_list("pk", flat=True).first()
    state.next_attempt_id = (last_id or 0) + 1
    rows, shown = _Rows(), 0
    for n, person in enumerate(people, start=1):
        for course in courses:
            _course_history(state, rows, person, course)
        if len(rows.choices) >= 4 * BATCH or n == len(people):
            rows.flush(state)
            if n * 5 // len(people) > shown or n == len(people):  # a line every fifth
                shown = n * 5 // len(people)
                state.step(f"history of {n:,} people: {state.counts['choices']:,} choices")
    with connection.cursor() as cursor:  # PostgreSQL: move the id sequence past the ids set
        for sql in connection.ops.sequence_reset_sql(no_style(), [ScenarioAttempt]):
            cursor.execute(sql)


def _course_history(state: Seed, rows: _Rows, person: Person, course: CourseSpec) -> None:
    """One person's assignment for one course, and what they did of it (modules in order)."""
    rng, db_time, db_date = state.rng, state.db_time, state.db_date
    wave = course.waves[person.band]
    opened_at = wave.opened_at.astimezone(UTC)
    horizon = person.left_at or state.now
    n = len(course.modules)
    completed = 0
    done_at = None
    if person.engaged and rng.random() < 0.92:
        # how far they get, time allowing: the whole course, or a few modules and stop
        if rng.random() < FINISH_SHARE[person.band]:
            target = n
        else:
            target = min(int(rng.expovariate(0.7)), n - 1)
        when = opened_at + timedelta(days=rng.expovariate(1 / START_DELAY_DAYS[person.band]))
        for module in course.modules:
            if when > horizon - timedelta(hours=36):
                break
            finish = module.position < target
            if not finish and rng.random() < 0.3:
                break  # opened the course, never started this module
            done_at, last = _module_history(state, rows, person, module, when, finish=finish)
            if done_at is None:
                break
            completed += 1
            when = last + timedelta(days=rng.expovariate(1 / person.pace_days))
    finished = completed == n
    cancelled = None if finished or person.active else person.left_at
    rows.assignments.append(
        (
            person.user_id,
            course.page.pk,
            Assignment.Kind.CAMPAIGN,
            course.campaign.pk,
            wave.pk,
            db_time(opened_at),
            db_date(wave.due_on),
            False,
            db_time(done_at) if finished else None,
            db_time(cancelled),
        )
    )
    if finished:
        validity = course.page.validity_months
        expires = add_months(timezone.localdate(done_at), validity) if validity else None
        revoked = done_at + (state.now - done_at) * rng.random() if rng.random() < 0.02 else None
        rows.certificates.append(
            (
                new_certificate_code(),
                person.user_id,
                course.page.pk,
                person.name,
                certificate_title_for(course.page),
                db_time(done_at),
                db_date(expires),
                db_time(revoked),
                "Issued in error: the check was taken by someone else." if revoked else "",
            )
        )


def _walk(state: Seed, module: ModuleSpec, skill: float) -> _Walk:
    """A real path for a learner of this skill: one of a pool walked with the engine."""
    step = max(-8, min(12, round(skill * 4)))
    pool = module.walks.setdefault(step, [])
    if len(pool) < WALKS_PER_SKILL:
        pool.append(scenario_walk(module.scenario, state.rng, step / 4))
        return pool[-1]
    return state.rng.choice(pool)


def scenario_walk(scenario: Scenario, rng: random.Random, skill: float) -> _Walk:
    """Walk the scenario with the engine, a choice at a time: the better a choice's deltas,
    the likelier a skilled learner takes it."""
    states, choices, offsets, spent = [scenario.start()], [], [], 0.0
    while not states[-1].finished:
        current = states[-1]
        scene = scenario.scene(current.scene_key)
        if current.step >= MAX_STEPS:
            next_key = scenario.shortest_path_to_ending_from(scene.key)[1]
            choice = next(c for c in scene.choices if c.next == next_key)
        else:
            weights = [
                math.exp(
                    skill * (c.deltas.engagement + c.deltas.education + c.deltas.empowerment) / 3
                )
                for c in scene.choices
            ]
            choice = rng.choices(scene.choices, weights)[0]
        result = scenario.choose(
            current, scene_key=scene.key, choice_index=choice.index, step=current.step
        )
        states.append(result.state)
        d = choice.deltas
        choices.append(
            (
                current.step,
                scene.key,
                choice.index,
                choice.label[:300],
                choice.next,
                d.engagement,
                d.education,
                d.empowerment,
                d.sentiment,
            )
        )
        spent += rng.uniform(20, 150)  # seconds reading the scene and choosing
        offsets.append(timedelta(seconds=spent))
    return _Walk(tuple(states), tuple(choices), tuple(offsets))


def _play(
    state: Seed,
    rows: _Rows,
    person: Person,
    module: ModuleSpec,
    start: datetime,
    skill: float,
    *,
    cut: bool = False,
) -> _Played:
    """One attempt and its choices: to the ending, or (`cut`) left before it."""
    walk = _walk(state, module, skill)
    made = state.rng.randrange(0, len(walk.choices)) if cut else len(walk.choices)
    attempt_id = state.next_attempt_id
    state.next_attempt_id += 1
    db_time = state.db_time
    if state.naive_zone is not None:  # SQLite: naive text; add the offsets to a naive start
        base = start.astimezone(state.naive_zone).replace(tzinfo=None)
        stamps = [str(base + offset) for offset in walk.offsets[:made]]
    else:
        stamps = [db_time(start + offset) for offset in walk.offsets[:made]]
    rows.choices += [
        (attempt_id, *choice, stamp) for choice, stamp in zip(walk.choices, stamps, strict=False)
    ]
    ended = start + walk.offsets[made - 1] if made else start
    end = walk.states[made]
    totals = end.totals
    rows.attempts.append(
        (
            attempt_id,
            person.user_id,
            module.pk,
            module.revision_id,
            FINISHED if end.finished else IN_PROGRESS,
            end.scene_key,
            end.step,
            totals.engagement,
            totals.education,
            totals.empowerment,
            totals.sentiment,
            end.outcome if end.finished else "",
            db_time(start),
            db_time(ended),
            db_time(ended) if end.finished else None,
        )
    )
    scores = (totals.engagement, totals.education, totals.empowerment)
    return _Played(end.finished, end.outcome if end.finished else "", scores, ended)


def _answers(module: ModuleSpec, rng, p_correct: float, *, want: bool | None) -> list[list[int]]:
    """Option indexes per question, as the player posts them; `want`: force a pass or a fail."""
    random_ = rng.random
    if want is True:
        answers = list(module.right)
    else:
        answers = [
            right if random_() < p_correct else _wrong(module, i, rng)
            for i, right in enumerate(module.right)
        ]
    if want is False:
        for i, right in enumerate(module.right):
            if not _score(module, answers)[0].passed:
                break
            if answers[i] == right:
                answers[i] = _wrong(module, i, rng)
    return answers


def _wrong(module: ModuleSpec, i: int, rng) -> list[int]:
    """A wrong answer to question i: another option, half the right ones, or one too many."""
    right, others = module.right[i], module.others[i]
    if not others:  # every option is right: leave one out
        return sorted(rng.sample(right, len(right) - 1)) or right[:1]
    if module.single[i]:
        return [rng.choice(others)]
    if len(right) > 1 and rng.random() < 0.5:
        return sorted(rng.sample(right, len(right) - 1))
    return sorted([*right, rng.choice(others)])


def _score(module: ModuleSpec, answers: list[list[int]]):
    """The real scorer's result and the answers as the database takes them, remembered per
    distinct set of answers (there are few)."""
    key = tuple(map(tuple, answers))
    found = module.scores.get(key)
    if found is None:
        field_ = KnowledgeCheckAttempt._meta.get_field("answers")
        found = module.scores[key] = (
            score_quiz(module.questions, answers, module.pass_mark),
            field_.get_db_prep_save(answers, connection),
        )
    return found


def _module_history(
    state: Seed, rows: _Rows, person: Person, module: ModuleSpec, start: datetime, *, finish: bool
) -> tuple[datetime | None, datetime]:
    """Attempts, knowledge checks, reflection and the summary row, all telling one story.

    Returns when the module was completed (None: it was not), and the person's last activity.
    """
    rng = state.rng
    skill = person.skill - 0.25 * module.position  # later modules are harder
    has_questions = bool(module.questions)
    if finish:
        stage = "done"
    else:  # where they stopped: mid-scenario, at the check, or before reflecting
        stage = rng.choices(["scenario", "quiz", "reflection"], [40, 35, 25])[0]
        if stage == "quiz" and not has_questions:
            stage = "reflection"
        if stage == "reflection" and not module.reflection_required:
            stage = "scenario"

    played = [_play(state, rows, person, module, start, skill, cut=stage == "scenario")]
    when = played[0].ended
    if (
        stage != "scenario"
        and rng.random() < {"good": 0.1, "mixed": 0.3, "poor": 0.5}[played[0].outcome]
    ):
        again = when + timedelta(minutes=rng.uniform(2, 30))
        played.append(_play(state, rows, person, module, again, skill + 0.6))
        when = played[-1].ended

    quizzes = []  # (score, passed, when)
    limit = module.max_attempts or 3
    if stage in ("done", "reflection") and has_questions:
        for number in range(1, limit + 1):
            when += timedelta(minutes=rng.uniform(2, 40 if number > 1 else 10))
            p = min(0.97, max(0.1, 0.55 + 0.25 * skill + 0.1 * number))
            answers = _answers(module, rng, p, want=True if number == limit else None)
            quizzes.append(_quiz(state, rows, person, module, number, answers, when))
            if quizzes[-1][1]:
                break
    elif stage == "quiz":
        for number in range(1, rng.randint(0, limit) + 1):
            when += timedelta(minutes=rng.uniform(2, 40 if number > 1 else 10))
            answers = _answers(module, rng, 0.4 + 0.2 * skill, want=False)
            quizzes.append(_quiz(state, rows, person, module, number, answers, when))

    reflected = stage == "done" and (module.reflection_required or rng.random() < 0.5)
    if reflected:
        when += timedelta(minutes=rng.uniform(1, 8))
        shared = rng.random() < 0.3
        text = rng.choice(REFLECTIONS)
        at = state.db_time(when)
        rows.reflections.append((person.user_id, module.pk, text, shared, at, at))

    # completed when the last requirement was met: the first ending, the first pass, the
    # reflection (what is optional does not count)
    met = [next((p.ended for p in played if p.finished), None)]
    if has_questions:
        met.append(next((at for _, passed, at in quizzes if passed), None))
    if module.reflection_required:
        met.append(when if reflected else None)
    completed_at = None if None in met else max(met)
    rows.progress.append(
        _progress(state, person, module, played, quizzes, reflected, completed_at, when)
    )
    return completed_at, when


def _quiz(state: Seed, rows: _Rows, person, module, number, answers, when) -> tuple:
    result, stored = _score(module, answers)
    rows.quizzes.append(
        (
            person.user_id,
            module.pk,
            number,
            stored,
            result.score_percent,
            result.passed,
            state.db_time(when),
        )
    )
    return result.score_percent, result.passed, when


def _progress(state, person, module, played, quizzes, reflected, completed_at, last) -> tuple:
    """The summary row, by the rules the services apply one event at a time."""
    best = latest = ("", None, None, None)
    best_total = 0
    for attempt in played:
        if not attempt.finished:
            continue
        latest = (attempt.outcome, *attempt.scores)
        total = sum(attempt.scores)
        rank, best_rank = OUTCOME_RANK[attempt.outcome], OUTCOME_RANK[best[0]]
        if rank > best_rank or (attempt.outcome == best[0] and total > best_total):
            best, best_total = latest, total
    scores = [score for score, _, _ in quizzes]
    return (
        person.user_id,
        module.pk,
        ModuleProgress.Status.COMPLETED if completed_at else ModuleProgress.Status.IN_PROGRESS,
        len(played),
        any(attempt.finished for attempt in played),
        best[0],
        latest[0],
        *best[1:],
        *latest[1:],
        len(quizzes),
        max(scores) if scores else None,
        scores[-1] if scores else None,
        any(passed for _, passed, _ in quizzes),
        reflected,
        state.db_time(completed_at),
        state.db_time(last),
    )
