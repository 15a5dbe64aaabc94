"""Read queries for an employee's own learning: assignments, progress and refreshers.

Everything here is scoped to one person in SQL, and the number of queries does not grow with
the number of assignments, modules or refreshers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db.models import F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from assessments.models import ModuleProgress, ScenarioAttempt
from assessments.scenario import Scenario, Scene
from assessments.selectors import PlayableModule, playable_module, scenario_for_revision
from courses.models import ModulePage
from learning import rules
from learning.models import REFRESHER_INTERVALS, Assignment, Refresher

STATUS_LABELS = {
    rules.NOT_STARTED: _("Not started"),
    rules.IN_PROGRESS: _("In progress"),
    rules.COMPLETED: _("Completed"),
    rules.OVERDUE: _("Overdue"),
}
UPCOMING_REFRESHERS_SHOWN = 12
RECENT_REFRESHERS_SHOWN = 5
STARTED = (ModuleProgress.Status.IN_PROGRESS, ModuleProgress.Status.COMPLETED)


@dataclass(frozen=True)
class AssignmentItem:
    """One assignment as its owner sees it, with progress through the course's live modules."""

    pk: int
    kind: str
    kind_label: str
    course_title: str
    course_url: str | None
    due_on: date
    status: str
    modules_completed: int
    modules_total: int
    continue_url: str | None
    completed_at: datetime | None
    started: bool  # some module of the course opened (an overdue course may be untouched)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def percent(self) -> int:
        if not self.modules_total:
            return 0
        return round(100 * self.modules_completed / self.modules_total)


@dataclass(frozen=True)
class RefresherItem:
    """A planned or answered refresher in the My learning list."""

    pk: int
    module_title: str
    interval_days: int
    due_on: date
    is_due: bool
    url: str
    done_at: datetime | None
    good: bool | None
    choice_label: str


@dataclass(frozen=True)
class MyLearning:
    """Everything the My learning page shows, already computed."""

    today: date
    open_assignments: list[AssignmentItem]
    completed_assignments: list[AssignmentItem]
    upcoming_refreshers: list[RefresherItem]
    more_refreshers_later: bool
    recent_refreshers: list[RefresherItem]

    @property
    def open_count(self) -> int:
        return len(self.open_assignments)

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.open_assignments if item.status == rules.OVERDUE)

    @property
    def completed_count(self) -> int:
        return len(self.completed_assignments)

    @property
    def due_refreshers(self) -> list[RefresherItem]:
        return [item for item in self.upcoming_refreshers if item.is_due]

    @property
    def is_empty(self) -> bool:
        return not (self.open_assignments or self.completed_assignments)


def my_learning(user, *, today: date, request=None) -> MyLearning:
    """A person's open and completed assignments with progress, and their refreshers.

    Four queries whatever the numbers (five with an open recertification): assignments with
    their course, the live modules of those courses with the person's status on each, the
    play-throughs since a recertification was assigned, refreshers to come, refreshers done.
    Pass the request to build page URLs without a cache lookup per page.
    """
    assignments = list(
        Assignment.objects.filter(user=user)
        .filter(Q(completed_at__isnull=False) | Q(cancelled_at__isnull=True))
        .select_related("course")
        .order_by("due_on", "pk")
    )
    courses = {a.course_id: a.course for a in assignments}
    modules_by_course = _live_modules_with_status(user, courses.values(), request)
    replays = _replays_for_recertification(user, assignments)
    course_urls = {pk: course.get_url(request=request) for pk, course in courses.items()}

    open_items, completed_items = [], []
    for assignment in assignments:
        modules = modules_by_course.get(assignment.course_id, [])
        if assignment.kind == Assignment.Kind.RECERTIFICATION and not assignment.completed_at:
            modules = _since(modules, assignment.assigned_at, replays)
        item = _assignment_item(assignment, modules, course_urls[assignment.course_id], today)
        (completed_items if assignment.completed_at else open_items).append(item)
    completed_items.sort(key=lambda item: (item.completed_at, item.pk), reverse=True)

    upcoming, more_later = _upcoming_refreshers(user, today)
    return MyLearning(
        today=today,
        open_assignments=open_items,
        completed_assignments=completed_items,
        upcoming_refreshers=upcoming,
        more_refreshers_later=more_later,
        recent_refreshers=_recent_refreshers(user, today),
    )


