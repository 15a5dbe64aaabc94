"""Read queries for the team dashboard: figures, charts and the people x modules heatmap.

Everything is scoped in SQL to the people a viewer may follow (their managed units and
everything below; HR: the whole company), narrowed by a unit and a campaign. Aggregates run in
the database over the `ModuleProgress` summary rows (one per person and module), assignments,
attempts and certificates; the number of queries never depends on the number of people.

The aggregates of a scope are cached (`learning.dashboard_cache`) under a version that every
change to the rows they read moves on, so a cached figure is never stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from assessments.models import ModuleProgress, Reflection, ScenarioAttempt
from courses.models import CoursePage, ModulePage
from learning import dashboard_cache
from learning.models import (
    Assignment,
    Campaign,
    Certificate,
    EmployeeProfile,
    Notice,
    OrgUnit,
)
from learning.selectors.cascade import campaigns_visible_to, viewer_scope

PAGE_SIZE = 25
WEEKS_SHOWN = 12
EXPIRY_WARNING_DAYS = 30
SHARED_REFLECTIONS_SHOWN = 20
FILTER_UNIT_LEVELS = 2  # levels below the viewer's top units offered in the unit filter

# person statuses (heatmap filter)
OVERDUE = "overdue"
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
PERSON_STATUSES = (OVERDUE, NOT_STARTED, IN_PROGRESS, COMPLETED)

SORTS = ("name", "-name", "unit", "-unit", "completion", "-completion", "score", "-score")

Status = ModuleProgress.Status


class ScopeNotVisible(Exception):
    """A unit or campaign the viewer may not follow (the view answers 404)."""


# --- the scope ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    pk: int
    title: str
    course_id: int
    course_title: str


@dataclass(frozen=True)
class Scope:
    """Whose figures: the viewer's people, maybe one unit's subtree, maybe one campaign."""

    viewer_id: int
    prefixes: tuple[str, ...] | None  # unit path prefixes; None: the whole company
    unit: OrgUnit | None
    campaign: Campaign | None
    modules: tuple[Module, ...]

    @property
    def course_id(self) -> int | None:
        return self.campaign.course_id if self.campaign else None

    @property
    def module_ids(self) -> list[int]:
        return [module.pk for module in self.modules]

    @property
    def cache_key(self) -> str:
        prefixes = "*" if self.prefixes is None else ",".join(self.prefixes)
        campaign = self.campaign.pk if self.campaign else "-"
        modules = ",".join(str(pk) for pk in self.module_ids)
        return f"{prefixes}|{campaign}|{self.viewer_id}|{modules}"

    def people(self) -> QuerySet[EmployeeProfile]:
        """Active profiles in the scope (never the viewer: a manager is not their own report)."""
        people = EmployeeProfile.objects.filter(active=True, unit__isnull=False).exclude(
            user_id=self.viewer_id
        )
        if self.prefixes is not None:
            if not self.prefixes:  # a manager of no unit follows nobody
                return people.none()
            below = Q()
            for prefix in self.prefixes:
                below |= Q(unit__path__startswith=prefix)
            people = people.filter(below)
        if self.campaign is not None:
            people = people.filter(
                Exists(
                    Assignment.objects.filter(
                        user_id=OuterRef("user_id"),
                        campaign_id=self.campaign.pk,
                        cancelled_at__isnull=True,
                    )
                )
            )
        return people

    def user_ids(self) -> QuerySet:
        return self.people().values("user_id")


def _reach(viewer):
    """What the viewer may follow (the cascade's rule), read once per request."""
    memo = getattr(viewer, "_cx_viewer_scope", None)
    if memo is None:
        memo = viewer._cx_viewer_scope = viewer_scope(viewer)
    return memo


def viewer_prefixes(viewer) -> tuple[str, ...] | None:
    """The roots of the subtrees a viewer follows; None for HR (the whole company)."""
    reach = _reach(viewer)
    return None if reach.everything else reach.prefixes


def _within(path: str, prefixes: tuple[str, ...] | None) -> bool:
    return prefixes is None or any(path.startswith(prefix) for prefix in prefixes)


def live_modules(course_id: int | None = None) -> tuple[Module, ...]:
    """The live modules of live courses in page-tree order (one course's when given)."""
    courses = CoursePage.objects.live()
    if course_id is not None:
        courses = courses.filter(pk=course_id)
    course_rows = list(courses.order_by("path").values("pk", "title", "path", "depth"))
    if not course_rows:
        return ()
    by_path = {(row["path"], row["depth"] + 1): row for row in course_rows}
    below = Q()
    for row in course_rows:
        below |= Q(path__startswith=row["path"], depth=row["depth"] + 1)
    steplen = Page.steplen
    modules = []
    for row in (
        ModulePage.objects.live()
        .filter(below)
        .order_by("path")
        .values("pk", "title", "path", "depth")
    ):
        course = by_path.get((row["path"][:-steplen], row["depth"]))
        if course is not None:
            modules.append(Module(row["pk"], row["title"], course["pk"], course["title"]))
    return tuple(modules)


def dashboard_scope(viewer, *, unit_id: int | None = None, campaign_id: int | None = None):
    """The scope a viewer asked for; ScopeNotVisible when the unit or campaign is not theirs."""
    prefixes = viewer_prefixes(viewer)
    unit = None
    if unit_id is not None:
        unit = OrgUnit.objects.filter(pk=unit_id).only("path", "name", "full_name").first()
        if unit is None or not _within(unit.path, prefixes):
            raise ScopeNotVisible
        prefixes = (unit.path,)
    campaign = None
    if campaign_id is not None:
        campaign = (
            campaigns_visible_to(viewer, scope=_reach(viewer))
            .filter(pk=campaign_id)
            .select_related("course")
            .only("name", "course_id", "course__title")
            .first()
        )
        if campaign is None:
            raise ScopeNotVisible
    modules = live_modules(campaign.course_id if campaign else None)
    return Scope(viewer.pk, prefixes, unit, campaign, modules)


def filter_units(viewer) -> list[OrgUnit]:
    """The units offered in the unit filter: the viewer's top units and two levels below."""
    prefixes = viewer_prefixes(viewer)
    units = OrgUnit.objects.all()
    if prefixes is None:
        units = units.filter(depth__lte=1 + FILTER_UNIT_LEVELS)
    else:
        if not prefixes:
            return []
        below = Q()
        for prefix in prefixes:
            depth = len(prefix) // OrgUnit.steplen
            below |= Q(path__startswith=prefix, depth__lte=depth + FILTER_UNIT_LEVELS)
        units = units.filter(below)
    return list(units.order_by("path").only("pk", "name", "full_name", "depth"))


def filter_campaigns(viewer) -> list[Campaign]:
    """Campaigns that concern the viewer's units (HR: all), newest first."""
    return list(
        campaigns_visible_to(viewer, scope=_reach(viewer))
        .order_by("-created_at", "-pk")
        .only("name")
    )


# --- headline figures and charts ----------------------------------------------------------------


@dataclass(frozen=True)
class ModuleFigures:
    module: Module
    completed: int
    in_progress: int
    average_score: float | None
    scored: int

    def percent_of(self, people: int) -> float | None:
        return 100 * self.completed / people if people else None


@dataclass(frozen=True)
class ThreeE:
    engagement: float | None
    education: float | None
    empowerment: float | None
    choices: int


@dataclass(frozen=True)
class WeekFigure:
    week_start: date
    completed: int  # module completions that week
    cumulative: int  # module completions up to the end of that week


@dataclass
class Headline:
    people: int = 0
    assigned: int = 0
    completed: int = 0
    overdue: int = 0
    overdue_people: int = 0
    average_score: float | None = None
    certificates_valid: int = 0
    certificates_expiring: int = 0

    @property
    def completion_percent(self) -> float | None:
        return 100 * self.completed / self.assigned if self.assigned else None


@dataclass
class DashboardFigures:
    headline: Headline
    modules: list[ModuleFigures] = field(default_factory=list)
    weeks: list[WeekFigure] = field(default_factory=list)
    team_three_e: ThreeE | None = None
    company_three_e: ThreeE | None = None


def _assignments(scope: Scope) -> QuerySet[Assignment]:
    assignments = Assignment.objects.filter(user_id__in=scope.user_ids(), cancelled_at__isnull=True)
    if scope.campaign is not None:
        assignments = assignments.filter(campaign_id=scope.campaign.pk)
    return assignments


def _progress(scope: Scope) -> QuerySet[ModuleProgress]:
    return ModuleProgress.objects.filter(
        user_id__in=scope.user_ids(), module_id__in=scope.module_ids
    )


def _headline(scope: Scope, modules: list[ModuleFigures], today: date) -> Headline:
    is_open = Q(completed_at__isnull=True)
    late = is_open & Q(due_on__lt=today)
    counts = _assignments(scope).aggregate(
        assigned=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        overdue=Count("pk", filter=late),
        overdue_people=Count("user_id", filter=late, distinct=True),
    )
    valid = Certificate.objects.filter(user_id__in=scope.user_ids()).in_status("valid", today)
    if scope.course_id is not None:
        valid = valid.filter(course_id=scope.course_id)
    later = Certificate.objects.filter(
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        issued_at__gt=OuterRef("issued_at"),
    )
    certificates = valid.exclude(Exists(later)).aggregate(
        valid=Count("pk"),
        expiring=Count("pk", filter=Q(expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS))),
    )
    scored = sum(m.scored for m in modules)
    score_sum = sum((m.average_score or 0) * m.scored for m in modules)
    return Headline(
        people=scope.people().count(),
        assigned=counts["assigned"],
        completed=counts["completed"],
        overdue=counts["overdue"],
        overdue_people=counts["overdue_people"],
        average_score=score_sum / scored if scored else None,
        certificates_valid=certificates["valid"],
        certificates_expiring=certificates["expiring"],
    )


