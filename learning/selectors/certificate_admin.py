"""Read queries for HR's certificate screens: the filters HR may apply, checked the same way for
the list and for a bulk download, and the one query both of them run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateInput

from courses.models import CoursePage
from learning.models import Certificate, CertificateStatus, OrgUnit

FILTER_NAMES = ("unit", "course", "issued_from", "issued_to", "status")
SEARCH_NAME = "q"
SEARCH_MAX = 100
DESCRIPTION_MAX = 300


class CertificateFilterForm(forms.Form):
    """The fields come from the filter set; this checks what spans them."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            raise ValidationError(
                _("The 'issued from' date is after the 'issued to' date. Swap them.")
            )
        return cleaned


def _units(request):
    return OrgUnit.objects.order_by("path")


def _courses(request):
    return CoursePage.objects.order_by("title", "pk")


def _unchanged(queryset, name, value):
    # The filters are applied together by certificates_for_hr (the list and bulk downloads
    # share it), not one by one.
    return queryset


_DATE_ERRORS = {"invalid": gettext_lazy("Enter a real date, such as 2031-03-31.")}


class CertificateFilterSet(django_filters.FilterSet):
    """HR's certificate filters: the form the list shows, and the checks on any input."""

    unit = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Org unit (and below)"),
        queryset=_units,
        method=_unchanged,
        empty_label=gettext_lazy("All units"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "That org unit does not exist (any more). Choose one from the list."
            )
        },
    )
    course = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Course"),
        queryset=_courses,
        method=_unchanged,
        empty_label=gettext_lazy("All courses"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "That course does not exist (any more). Choose one from the list."
            )
        },
    )
    issued_from = django_filters.DateFilter(
        label=gettext_lazy("Issued from"),
        method=_unchanged,
        widget=AdminDateInput,
        error_messages=_DATE_ERRORS,
    )
    issued_to = django_filters.DateFilter(
        label=gettext_lazy("Issued to"),
        method=_unchanged,
        widget=AdminDateInput,
        error_messages=_DATE_ERRORS,
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=CertificateStatus.choices,
        method=_unchanged,
        widget=forms.RadioSelect,
        empty_label=gettext_lazy("All"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose a status: valid, expired or revoked.")
        },
    )

    class Meta:
        model = Certificate
        fields = []
        form = CertificateFilterForm

    def problems(self) -> list[str]:
        """What is wrong with the values given, each with the filter's name, in plain words."""
        if self.is_valid():
            return []
        form = self.form
        problems = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            for error in errors:
                problems.append(f"{label}: {error}" if label else str(error))
        return problems


def _search_term(raw) -> str:
    term = (raw or "").strip()
    if len(term) > SEARCH_MAX:
        raise ValidationError(
            _("Search for at most %(max)s characters: part of a name or a code.")
            % {"max": SEARCH_MAX}
        )
    return term


def certificate_filters_from(filterset: CertificateFilterSet, search: str = "") -> dict:
    """The checked filters as plain JSON values (ids, ISO dates), empty ones left out."""
    problems = filterset.problems()
    try:
        term = _search_term(search)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)
    data = filterset.form.cleaned_data
    filters = {}
    for name in ("unit", "course"):
        if data.get(name) is not None:
            filters[name] = data[name].pk
    for name in ("issued_from", "issued_to"):
        if data.get(name):
            filters[name] = data[name].isoformat()
    if data.get("status"):
        filters["status"] = data["status"]
    if term:
        filters[SEARCH_NAME] = term
    return filters


def certificate_filters_clean(data: Mapping) -> dict:
    """Check raw filter values (a query string, a form); the plain filters, or ValidationError."""
    raw = {name: data.get(name) for name in FILTER_NAMES if data.get(name) not in (None, "")}
    return certificate_filters_from(CertificateFilterSet(data=raw), data.get(SEARCH_NAME, ""))


def certificate_filters_describe(filters: Mapping) -> str:
    """The filters in words, for a download's title: 'Course: X · Status: Valid'."""
    parts = []
    if filters.get("unit"):
        unit = OrgUnit.objects.filter(pk=filters["unit"]).values_list("full_name", flat=True)
        parts.append(_("Unit: %(unit)s") % {"unit": unit.first() or "?"})
    if filters.get("course"):
        title = CoursePage.objects.filter(pk=filters["course"]).values_list("title", flat=True)
        parts.append(_("Course: %(course)s") % {"course": title.first() or "?"})
    if filters.get("issued_from"):
        day = date_format(date.fromisoformat(filters["issued_from"]), "DATE_FORMAT")
        parts.append(_("Issued from %(day)s") % {"day": day})
    if filters.get("issued_to"):
        day = date_format(date.fromisoformat(filters["issued_to"]), "DATE_FORMAT")
        parts.append(_("Issued to %(day)s") % {"day": day})
    if filters.get("status"):
        parts.append(
            _("Status: %(status)s") % {"status": CertificateStatus(filters["status"]).label}
        )
    if filters.get(SEARCH_NAME):
        parts.append(_("Search: “%(term)s”") % {"term": filters[SEARCH_NAME]})
    text = " · ".join(str(p) for p in parts) or _("All certificates")
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def certificates_for_hr(filters: Mapping, *, today: date) -> QuerySet[Certificate]:
    """Certificates matching checked filters (see certificate_filters_clean), newest first,
    each with `status_now` on `today`."""
    queryset = Certificate.objects.select_related("user__profile__unit", "course").with_status(
        today
    )
    if filters.get("unit"):
        # the holder's primary unit is the chosen unit or below it: a prefix of the tree path
        path = OrgUnit.objects.filter(pk=filters["unit"]).values("path")[:1]
        queryset = queryset.filter(user__profile__unit__path__startswith=Subquery(path))
    if filters.get("course"):
        queryset = queryset.filter(course_id=filters["course"])
    if filters.get("issued_from"):
        queryset = queryset.filter(
            issued_at__gte=_start_of(date.fromisoformat(filters["issued_from"]))
        )
    if filters.get("issued_to"):
        end = date.fromisoformat(filters["issued_to"]) + timedelta(days=1)
        queryset = queryset.filter(issued_at__lt=_start_of(end))
    if filters.get("status"):
        queryset = queryset.in_status(filters["status"], today)
    if filters.get(SEARCH_NAME):
        term = filters[SEARCH_NAME]
        queryset = queryset.filter(Q(learner_name__icontains=term) | Q(code__icontains=term))
    return queryset.order_by("-issued_at", "-pk")
