"""Read queries for the organisation, scoped by subtree in SQL (never filtered in Python)."""

from django.db.models import Q, QuerySet

from home.permissions import user_is_hr, user_is_superuser
from learning.models import EmployeeProfile, OrgUnit


def units_visible_to(user) -> QuerySet[OrgUnit]:
    """The units someone may follow: those they manage and everything below them.

    HR sees every unit. A manager never sees a sibling or a parent of their units: the tree's
    materialised path makes each subtree one prefix condition.
    """
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    if user_is_hr(user) or user_is_superuser(user):
        return OrgUnit.objects.all()
    prefixes = list(user.managed_units.values_list("path", flat=True))
    if not prefixes:
        return OrgUnit.objects.none()
    below = Q()
    for prefix in prefixes:
        below |= Q(path__startswith=prefix)
    return OrgUnit.objects.filter(below)


def people_visible_to(user, *, include_leavers: bool = False) -> QuerySet[EmployeeProfile]:
    """The employee profiles in the units someone may follow."""
    people = EmployeeProfile.objects.filter(unit__in=units_visible_to(user))
    if not include_leavers:
        people = people.filter(active=True)
    return people.select_related("user", "unit")
