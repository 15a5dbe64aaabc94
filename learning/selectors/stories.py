"""Read queries for employees' stories: one's own, and those a manager's people shared."""

from django.db.models import Prefetch, QuerySet

from courses.models import ModulePage
from home.permissions import user_is_manager
from learning.models import StorySubmission
from learning.permissions import user_is_hr_or_admin
from learning.selectors.org import people_visible_to


def _with_live_modules(submissions: QuerySet[StorySubmission]) -> QuerySet[StorySubmission]:
    # `story.live_modules`: the published modules drawn from the story, in one query for all
    live = ModulePage.objects.live().defer_streamfields().order_by("path")
    return submissions.select_related("story").prefetch_related(
        Prefetch("story__modules", queryset=live, to_attr="live_modules")
    )


def stories_submitted_by(user) -> QuerySet[StorySubmission]:
    """The stories a person submitted, newest first, each with the live modules drawn from it."""
    return _with_live_modules(StorySubmission.objects.filter(submitter=user)).order_by(
        "-created_at", "-pk"
    )


def stories_visible_to_manager(user) -> QuerySet[StorySubmission]:
    """Stories that people in a manager's subtree shared with their name (HR: everyone's).

    Anonymous submissions never appear here, and neither do the person's own.
    """
    if not getattr(user, "is_authenticated", False):
        return StorySubmission.objects.none()
    submissions = StorySubmission.objects.filter(anonymous=False).exclude(submitter=user)
    if not user_is_hr_or_admin(user):
        if not user_is_manager(user):
            return StorySubmission.objects.none()
        people = people_visible_to(user).values("user_id")
        submissions = submissions.filter(submitter_id__in=people)
    return (
        _with_live_modules(submissions)
        .select_related("submitter", "submitter__profile__unit")
        .order_by("-created_at", "-pk")
    )
