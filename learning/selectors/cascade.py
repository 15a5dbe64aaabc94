"""Read queries for the leadership cascade: per campaign, completion by wave, level and unit.

Everything is scoped in SQL: HR sees every campaign and unit; a manager sees the campaigns
that concern their subtree, and inside one only the people whose primary unit is in it.
Assignments are counted in SQL grouped by the person's unit path and wave (at most units x
waves rows), and the subtree totals are rolled up in Python over those rows, so the number of
queries does not grow with people or units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from home.permissions import user_is_hr, user_is_superuser
from learning.models import Assignment, Campaign, OrgUnit

STEPLEN = OrgUnit.steplen
TABLE_LEVELS_BELOW = 2  # the unit table shows its top units and two levels below them
LAG_POINTS = 20  # a unit lags when its completion is more than this many points below overall

PERSON_PATH = "user__profile__unit__path"


class UnitNotVisible(Exception):
    """The unit asked for is not in the campaign, or not one the viewer may see."""


# --- scope ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: everything (HR), or the subtrees of the units they manage."""

    everything: bool
    prefixes: tuple[str, ...] = ()

    def q(self, path_field: str) -> Q:
        """A condition that keeps the rows whose `path_field` is in the viewer's subtrees."""
        if self.everything:
            return Q()
        if not self.prefixes:
            return Q(pk__in=[])
        condition = Q()
        for prefix in self.prefixes:
            condition |= Q(**{f"{path_field}__startswith": prefix})
        return condition

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(prefix) for prefix in self.prefixes)


def viewer_scope(user) -> Scope:
    """The viewer's reach: HR and superusers everything, a manager their units' subtrees."""
    if not getattr(user, "is_authenticated", False):
        return Scope(everything=False)
    if user_is_hr(user) or user_is_superuser(user):
        return Scope(everything=True)
    paths = sorted(set(user.managed_units.values_list("path", flat=True)))
    # a unit inside another managed unit adds nothing
    tops = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    return Scope(everything=False, prefixes=tops)


def _ancestor_paths(path: str) -> list[str]:
    """The paths of a unit and of every unit above it, from the top down."""
    return [path[:end] for end in range(STEPLEN, len(path) + 1, STEPLEN)]


def campaigns_visible_to(user, *, scope: Scope | None = None) -> QuerySet[Campaign]:
    """The campaigns that concern the viewer: HR all; a manager those whose unit is one of
    theirs, below one of theirs, or above one of theirs."""
    scope = scope or viewer_scope(user)
    if scope.everything:
        return Campaign.objects.all()
    if not scope.prefixes:
        return Campaign.objects.none()
    above = {path for prefix in scope.prefixes for path in _ancestor_paths(prefix)}
    return Campaign.objects.filter(scope.q("unit__path") | Q(unit__path__in=above))


def _assignments_in_scope(campaign: Campaign, scope: Scope) -> QuerySet[Assignment]:
    """The campaign's live assignments of people whose unit is in the campaign's subtree and
    in the viewer's (cancelled ones, of leavers, do not count)."""
    return Assignment.objects.filter(
        scope.q(PERSON_PATH),
        campaign=campaign,
        cancelled_at__isnull=True,
        **{f"{PERSON_PATH}__startswith": campaign.unit.path},
    )


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Tally:
    assigned: int = 0
    completed: int = 0
    overdue: int = 0  # open assignments past their due date

    def add(self, other: Tally) -> None:
        self.assigned += other.assigned
        self.completed += other.completed
        self.overdue += other.overdue

    @property
    def ratio(self) -> float | None:
        """Exact completion in percent (for comparisons)."""
        return 100 * self.completed / self.assigned if self.assigned else None

    @property
    def percent(self) -> int | None:
        # rounded down: 100 % only when everything is done
        return self.completed * 100 // self.assigned if self.assigned else None


# --- the campaigns list --------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignRow:
    pk: int
    name: str
    course_title: str
    unit_name: str
    active: bool
    starts_on: date | None  # the first wave's opening day
    ends_on: date | None  # the last wave's due date
    tally: Tally