def _week_bounds(today: date) -> tuple[list[date], list[datetime]]:
    """The Mondays of the last WEEKS_SHOWN weeks (and the next one), and their midnights."""
    first_week = _week_start(today) - timedelta(weeks=WEEKS_SHOWN - 1)
    tz = timezone.get_current_timezone()
    starts = [first_week + timedelta(weeks=i) for i in range(WEEKS_SHOWN + 1)]
    return starts, [
        timezone.make_aware(datetime.combine(day, datetime.min.time()), tz) for day in starts
    ]


def _module_and_week_figures(
    scope: Scope, today: date
) -> tuple[list[ModuleFigures], list[WeekFigure]]:
    """Completion per module and per week, from one pass over the scope's progress rows.

    Plain comparisons (a filtered count per week) rather than truncating each row's
    timestamp to its week, which costs a function call per row on SQLite.
    """
    if not scope.modules:
        return [], []
    starts, bounds = _week_bounds(today)
    done = Q(status=Status.COMPLETED)
    weeks = {
        f"w{i}": Count(
            "pk", filter=done & Q(completed_at__gte=bounds[i], completed_at__lt=bounds[i + 1])
        )
        for i in range(WEEKS_SHOWN)
    }
    rows = {
        row["module_id"]: row
        for row in _progress(scope)
        .values("module_id")
        .annotate(
            completed=Count("pk", filter=done),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            average_score=Avg("quiz_best_score"),
            scored=Count("quiz_best_score"),
            before=Count("pk", filter=done & Q(completed_at__lt=bounds[0])),
            **weeks,
        )
        .order_by()
    }
    empty = {"completed": 0, "in_progress": 0, "average_score": None, "scored": 0}
    modules = [
        ModuleFigures(
            module=module,
            completed=rows.get(module.pk, empty)["completed"],
            in_progress=rows.get(module.pk, empty)["in_progress"],
            average_score=rows.get(module.pk, empty)["average_score"],
            scored=rows.get(module.pk, empty)["scored"],
        )
        for module in scope.modules
    ]
    week_figures, running = [], sum(row["before"] for row in rows.values())
    for i in range(WEEKS_SHOWN):
        completed = sum(row[f"w{i}"] for row in rows.values())
        running += completed
        week_figures.append(WeekFigure(starts[i], completed, running))
    return modules, week_figures


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _three_e(user_ids) -> ThreeE:
    """Average deltas per choice over finished play-throughs (a choice in mid-scenario counts
    once its play-through ends, which keeps playing free of dashboard bookkeeping)."""
    totals = ScenarioAttempt.objects.filter(
        user_id__in=user_ids, status=ScenarioAttempt.Status.FINISHED
    ).aggregate(
        engagement=Sum("engagement"),
        education=Sum("education"),
        empowerment=Sum("empowerment"),
        choices=Sum("step"),
    )
    choices = totals["choices"] or 0

    def per_choice(name):
        return totals[name] / choices if choices else None

    return ThreeE(
        per_choice("engagement"), per_choice("education"), per_choice("empowerment"), choices
    )


