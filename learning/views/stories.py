"""Employees tell the trainers a customer story; managers read the ones their people shared."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from home.permissions import user_can_view_team
from learning.forms import StorySubmitForm
from learning.permissions import user_can_submit_story
from learning.selectors.stories import stories_submitted_by, stories_visible_to_manager
from learning.services import stories as story_services

TEAM_STORIES_PER_PAGE = 50


@login_required
@require_http_methods(["GET"])
def story_list(request):
    if not user_can_submit_story(request.user):
        raise PermissionDenied
    context = {"submissions": list(stories_submitted_by(request.user))}
    if user_can_view_team(request.user):
        paginator = Paginator(stories_visible_to_manager(request.user), TEAM_STORIES_PER_PAGE)
        context["team_page"] = paginator.get_page(request.GET.get("page"))
    return render(request, "learning/story_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def story_submit(request):
    if not user_can_submit_story(request.user):
        raise PermissionDenied
    form = StorySubmitForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            story_services.story_submit(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Thank you: your story is with the trainers. We will email you if it "
                    "becomes a module."
                ),
            )
            return redirect("learning:my_stories")
    return render(request, "learning/story_submit.html", {"form": form})
