"""The team page: a manager (or HR) follows their people's learning and nudges the late ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from home.models import User
from home.permissions import user_can_view_team
from learning.models import Assignment
from learning.permissions import user_can_nudge, user_can_view_learning_of, user_is_hr_or_admin
from learning.selectors.certificates import certificates_of
from learning.selectors.my_learning import my_learning as my_learning_for
from learning.selectors.team import team_overview
from learning.services.notices import NudgeRefused, nudge_send


@login_required
def team_dashboard(request):
    if not user_can_view_team(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "learning/team.html",
        {"overview": team_overview(request.user, today=today), "today": today},
    )


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
            "may_download_certificates": user_is_hr_or_admin(request.user),
            "today": today,
        },
    )
