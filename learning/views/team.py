"""The team page: a manager (or HR) follows their people's learning and nudges the late ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from home.exports import FORMATS, export_response
from home.models import User
from home.permissions import user_can_view_team
from home.security import log_hidden_refusal
from learning.dashboard_charts import (
    module_completion_chart,
    three_e_chart,
    weekly_completion_chart,
)
from learning.forms import DashboardFilterForm
from learning.models import Assignment
from learning.permissions import user_can_nudge, user_can_view_learning_of, user_is_hr_or_admin
from learning.selectors.certificates import certificates_of
from learning.selectors.dashboard import (
    ScopeNotVisible,
    dashboard_figures,
    dashboard_scope,
    filter_campaigns,
    filter_units,
    heatmap,
    heatmap_all_rows,
    shared_reflections,
)
from learning.selectors.my_learning import my_learning as my_learning_for
from learning.selectors.team import person_modules
from learning.services.notices import NudgeRefused, nudge_send


def _dashboard_request(request):
    """The viewer's filters and scope; 404 for a unit or campaign that is not theirs."""
    if not user_can_view_team(request.user):
        raise PermissionDenied
    form = DashboardFilterForm(
        request.GET or None,
        units=filter_units(request.user),
        campaigns=filter_campaigns(request.user),
    )
    filters = form.cleaned_or_default()
    try:
        scope = dashboard_scope(
            request.user, unit_id=filters["unit"], campaign_id=filters["campaign"]
        )
    except ScopeNotVisible:
        log_hidden_refusal(request, "team scope")
        raise Http404 from None
    return form, filters, scope


def _query(filters, **changes) -> str:
    values = {**filters, **changes}
    return urlencode({key: value for key, value in values.items() if value not in (None, "")})


@login_required
def team_dashboard(request):
    form, filters, scope = _dashboard_request(request)
    today = timezone.localdate()
    figures = dashboard_figures(scope, today=today)
    grid = heatmap(
        scope,
        today=today,
        status=filters["status"],
        sort=filters["sort"],
        page_number=request.GET.get("page", 1),
    )
    return TemplateResponse(
        request,
        "learning/team.html",
        {
            "form": form,
            "filters": filters,
            "scope": scope,
            "figures": figures,
            "heatmap": grid,
            "module_chart": module_completion_chart(figures),
            "weeks_chart": weekly_completion_chart(figures, len(scope.modules)),
            "three_e_chart": three_e_chart(figures),
            "reflections": shared_reflections(scope),
            "query": _query(filters),
            "sort_links": {
                key: _query(filters, sort=key if filters["sort"] != key else f"-{key}")
                for key in ("name", "unit", "completion", "score")
            },
            "page_query": _query(filters, sort=filters["sort"]),
            "today": today,
        },
    )


EXPORT_TABLES = ("people", "modules", "weeks", "three-e")


@login_required
def team_export(request, table, fmt):
    """A dashboard table as CSV or XLSX, with the page's scope and filters."""
    if table not in EXPORT_TABLES or fmt not in FORMATS:
        raise Http404
    _form, filters, scope = _dashboard_request(request)
    today = timezone.localdate()
    name = f"team-{table}-{today.isoformat()}"
    if table == "people":
        header = [
            _("Person"),
            _("Email"),
            _("Job title"),
            _("Unit"),
            *[module.title for module in scope.modules],
            _("Modules completed"),
            _("Average score %"),
            _("Overdue courses"),
        ]
        rows = (
            [
                row.name,
                row.email,
                row.job_title,
                row.unit_name,
                *[cell.export_value for cell in row.cells],
                row.completed,
                None if row.average_score is None else round(row.average_score, 1),
                row.overdue,
            ]
            for row in heatmap_all_rows(
                scope, today=today, status=filters["status"], sort=filters["sort"]
            )
        )
        return export_response(filename=name, header=header, rows=rows, fmt=fmt)
    figures = dashboard_figures(scope, today=today)
    people = figures.headline.people
    if table == "modules":
        header = [
            _("Course"),
            _("Module"),
            _("People in view"),
            _("Completed"),
            _("In progress"),
            _("Completed %"),
            _("Average best score %"),
        ]
        rows = [
            [
                row.module.course_title,
                row.module.title,
                people,
                row.completed,
                row.in_progress,
                None if not people else round(row.percent_of(people), 1),
                None if row.average_score is None else round(row.average_score, 1),
            ]
            for row in figures.modules
        ]
    elif table == "three-e":
        header = [_("Who"), _("Engagement"), _("Education"), _("Empowerment"), _("Choices")]
        rows = [
            [
                label,
                *(
                    None if v is None else round(v, 3)
                    for v in (e.engagement, e.education, e.empowerment)
                ),
                e.choices,
            ]
            for label, e in (
                (_("In view"), figures.team_three_e),
                (_("Whole company"), figures.company_three_e),
            )
        ]
    else:
        target = people * len(scope.modules)
        header = [_("Week starting"), _("Completed that week"), _("Completed in all"), _("%")]
        rows = [
            [
                week.week_start,
                week.completed,
                week.cumulative,
                round(100 * week.cumulative / target, 1) if target else None,
            ]
            for week in figures.weeks
        ]
    return export_response(filename=name, header=header, rows=rows, fmt=fmt)


@require_POST
@login_required
def nudge(request, pk):
    assignment = get_object_or_404(Assignment.objects.select_related("user", "course"), pk=pk)
    if not user_can_nudge(request.user, assignment):
        raise PermissionDenied
    try:
        nudge_send(sender=request.user, assignment=assignment, today=timezone.localdate())
    except NudgeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, _("Reminder sent to %(name)s.") % {"name": assignment.user.display_name}
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("learning:team_dashboard")


@login_required
def person_learning(request, user_id):
    """One person's assignments, progress and refreshers, for their manager (or HR)."""
    person = get_object_or_404(User.objects.select_related("profile__unit"), pk=user_id)
    if person.pk == request.user.pk:
        return redirect("learning:my_learning")
    if not user_can_view_learning_of(request.user, person):
        log_hidden_refusal(request, "person")
        raise Http404  # someone else's records: not even their existence is confirmed
    today = timezone.localdate()
    learning = my_learning_for(person, today=today, request=request)
    may_nudge = user_can_view_team(request.user)
    certificates = list(certificates_of(person))
    for certificate in certificates:
        certificate.status_today = certificate.status_on(today)
    return TemplateResponse(
        request,
        "learning/person_learning.html",
        {
            "person": person,
            "profile": getattr(person, "profile", None),
            "learning": learning,
            "may_nudge": may_nudge,
            "certificates": certificates,
            "modules": person_modules(person.pk),
            "may_download_certificates": user_is_hr_or_admin(request.user),
            "today": today,
        },
    )
