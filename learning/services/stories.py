"""Employees' customer stories: a submission becomes a draft Story for the trainers, and its
teller hears back once a module drawn from it goes live."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Story
from courses.services import story_create_draft
from learning.models import StorySubmission

logger = logging.getLogger(__name__)


def _duplicate_title_error() -> ValidationError:
    return ValidationError(
        {
            "title": _(
                "There is already a story with this title. Give yours a title of its own, "
                "for example with the place or the month in it."
            )
        }
    )


def story_submit(
    *,
    user,
    title: str,
    summary: str,
    source: str,
    touchpoint: str,
    missing_e: str,
    body: str,
    anonymous: bool,
) -> StorySubmission:
    """Record an employee's story as a draft Story (with a revision) and its submission."""
    if Story.objects.filter(title=title).exists():
        raise _duplicate_title_error()
    data = {
        "title": title,
        "summary": summary,
        "source": source,
        "touchpoint": touchpoint,
        "missing_e": missing_e,
        "body": body,
    }
    try:
        with transaction.atomic():
            story = story_create_draft(data=data, submitted_by=user)
            submission = StorySubmission(story=story, submitter=user, anonymous=anonymous)
            submission.full_clean()
            submission.save()
    except IntegrityError as exc:  # the same title submitted at the same moment
        if Story.objects.filter(title=title).exists():
            raise _duplicate_title_error() from exc
        raise
    return submission


def _absolute(url: str) -> str:
    if url.startswith("/"):
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url
    return url


def _send_published_email(submission_id: int, module_id: int) -> None:
    from courses.models import ModulePage
    from home.selectors import branding

    submission = (
        StorySubmission.objects.select_related("story", "submitter").filter(pk=submission_id)
    ).first()
    module = ModulePage.objects.filter(pk=module_id).first()
    if submission is None or module is None or not submission.submitter.email:
        return
    context = {
        "user": submission.submitter,
        "story": submission.story,
        "module": module,
        "link": _absolute(module.get_url() or "/"),
        "organisation": branding().organisation_name or "CX Academy",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("learning/email/story_published_subject.txt", context).strip(),
        body=render_to_string("learning/email/story_published.txt", context),
        to=[submission.submitter.email],
    )
    message.attach_alternative(
        render_to_string("learning/email/story_published.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:  # a mail outage must not fail the trainer's publish, already committed
        logger.exception("Could not tell submitter of story %s about its module", submission_id)


def stories_notify_published(*, module) -> StorySubmission | None:
    """Tell the employee whose story a just-published module is drawn from, once."""
    if not module.story_id:
        return None
    with transaction.atomic():
        submission = StorySubmission.objects.filter(
            story_id=module.story_id, notified_at__isnull=True
        ).first()
        if submission is None:
            return None
        now = timezone.now()
        # claimed by a conditional update, so two publishes at once send one email
        claimed = StorySubmission.objects.filter(pk=submission.pk, notified_at__isnull=True).update(
            notified_at=now
        )
        if not claimed:
            return None
        submission.notified_at = now
        submission_id, module_id = submission.pk, module.pk
        transaction.on_commit(lambda: _send_published_email(submission_id, module_id))
    return submission