def company_three_e(*, current: int | None = None) -> ThreeE:
    """Everyone's average deltas per choice: what a team's profile is set against."""
    return dashboard_cache.cached(
        "three-e:company",
        lambda: _three_e(
            EmployeeProfile.objects.filter(active=True, unit__isnull=False).values("user_id")
        ),
        current=current,
    )


def dashboard_figures(scope: Scope, *, today: date) -> DashboardFigures:
    """Headline figures, completion per module and per week, and the three-E profiles."""

    def compute() -> DashboardFigures:
        modules, weeks = _module_and_week_figures(scope, today)
        return DashboardFigures(
            headline=_headline(scope, modules, today),
            modules=modules,
            weeks=weeks,
            team_three_e=_three_e(scope.user_ids()),
        )

    current = dashboard_cache.version()
    key = f"figures:{today.isoformat()}:{scope.cache_key}"
    figures = dashboard_cache.cached(key, compute, current=current)
    figures.company_three_e = company_three_e(current=current)
    return figures


# --- the heatmap ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    module_id: int
    status: str
    score: int | None  # best knowledge-check score
    outcome: str  # best scenario outcome
    status_label: str  # translated once per page, not per cell
    symbol: str  # what the cell shows; `spoken` is what a screen reader says

    @property
    def shown(self) -> str:
        return self.symbol if self.score is None else f"{self.symbol} {self.score}"

    @property
    def spoken(self) -> str:
        if self.score is None:
            return self.status_label
        return _("%(status)s, score %(score)s%%") % {
            "status": self.status_label,
            "score": self.score,
        }

    @property
    def export_value(self) -> str:
        if self.score is None:
            return self.status_label
        return f"{self.status_label} ({self.score} %)"


