"""Rolling courses out: campaigns open their waves, people get assignments, completions close them.

The daily job (`manage.py run_daily`) and an HR import call `campaigns_sync_all`; saving a
campaign in the admin calls `campaign_after_save`; a learner's completed module calls
`assignments_check_completion` through the progress_saved signal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from wagtail.models import Page

from assessments.models import ModuleProgress, ScenarioAttempt
from courses.models import CoursePage, ModulePage
from learning import dashboard_cache
from learning.models import (
    BAND_RANK,
    Assignment,
    Band,
    Campaign,
    EmployeeProfile,
    OrgUnit,
    Wave,
)
from learning.rules import add_months, late_joiner_due_on, recertification_opens_on


@dataclass
class SyncResult:
    opened: list[str] = field(default_factory=list)  # names of waves opened by this run
    assigned: int = 0
    waiting_for_manager: int = 0  # in an open wave's band, but their manager is not assigned yet
    cancelled: int = 0  # open assignments of people who left the campaign's reach


# --- who is who in a campaign's subtree (plain data, one pass) ---------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    unit_path: str
    band: str
    managers: frozenset[int]  # their nearest managers inside the campaign's subtree


def campaign_people(campaign: Campaign) -> dict[int, Person]:
    """Active people at or below the campaign's unit, with their band and nearest managers.

    A person's manager is a manager of their own unit (not themselves), else of the nearest unit
    above it that has one, within the campaign's subtree; outside it nobody is in scope.
    Three queries whatever the size of the tree.
    """
    root = campaign.unit
    units = {
        unit.path: unit
        for unit in OrgUnit.objects.filter(path__startswith=root.path).only("path", "depth")
    }
    managers_by_path: dict[str, set[int]] = {path: set() for path in units}
    through = OrgUnit.managers.through.objects.filter(orgunit__path__startswith=root.path)
    for path, user_id in through.values_list("orgunit__path", "user_id"):
        managers_by_path[path].add(user_id)
    profiles = list(
        EmployeeProfile.objects.filter(
            unit__path__startswith=root.path, active=True, user__is_active=True
        ).values_list("user_id", "unit__path", "is_manager")
    )
    in_scope = {user_id for user_id, _, _ in profiles}
    managed: dict[int, list[str]] = {}
    for path, ids in managers_by_path.items():
        for user_id in ids:
            managed.setdefault(user_id, []).append(path)
    steplen = OrgUnit.steplen
    top_depth = root.depth + 1  # managers of the campaign's unit and of the units just below

    people = {}
    for user_id, unit_path, is_manager in profiles:
        own = managed.get(user_id, [])
        if any(len(path) // steplen <= top_depth for path in own):
            band = Band.LEADERSHIP
        elif own or is_manager:
            band = Band.MANAGERS
        else:
            band = Band.EVERYONE
        nearest: frozenset[int] = frozenset()
        path = unit_path
        while len(path) >= len(root.path):
            found = (managers_by_path.get(path, set()) & in_scope) - {user_id}
            if found:
                nearest = frozenset(found)
                break
            path = path[:-steplen]
        people[user_id] = Person(user_id, unit_path, band, nearest)
    return people


def _wave_for(person: Person, waves: list[Wave]) -> Wave | None:
    """The first wave whose band reaches this person (a wave reaches its band and those above
    it that an earlier wave did not: "everyone" catches every person still unassigned)."""
    rank = BAND_RANK[person.band]
    for wave in waves:
        if BAND_RANK[wave.band] >= rank:
            return wave
    return None


def _wave_completion(wave: Wave) -> int:
    """Percent of a wave's (not cancelled) assignments completed; 0 when it has none."""
    counts = Assignment.objects.filter(wave=wave, cancelled_at__isnull=True).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False))
    )
    return 100 * counts["done"] // counts["total"] if counts["total"] else 0


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def campaign_sync(*, campaign: Campaign, today: date) -> SyncResult:
    """Open the waves whose day (and gate) has come, and assign everyone they now reach.

    Top down: a wave opens only after the wave before it, and nobody is assigned before their
    own manager is (a manager caught by a later wave holds their team back until then).
    Running it twice assigns nobody twice (one assignment per person and campaign).
    """
    result = SyncResult()
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    if not campaign.active:
        return result
    waves = list(campaign.waves.order_by("sort_order", "pk"))
    now = timezone.now()
    previous_open = True
    for n, wave in enumerate(waves):
        if wave.opened_at is None and previous_open and wave.opens_on <= today:
            gate = wave.gate_percent
            gate_ok = n == 0 or gate is None or _wave_completion(waves[n - 1]) >= gate
            if gate_ok:
                wave.opened_at = now
                wave.save(update_fields=["opened_at"])
                result.opened.append(wave.name)
        previous_open = wave.opened_at is not None

    people = campaign_people(campaign)
    existing = dict(campaign.assignments.values_list("user_id", "cancelled_at"))
    # open assignments of people no longer in reach (left, or moved out) are released
    gone = [
        user_id
        for user_id, cancelled in existing.items()
        if not cancelled and user_id not in people
    ]
    result.cancelled = (
        campaign.assignments.filter(user_id__in=gone, completed_at__isnull=True).update(
            cancelled_at=now
        )
        if gone
        else 0
    )
    assigned = {user_id for user_id, cancelled in existing.items() if not cancelled} & set(people)
    cancelled_before = {user_id for user_id, cancelled in existing.items() if cancelled}

    # Top down: managers before their reports, so one run can reach several levels.
    pending = {
        user_id: (person, wave)
        for user_id, person in people.items()
        if user_id not in assigned and (wave := _wave_for(person, waves)) and wave.opened_at
    }
    new: list[Assignment] = []
    progressed = True
    while pending and progressed:
        progressed = False
        for user_id, (person, wave) in list(pending.items()):
            if person.managers - assigned:
                continue  # their manager goes first
            on_time = timezone.localtime(wave.opened_at).date() >= today
            due = (
                wave.due_on
                if on_time
                else late_joiner_due_on(
                    wave_due_on=wave.due_on, assigned_on=today, days=campaign.late_joiner_days
                )
            )
            new.append(
                Assignment(
                    user_id=user_id,
                    course_id=campaign.course_id,
                    kind=Assignment.Kind.CAMPAIGN,
                    campaign=campaign,
                    wave=wave,
                    assigned_at=now,
                    due_on=due,
                    late_joiner=not on_time,
                )
            )
            assigned.add(user_id)
            del pending[user_id]
            progressed = True
    result.waiting_for_manager = len(pending)
    # Someone who left and came back picks up their old assignment (and its history) again.
    returning = [a for a in new if a.user_id in cancelled_before]
    for row in returning:
        Assignment.objects.filter(campaign=campaign, user_id=row.user_id).update(
            cancelled_at=None, wave=row.wave, due_on=row.due_on, late_joiner=row.late_joiner
        )
    Assignment.objects.bulk_create([a for a in new if a.user_id not in cancelled_before])
    dashboard_cache.changed()  # the writes above bypass model signals
    result.assigned = len(new)
    if new:
        _close_already_completed(campaign.course_id, [a.user_id for a in new], now)
    return result