@dataclass(frozen=True)
class _Module:
    pk: int
    title: str
    url: str | None
    status: str | None  # the person's ModuleProgress status, None when never opened


def _live_modules_with_status(user, courses, request) -> dict[int, list[_Module]]:
    """The live modules of these courses in page order, each with the person's status: 1 query."""
    courses = list(courses)
    if not courses:
        return {}
    children = Q()
    for course in courses:
        children |= Q(path__startswith=course.path, depth=course.depth + 1)
    status = ModuleProgress.objects.filter(user=user, module=OuterRef("pk")).values("status")[:1]
    pages = (
        ModulePage.objects.live()
        .filter(children)
        .defer_streamfields()
        .annotate(my_status=Subquery(status))
        .order_by("path")
    )
    course_by_path = {course.path: course.pk for course in courses}
    by_course: dict[int, list[_Module]] = {}
    for page in pages:
        course_pk = course_by_path.get(page.path[: -Page.steplen])
        if course_pk is not None:
            module = _Module(page.pk, page.title, page.get_url(request=request), page.my_status)
            by_course.setdefault(course_pk, []).append(module)
    return by_course


def _replays_for_recertification(user, assignments) -> dict[int, datetime]:
    """module id -> the latest finished play-through, when a recertification is open (1 query,
    none without one): a recertification counts only what was played again since."""
    since = [
        a.assigned_at
        for a in assignments
        if a.kind == Assignment.Kind.RECERTIFICATION and a.completed_at is None
    ]
    if not since:
        return {}
    rows = (
        ScenarioAttempt.objects.filter(user=user, finished_at__gte=min(since))
        .values("module_id")
        .annotate(last=Max("finished_at"))
    )
    return {row["module_id"]: row["last"] for row in rows}


def _since(modules: list[_Module], assigned_at, replays) -> list[_Module]:
    """The modules as a recertification sees them: completed when played again since."""
    return [
        replace(
            module,
            status=ModuleProgress.Status.COMPLETED
            if replays.get(module.pk) and replays[module.pk] >= assigned_at
            else None,
        )
        for module in modules
    ]


def _assignment_item(assignment, modules: list[_Module], course_url, today: date) -> AssignmentItem:
    completed = sum(1 for m in modules if m.status == ModuleProgress.Status.COMPLETED)
    started = any(m.status in STARTED for m in modules)
    next_module = next((m for m in modules if m.status != ModuleProgress.Status.COMPLETED), None)
    return AssignmentItem(
        pk=assignment.pk,
        kind=assignment.kind,
        kind_label=assignment.get_kind_display(),
        course_title=assignment.course.title,
        course_url=course_url,
        due_on=assignment.due_on,
        status=rules.assignment_status(
            completed=assignment.completed_at is not None,
            started=started,
            due_on=assignment.due_on,
            today=today,
        ),
        modules_completed=completed,
        modules_total=len(modules),
        continue_url=(next_module.url if next_module else None) or course_url,
        completed_at=assignment.completed_at,
        started=started,
    )


def _refresher_rows(user):
    # refreshers of modules taken offline would only lead to a "not published" page
    return Refresher.objects.filter(user=user, module__live=True).annotate(
        module_title=F("module__title")
    )


def _refresher_item(refresher, today: date) -> RefresherItem:
    return RefresherItem(
        pk=refresher.pk,
        module_title=refresher.module_title,
        interval_days=refresher.interval_days,
        due_on=refresher.due_on,
        is_due=refresher.due_on <= today,
        url=reverse("learning:refresher", args=[refresher.pk]),
        done_at=refresher.done_at,
        good=refresher.good,
        choice_label=refresher.choice_label,
    )