CELL_SYMBOLS = {Status.COMPLETED: "✓", Status.IN_PROGRESS: "◐", Status.NOT_STARTED: "·"}


@dataclass(frozen=True)
class HeatmapRow:
    user_id: int
    name: str
    email: str
    job_title: str
    unit_name: str
    cells: list[Cell]
    completed: int
    average_score: float | None
    overdue: int
    nudge_assignment_id: int | None
    nudged_today: bool

    @property
    def percent(self) -> float:
        return 100 * self.completed / len(self.cells) if self.cells else 0


@dataclass
class Heatmap:
    modules: tuple[Module, ...]
    rows: list[HeatmapRow]
    page: PaginatorPage


def _person_figures(people: QuerySet, scope: Scope, today: date, needed: set[str]) -> QuerySet:
    """Annotate each profile with what a filter or sort needs of: modules completed (`done`),
    started, average score, overdue (`late`); each one a subquery on an indexed column."""
    progress = ModuleProgress.objects.filter(
        user_id=OuterRef("user_id"), module_id__in=scope.module_ids
    ).order_by()

    def count(status_filter: Q):
        return Coalesce(
            Subquery(
                progress.filter(status_filter)
                .values("user_id")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    overdue = Assignment.objects.filter(
        user_id=OuterRef("user_id"),
        completed_at__isnull=True,
        cancelled_at__isnull=True,
        due_on__lt=today,
    )
    if scope.campaign is not None:
        overdue = overdue.filter(campaign_id=scope.campaign.pk)
    figures = {
        "done": lambda: count(Q(status=Status.COMPLETED)),
        "started": lambda: count(~Q(status=Status.NOT_STARTED)),
        "score": lambda: Subquery(
            progress.values("user_id").annotate(a=Avg("quiz_best_score")).values("a")
        ),
        "late": lambda: Exists(overdue),
    }
    return people.annotate(**{name: make() for name, make in figures.items() if name in needed})


def people_in_order(scope: Scope, *, today: date, status: str = "", sort: str = "name"):
    """The scope's people, filtered by their status and in the order asked for."""
    people = scope.people()
    needed = {
        OVERDUE: {"late"},
        COMPLETED: {"done"},
        NOT_STARTED: {"started"},
        IN_PROGRESS: {"done", "started"},
    }.get(status, set())
    needed |= {"completion": {"done"}, "score": {"score"}}.get(sort.lstrip("-"), set())
    if needed:
        people = _person_figures(people, scope, today, needed)
    total_modules = len(scope.modules)
    if status == OVERDUE:
        people = people.filter(late=True)
    elif status == COMPLETED:
        people = people.filter(done__gte=total_modules) if total_modules else people.none()
    elif status == NOT_STARTED:
        people = people.filter(started=0)
    elif status == IN_PROGRESS:
        people = people.filter(started__gt=0, done__lt=total_modules)
    keys = {
        "name": [F("user__last_name"), F("user__first_name")],
        "unit": [F("unit__path")],
        "completion": [F("done")],
        "score": [F("score")],
    }[sort.lstrip("-")]
    if sort.startswith("-"):
        order = [key.desc(nulls_last=True) for key in keys]
    else:
        order = [key.asc(nulls_first=True) for key in keys]
    return (
        people.order_by(*order, "user__last_name", "user__first_name", "pk")
        .select_related("user", "unit")
        .only(
            "user_id",
            "job_title",
            "unit__full_name",
            "user__first_name",
            "user__last_name",
            "user__email",
        )
    )


def heatmap_rows(profiles: list[EmployeeProfile], scope: Scope, *, today: date):
    """The heatmap rows of some people: three queries however many there are."""
    user_ids = [profile.user_id for profile in profiles]
    cells: dict[int, dict[int, dict]] = {}
    for row in ModuleProgress.objects.filter(
        user_id__in=user_ids, module_id__in=scope.module_ids
    ).values("user_id", "module_id", "status", "quiz_best_score", "best_outcome"):
        cells.setdefault(row["user_id"], {})[row["module_id"]] = row
    overdue: dict[int, list[int]] = {}
    late = Assignment.objects.filter(
        user_id__in=user_ids,
        completed_at__isnull=True,
        cancelled_at__isnull=True,
        due_on__lt=today,
    )
    if scope.campaign is not None:
        late = late.filter(campaign_id=scope.campaign.pk)
    for user_id, pk in late.order_by("due_on", "pk").values_list("user_id", "pk"):
        overdue.setdefault(user_id, []).append(pk)
    nudged = set(
        Notice.objects.filter(
            kind=Notice.Kind.NUDGE, recipient_id__in=user_ids, day=today
        ).values_list("recipient_id", flat=True)
    )
    not_started = {"status": Status.NOT_STARTED, "quiz_best_score": None, "best_outcome": ""}
    labels = {status: str(status.label) for status in Status}
    rows = []
    for profile in profiles:
        mine = cells.get(profile.user_id, {})
        row_cells = []
        for module in scope.modules:
            cell = mine.get(module.pk, not_started)
            status = cell["status"]
            row_cells.append(
                Cell(
                    module.pk,
                    status,
                    cell["quiz_best_score"],
                    cell["best_outcome"],
                    labels[status],
                    CELL_SYMBOLS[status],
                )
            )
        scores = [cell.score for cell in row_cells if cell.score is not None]
        late_ids = overdue.get(profile.user_id, [])
        rows.append(
            HeatmapRow(
                user_id=profile.user_id,
                name=profile.user.display_name,
                email=profile.user.email,
                job_title=profile.job_title,
                unit_name=profile.unit.full_name,
                cells=row_cells,
                completed=sum(1 for cell in row_cells if cell.status == Status.COMPLETED),
                average_score=sum(scores) / len(scores) if scores else None,
                overdue=len(late_ids),
                nudge_assignment_id=late_ids[0] if late_ids else None,
                nudged_today=profile.user_id in nudged,
            )
        )
    return rows


def heatmap(
    scope: Scope,
    *,
    today: date,
    status: str = "",
    sort: str = "name",
    page_number: int | str = 1,
) -> Heatmap:
    """One page of people x modules: each cell the module's status and best score."""
    people = people_in_order(scope, today=today, status=status, sort=sort)
    page = Paginator(people, PAGE_SIZE).get_page(page_number)
    return Heatmap(scope.modules, heatmap_rows(list(page.object_list), scope, today=today), page)


EXPORT_CHUNK = 2000


def heatmap_all_rows(scope: Scope, *, today: date, status: str = "", sort: str = "name"):
    """Every heatmap row of the scope, read 2,000 people at a time (for exports)."""
    people = people_in_order(scope, today=today, status=status, sort=sort)
    offset = 0
    while True:
        chunk = list(people[offset : offset + EXPORT_CHUNK])
        if not chunk:
            return
        yield from heatmap_rows(chunk, scope, today=today)
        if len(chunk) < EXPORT_CHUNK:
            return
        offset += EXPORT_CHUNK


# --- shared reflections -------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedReflection:
    user_id: int
    name: str
    module_title: str
    text: str
    created_at: datetime


def shared_reflections(scope: Scope, *, limit: int = SHARED_REFLECTIONS_SHOWN):
    """The latest reflections the scope's people chose to share with their manager."""
    rows = (
        Reflection.objects.filter(shared_with_manager=True, user_id__in=scope.user_ids())
        .order_by("-created_at", "-pk")
        .values(
            "user_id",
            "text",
            "created_at",
            "module__title",
            "user__first_name",
            "user__last_name",
            "user__email",
        )[:limit]
    )
    return [
        SharedReflection(
            user_id=r["user_id"],
            name=f"{r['user__first_name']} {r['user__last_name']}".strip() or r["user__email"],
            module_title=r["module__title"],
            text=r["text"],
            created_at=r["created_at"],
        )
        for r in rows
    ]