def _close_already_completed(course_id: int, user_ids: list[int], now) -> None:
    """People who finished the course before it was assigned to them are done already."""
    module_ids = course_live_module_ids(course_id)
    if not module_ids:
        return
    done = (
        ModuleProgress.objects.filter(
            user_id__in=user_ids,
            module_id__in=module_ids,
            status=ModuleProgress.Status.COMPLETED,
        )
        .values("user_id")
        .annotate(n=Count("module_id"))
        .filter(n=len(module_ids))
        .values_list("user_id", flat=True)
    )
    Assignment.objects.filter(
        course_id=course_id,
        kind=Assignment.Kind.CAMPAIGN,
        user_id__in=list(done),
        completed_at__isnull=True,
    ).update(completed_at=now)


def course_live_module_ids(course_id: int) -> list[int]:
    """The ids of the course's live modules: what completing the course means."""
    course = Page.objects.only("path", "depth").get(pk=course_id)
    return list(
        ModulePage.objects.live()
        .filter(path__startswith=course.path, depth=course.depth + 1)
        .values_list("pk", flat=True)
    )


def campaigns_sync_all(*, today: date) -> list[SyncResult]:
    """The daily step (and the one after an HR import): every active campaign catches up."""
    return [
        campaign_sync(campaign=campaign, today=today)
        for campaign in Campaign.objects.filter(active=True).order_by("pk")
    ]