def _upcoming_refreshers(user, today: date) -> tuple[list[RefresherItem], bool]:
    """The refreshers still to do, due first; and whether more wait beyond the ones shown."""
    rows = list(
        _refresher_rows(user)
        .filter(done_at__isnull=True)
        .order_by("due_on", "pk")[: UPCOMING_REFRESHERS_SHOWN + 1]
    )
    more = len(rows) > UPCOMING_REFRESHERS_SHOWN
    return [_refresher_item(r, today) for r in rows[:UPCOMING_REFRESHERS_SHOWN]], more


def _recent_refreshers(user, today: date) -> list[RefresherItem]:
    """The refreshers answered most recently, with their result."""
    rows = (
        _refresher_rows(user)
        .filter(done_at__isnull=False)
        .order_by("-done_at", "-pk")[:RECENT_REFRESHERS_SHOWN]
    )
    return [_refresher_item(r, today) for r in rows]


# --- one refresher --------------------------------------------------------------------------


@dataclass(frozen=True)
class RefresherQuestion:
    """The scene a refresher replays, from the module's live scenario, and its best choices."""

    module: PlayableModule
    scene: Scene
    best_indexes: tuple[int, ...]

    @property
    def best_choice(self):
        return self.scene.choices[self.best_indexes[0]]


@dataclass(frozen=True)
class RefresherReview:
    """An answered refresher explained again: what was chosen, how good, the best choice."""

    scene_title: str
    choice_label: str
    feedback: str
    good: bool | None
    best_choice_label: str


def refresher_of(user, pk: int) -> Refresher | None:
    """The person's own refresher with its module title, or None (someone else's too)."""
    if not user.is_authenticated:
        return None
    return _refresher_rows(user).filter(pk=pk).first()


def refresher_module(refresher: Refresher) -> PlayableModule | None:
    """The refresher's module if it is live (cached: usually no query)."""
    return playable_module(refresher.module_id)


def refresher_scene(scenario: Scenario, interval_days: int) -> Scene:
    """The decision a refresher replays: the key scenes in turn (+7 the first, +30 the second,
    +90 the third, wrapping round); else the first real choice; else the start."""
    keys = scenario.key_scenes()
    if keys:
        intervals = sorted(REFRESHER_INTERVALS)
        position = intervals.index(interval_days) if interval_days in intervals else 0
        return scenario.scene(keys[position % len(keys)])
    for scene in scenario.scenes:
        if len(scene.choices) >= 2:
            return scene
    return scenario.scene(scenario.start_key)


def best_choice_indexes(scenario: Scenario, scene: Scene) -> tuple[int, ...]:
    """The choices that keep the best ending reachable from the scene within reach."""
    best = scenario.best_outcome_from(scene.key)
    return tuple(c.index for c in scene.choices if scenario.best_outcome_from(c.next) == best)


def refresher_question(refresher: Refresher) -> RefresherQuestion | None:
    """What the refresher asks now, or None when its module is not live or has no choice."""
    module = playable_module(refresher.module_id)
    if module is None:
        return None
    scenario = scenario_for_revision(module.live_revision_id)
    scene = refresher_scene(scenario, refresher.interval_days)
    best = best_choice_indexes(scenario, scene)
    if not scene.choices or not best:
        return None
    return RefresherQuestion(module=module, scene=scene, best_indexes=best)


def refresher_review(refresher: Refresher) -> RefresherReview | None:
    """An answered refresher against the live scenario (the choice's feedback if it still
    exists there). None for a refresher not answered yet."""
    if refresher.done_at is None:
        return None
    feedback, scene_title, best_label = "", "", ""
    module = playable_module(refresher.module_id)
    if module is not None:
        scenario = scenario_for_revision(module.live_revision_id)
        try:
            scene = scenario.scene(refresher.scene_key)
        except KeyError:  # the trainer has since removed the scene
            scene = None
        if scene is not None:
            scene_title = scene.title
            chosen = next((c for c in scene.choices if c.label == refresher.choice_label), None)
            feedback = chosen.feedback if chosen else ""
            best = best_choice_indexes(scenario, scene)
            best_label = scene.choices[best[0]].label if best else ""
    return RefresherReview(
        scene_title=scene_title,
        choice_label=refresher.choice_label,
        feedback=feedback,
        good=refresher.good,
        best_choice_label=best_label,
    )
