"""Read queries for the team dashboard: a manager's people, their assignments, shared notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery

from assessments.models import Reflection
from learning.models import Assignment, Notice
from learning.selectors.org import people_visible_to

SHARED_REFLECTIONS_SHOWN = 20

OVERDUE = "overdue"
ON_TRACK = "on_track"
ALL_DONE = "all_done"
NOTHING_ASSIGNED = "nothing_assigned"


@dataclass(frozen=True)
class TeamMember:
    user_id: int
    name: str
    email: str
    job_title: str
    unit_name: str
    open_count: int
    overdue_count: int
    completed_count: int
    next_due_on: date | None  # the nearest due date of an open assignment (maybe past)
    nudge_assignment_id: int | None  # their most overdue open assignment
    nudge_course: str | None
    nudged_today: bool

    @property
    def status(self) -> str:
        if self.overdue_count:
            return OVERDUE
        if self.open_count:
            return ON_TRACK
        return ALL_DONE if self.completed_count else NOTHING_ASSIGNED


@dataclass(frozen=True)
class UnitCompletion:
    name: str
    people: int
    completed: int
    assigned: int  # completed and open assignments (cancelled ones do not count)

    @property
    def percent(self) -> int | None:
        # rounded down: a unit shows 100 % only when everything is done
        return self.completed * 100 // self.assigned if self.assigned else None


@dataclass(frozen=True)
class SharedReflection:
    name: str
    module_title: str
    text: str
    created_at: datetime


@dataclass
class TeamOverview:
    people: list[TeamMember] = field(default_factory=list)
    units: list[UnitCompletion] = field(default_factory=list)
    reflections: list[SharedReflection] = field(default_factory=list)

    @property
    def assigned(self) -> int:
        return sum(unit.assigned for unit in self.units)

    @property
    def completed(self) -> int:
        return sum(unit.completed for unit in self.units)

    @property
    def completion_percent(self) -> int | None:
        return self.completed * 100 // self.assigned if self.assigned else None

    @property
    def overdue(self) -> int:
        return sum(person.overdue_count for person in self.people)

    @property
    def overdue_people(self) -> int:
        return sum(1 for person in self.people if person.overdue_count)


def team_overview(user, *, today: date) -> TeamOverview:
    """A manager's people (HR: everyone) with their assignments counted, and shared notes."""
    # three queries once the viewer's roles are known: managed units, people, reflections
    people = people_visible_to(user).exclude(user=user)  # a manager is not their own report
    is_open = Q(user__assignments__completed_at__isnull=True) & Q(
        user__assignments__cancelled_at__isnull=True
    )
    overdue = Assignment.objects.filter(
        user_id=OuterRef("user_id"),
        completed_at__isnull=True,
        cancelled_at__isnull=True,
        due_on__lt=today,
    ).order_by("due_on", "pk")
    rows = (
        people.annotate(
            open_count=Count("user__assignments", filter=is_open),
            overdue_count=Count(
                "user__assignments", filter=is_open & Q(user__assignments__due_on__lt=today)
            ),
            completed_count=Count(
                "user__assignments", filter=Q(user__assignments__completed_at__isnull=False)
            ),
            next_due_on=Min("user__assignments__due_on", filter=is_open),
            nudge_assignment_id=Subquery(overdue.values("pk")[:1]),
            nudge_course=Subquery(overdue.values("course__title")[:1]),
            nudged_today=Exists(
                Notice.objects.filter(
                    kind=Notice.Kind.NUDGE, recipient_id=OuterRef("user_id"), day=today
                )
            ),
        )
        .only(
            "job_title",
            "unit__full_name",
            "user__first_name",
            "user__last_name",
            "user__email",
        )
        .order_by("unit__full_name", "user__last_name", "user__first_name", "pk")
    )
    overview = TeamOverview()
    units: dict[str, list[TeamMember]] = {}
    for row in rows:
        member = TeamMember(
            user_id=row.user_id,
            name=row.user.display_name,
            email=row.user.email,
            job_title=row.job_title,
            unit_name=row.unit.full_name,
            open_count=row.open_count,
            overdue_count=row.overdue_count,
            completed_count=row.completed_count,
            next_due_on=row.next_due_on,
            nudge_assignment_id=row.nudge_assignment_id,
            nudge_course=row.nudge_course,
            nudged_today=row.nudged_today,
        )
        overview.people.append(member)
        units.setdefault(member.unit_name, []).append(member)
    overview.units = [
        UnitCompletion(
            name=name,
            people=len(members),
            completed=sum(m.completed_count for m in members),
            assigned=sum(m.completed_count + m.open_count for m in members),
        )
        for name, members in sorted(units.items())
    ]
    reflections = (
        Reflection.objects.filter(shared_with_manager=True, user_id__in=people.values("user_id"))
        .order_by("-created_at", "-pk")
        .values(
            "text",
            "created_at",
            "module__title",
            "user__first_name",
            "user__last_name",
            "user__email",
        )[:SHARED_REFLECTIONS_SHOWN]
    )
    overview.reflections = [
        SharedReflection(
            name=f"{r['user__first_name']} {r['user__last_name']}".strip() or r["user__email"],
            module_title=r["module__title"],
            text=r["text"],
            created_at=r["created_at"],
        )
        for r in reflections
    ]
    return overview