@transaction.atomic
def campaign_after_save(*, campaign: Campaign, today: date | None = None) -> SyncResult:
    """After HR saved a campaign: open assignments follow their wave's (new) due date, and
    waves whose day has come open at once."""
    today = today or timezone.localdate()
    for wave in campaign.waves.all():
        open_rows = Assignment.objects.filter(
            wave=wave, completed_at__isnull=True, cancelled_at__isnull=True
        )
        open_rows.filter(late_joiner=False).exclude(due_on=wave.due_on).update(due_on=wave.due_on)
        # late joiners keep their extra days, but never fall due before the wave itself
        open_rows.filter(late_joiner=True, due_on__lt=wave.due_on).update(due_on=wave.due_on)
    return campaign_sync(campaign=campaign, today=today)


def course_path_of(module_id: int) -> str | None:
    """The tree path of a module's course (its parent page), or None for no such module."""
    module = Page.objects.filter(pk=module_id).values("path").first()
    return module["path"][: -Page.steplen] if module else None


def assignments_check_completion(
    *, user_id: int, module_id: int, course_path: str | None = None
) -> int:
    """Close the person's open assignments of this module's course that are now complete.

    A campaign assignment is complete when every live module of the course is completed; a
    recertification when every module's scenario was played through again since it was
    assigned. Returns how many were closed. Two queries when the person has nothing open
    (one when the caller knows the course's path).
    """
    course_path = course_path or course_path_of(module_id)
    if course_path is None:
        return 0
    open_rows = list(
        Assignment.objects.filter(
            user_id=user_id,
            completed_at__isnull=True,
            cancelled_at__isnull=True,
            course__path=course_path,
        ).only("pk", "course_id", "kind", "assigned_at")
    )
    if not open_rows:
        return 0
    module_ids = course_live_module_ids(open_rows[0].course_id)
    now = timezone.now()
    closed = []
    completed_modules = ModuleProgress.objects.filter(
        user_id=user_id, module_id__in=module_ids, status=ModuleProgress.Status.COMPLETED
    ).count()
    for row in open_rows:
        if row.kind == Assignment.Kind.CAMPAIGN:
            done = completed_modules == len(module_ids)
        else:
            replayed = (
                ScenarioAttempt.objects.filter(
                    user_id=user_id,
                    module_id__in=module_ids,
                    finished_at__gte=row.assigned_at,
                )
                .values("module_id")
                .distinct()
                .count()
            )
            done = completed_modules == len(module_ids) and replayed == len(module_ids)
        if done:
            closed.append(row.pk)
    if closed:
        Assignment.objects.filter(pk__in=closed).update(completed_at=now)
        dashboard_cache.changed()
    return len(closed)


@transaction.atomic
def recertifications_assign(*, today: date, lead_days: int = 30) -> int:
    """Assign a course again to people whose completion is about to expire.

    A course with a validity (months) expires that long after its latest completed
    assignment; `lead_days` before that day a recertification assignment, due on the expiry
    day, appears on My learning (and gets the usual reminders). Once per completion.
    """
    courses = {
        course.pk: course.validity_months
        for course in CoursePage.objects.filter(validity_months__gt=0).only("validity_months")
    }
    if not courses:
        return 0
    latest: dict[tuple[int, int], Assignment] = {}
    rows = Assignment.objects.filter(
        course_id__in=courses, cancelled_at__isnull=True, user__is_active=True
    ).only("pk", "user_id", "course_id", "kind", "assigned_at", "completed_at")
    for row in rows.order_by("assigned_at", "pk"):
        latest[(row.user_id, row.course_id)] = row  # the newest wins
    new = []
    for (user_id, course_id), row in latest.items():
        if row.completed_at is None:
            continue  # an open assignment (perhaps the recertification itself) is in progress
        expires_on = add_months(timezone.localtime(row.completed_at).date(), courses[course_id])
        if recertification_opens_on(expires_on=expires_on, lead_days=lead_days) <= today:
            new.append(
                Assignment(
                    user_id=user_id,
                    course_id=course_id,
                    kind=Assignment.Kind.RECERTIFICATION,
                    due_on=max(expires_on, today),
                )
            )
    Assignment.objects.bulk_create(new, batch_size=500)
    if new:
        dashboard_cache.changed()
    return len(new)