def campaign_rows(user, *, scope: Scope | None = None) -> list[CampaignRow]:
    """The campaigns the viewer may follow, with their completion within the viewer's scope."""
    scope = scope or viewer_scope(user)
    campaigns = list(
        campaigns_visible_to(user, scope=scope)
        .annotate(starts_on=Min("waves__opens_on"), ends_on=Max("waves__due_on"))
        .values(
            "pk",
            "name",
            "active",
            "course__title",
            "unit__full_name",
            "unit__path",
            "starts_on",
            "ends_on",
        )
        .order_by("-created_at", "-pk")
    )
    if not campaigns:
        return []
    # Counted per campaign and unit (at most campaigns x units rows); people who moved out of
    # a campaign's subtree are dropped in Python, which keeps the SQL to plain prefixes (a
    # LIKE against the joined campaign's path made PostgreSQL plan a nested loop: seconds).
    counts = (
        Assignment.objects.filter(
            scope.q(PERSON_PATH),
            campaign_id__in=[c["pk"] for c in campaigns],
            cancelled_at__isnull=True,
        )
        .values("campaign_id", PERSON_PATH)
        .annotate(
            assigned=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .order_by()
    )
    roots = {c["pk"]: c["unit__path"] for c in campaigns}
    tallies: dict[int, Tally] = defaultdict(Tally)
    for row in counts:
        path = row[PERSON_PATH]
        if path and path.startswith(roots[row["campaign_id"]]):
            tallies[row["campaign_id"]].add(Tally(row["assigned"], row["completed"]))
    return [
        CampaignRow(
            pk=c["pk"],
            name=c["name"],
            course_title=c["course__title"],
            unit_name=c["unit__full_name"],
            active=c["active"],
            starts_on=c["starts_on"],
            ends_on=c["ends_on"],
            tally=tallies.get(c["pk"], Tally()),
        )
        for c in campaigns
    ]


# --- one campaign's cascade ----------------------------------------------------------------------


@dataclass
class WaveRow:
    pk: int
    name: str
    band: str  # the band's label
    opens_on: date
    due_on: date
    gate_percent: int | None
    opened_at: datetime | None
    tally: Tally = field(default_factory=Tally)
    behind: bool = False  # a later wave has a higher completion: the top-down promise broken

    @property
    def opened(self) -> bool:
        return self.opened_at is not None


@dataclass
class LevelRow:
    level: int  # depth in the org tree: 1 = the company, 2 = its divisions, ...
    tally: Tally = field(default_factory=Tally)
    complete_on: date | None = None  # the day the level reached 100 %
    median_on: date | None = None  # the day by which half of its completions were in
    finished_after_below: bool = False


@dataclass
class UnitRow:
    pk: int
    name: str
    full_name: str
    path: str
    level: int
    indent: int  # 0 for a top unit of the table, 1 and 2 below it
    has_children: bool
    tally: Tally = field(default_factory=Tally)
    overdue_past_waves: int = 0  # overdue assignments of waves whose due date has passed
    lagging: bool = False


@dataclass(frozen=True)
class Crumb:
    pk: int | None  # None: the viewer's own top of the table (no ?unit)
    name: str


@dataclass
class Cascade:
    campaign: Campaign
    today: date
    totals: Tally
    waves: list[WaveRow]
    levels: list[LevelRow]
    units: list[UnitRow]
    crumbs: list[Crumb]  # from the viewer's top unit down to the unit the table starts at
    rerooted_at: int | None  # the ?unit the table starts at, None for the viewer's top units

    @property
    def lag_threshold(self) -> float | None:
        """Units below this completion (in percent) lag."""
        ratio = self.totals.ratio
        return None if ratio is None else ratio - LAG_POINTS


def _top_paths(campaign: Campaign, scope: Scope) -> list[str]:
    """Where the viewer's unit table starts: HR at the campaign's unit; a manager at their
    own top units inside the campaign (or the campaign's unit when theirs is above it)."""
    root = campaign.unit.path
    if scope.everything:
        return [root]
    tops = set()
    for prefix in scope.prefixes:
        if root.startswith(prefix):
            tops.add(root)
        elif prefix.startswith(root):
            tops.add(prefix)
    return sorted(p for p in tops if not any(p != q and p.startswith(q) for q in tops))


def _median_day(days: list[tuple[date, int]]) -> date | None:
    """The day by which half of the completions were in (the lower median)."""
    total = sum(n for _, n in days)
    if not total:
        return None
    seen = 0
    for day, n in sorted(days):
        seen += n
        if 2 * seen >= total:
            return day
    return None  # pragma: no cover


def campaign_cascade_for(
    campaign: Campaign, *, scope: Scope, today: date, unit_id: int | None = None
) -> Cascade:
    """A campaign's completion by wave, by org level and by unit down the tree, as the viewer
    may see it. `unit_id` re-roots the unit table (UnitNotVisible when not theirs to see).

    Four queries (five with `unit_id`): waves, counts per unit and wave, completions per level
    and day, the table's units.
    """
    campaign_root = campaign.unit.path
    tops = _top_paths(campaign, scope)

    # the table's top: the viewer's top units, or the unit asked for
    crumb_paths: list[str] = []
    if unit_id is not None:
        unit = (
            OrgUnit.objects.filter(scope.q("path"), pk=unit_id, path__startswith=campaign_root)
            .only("path")
            .first()
        )
        if unit is None:
            raise UnitNotVisible(unit_id)
        home = next((p for p in tops if unit.path.startswith(p)), None)
        if home is None:  # pragma: no cover - tops cover the viewer's part of the campaign
            raise UnitNotVisible(unit_id)
        crumb_paths = [p for p in _ancestor_paths(unit.path) if len(p) >= len(home)]
        table_tops = [unit.path]
    else:
        table_tops = tops

    waves = [
        WaveRow(
            pk=w.pk,
            name=w.name,
            band=w.get_band_display(),
            opens_on=w.opens_on,
            due_on=w.due_on,
            gate_percent=w.gate_percent,
            opened_at=w.opened_at,
        )
        for w in campaign.waves.order_by("sort_order", "pk")
    ]
    wave_by_pk = {w.pk: w for w in waves}

    scoped = _assignments_in_scope(campaign, scope)
    is_open = Q(completed_at__isnull=True)
    counts = (
        scoped.values(PERSON_PATH, "wave_id")
        .annotate(
            assigned=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            overdue=Count("pk", filter=is_open & Q(due_on__lt=today)),
        )
        .order_by()
    )

    table_units: dict[str, UnitRow] = {}
    if table_tops:
        in_table = Q()
        for top in table_tops:
            depth = len(top) // STEPLEN
            in_table |= Q(path__startswith=top, depth__lte=depth + TABLE_LEVELS_BELOW)
        rows = (
            OrgUnit.objects.filter(in_table | Q(path__in=crumb_paths))
            .values("pk", "name", "full_name", "path", "depth", "numchild")
            .order_by("path")
        )
        names: dict[str, tuple[int, str]] = {}
        for row in rows:
            names[row["path"]] = (row["pk"], row["name"])
            top = next((t for t in table_tops if row["path"].startswith(t)), None)
            if top is None:
                continue
            indent = row["depth"] - len(top) // STEPLEN
            if indent > TABLE_LEVELS_BELOW:
                continue
            table_units[row["path"]] = UnitRow(
                pk=row["pk"],
                name=row["name"],
                full_name=row["full_name"],
                path=row["path"],
                level=row["depth"],
                indent=indent,
                has_children=row["numchild"] > 0,
            )
    else:
        names = {}

    totals = Tally()
    levels: dict[int, LevelRow] = {}
    for row in counts:
        path = row[PERSON_PATH]
        tally = Tally(row["assigned"], row["completed"], row["overdue"])
        totals.add(tally)
        wave = wave_by_pk.get(row["wave_id"])
        if wave is not None:
            wave.tally.add(tally)
        level = len(path) // STEPLEN
        levels.setdefault(level, LevelRow(level=level)).tally.add(tally)
        late = row["overdue"] if wave is None or wave.due_on < today else 0
        for ancestor in _ancestor_paths(path):
            unit = table_units.get(ancestor)
            if unit is not None:
                unit.tally.add(tally)
                unit.overdue_past_waves += late

    # completions per level and day: when each level finished, and its median day
    days: dict[int, list[tuple[date, int]]] = defaultdict(list)
    per_day = (
        scoped.filter(completed_at__isnull=False)
        .values(level=F("user__profile__unit__depth"), day=TruncDate("completed_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in per_day:
        days[row["level"]].append((row["day"], row["n"]))
    level_rows = [levels[n] for n in sorted(levels)]
    for row in level_rows:
        row.median_on = _median_day(days[row.level])
        if row.tally.assigned and row.tally.completed == row.tally.assigned:
            row.complete_on = max((day for day, _ in days[row.level]), default=None)
    for upper, lower in pairwise(level_rows):
        behind = upper.tally.ratio < lower.tally.ratio
        later = (
            upper.complete_on is not None
            and lower.complete_on is not None
            and upper.complete_on > lower.complete_on
        )
        upper.finished_after_below = behind or later

    counted = [w for w in waves if w.tally.assigned]
    for n, wave in enumerate(counted):
        wave.behind = any(later.tally.ratio > wave.tally.ratio for later in counted[n + 1 :])

    threshold = None if totals.ratio is None else totals.ratio - LAG_POINTS
    for unit in table_units.values():
        ratio = unit.tally.ratio
        unit.lagging = bool(unit.overdue_past_waves) or (
            ratio is not None and threshold is not None and ratio < threshold
        )

    crumbs = [Crumb(pk=names[p][0], name=names[p][1]) for p in crumb_paths if p in names]
    return Cascade(
        campaign=campaign,
        today=today,
        totals=totals,
        waves=waves,
        levels=level_rows,
        units=list(table_units.values()),
        crumbs=crumbs,
        rerooted_at=unit_id,
    )


CASCADE_TABLES = ("units", "waves", "levels")


def cascade_export_table(cascade: Cascade, table: str = "units") -> tuple[list[str], list[list]]:
    """One table of the page (units, waves or levels) as a header and plain rows."""
    if table == "waves":
        return [
            _("Wave"),
            _("Who"),
            _("Opens"),
            _("Due"),
            _("Gate %"),
            _("Opened"),
            _("Assigned"),
            _("Completed"),
            _("Completed %"),
            _("Overdue"),
            _("Behind a later wave"),
        ], [
            [
                wave.name,
                wave.band,
                wave.opens_on,
                wave.due_on,
                wave.gate_percent,
                timezone.localdate(wave.opened_at) if wave.opened_at else None,
                wave.tally.assigned,
                wave.tally.completed,
                wave.tally.percent,
                wave.tally.overdue,
                _("yes") if wave.behind else _("no"),
            ]
            for wave in cascade.waves
        ]
    if table == "levels":
        return [
            _("Level"),
            _("People assigned"),
            _("Completed"),
            _("Completed %"),
            _("Reached 100 %"),
            _("Median completion"),
            _("Finished after the level below"),
        ], [
            [
                level.level,
                level.tally.assigned,
                level.tally.completed,
                level.tally.percent,
                level.complete_on,
                level.median_on,
                _("yes") if level.finished_after_below else _("no"),
            ]
            for level in cascade.levels
        ]
    header = [
        _("Unit"),
        _("Level"),
        _("People assigned"),
        _("Completed"),
        _("Completed %"),
        _("Overdue"),
        _("Lagging"),
    ]
    rows = [
        [
            unit.full_name,
            unit.level,
            unit.tally.assigned,
            unit.tally.completed,
            unit.tally.percent,
            unit.tally.overdue,
            _("yes") if unit.lagging else _("no"),
        ]
        for unit in cascade.units
    ]
    return header, rows
