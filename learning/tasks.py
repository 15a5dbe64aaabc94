"""Background work: invitations, campaign waves and assignments, the daily notices."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from home.models import User
from home.selectors import branding


def invitation_link(user) -> str:
    """A one-time link to set a password (allauth's reset-from-key view)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@task()
def sync_campaigns(day: str) -> dict:
    """Open the waves whose day has come and assign everyone they reach (late joiners too)."""
    from datetime import date

    from learning.services.rollout import campaigns_sync_all

    results = campaigns_sync_all(today=date.fromisoformat(day))
    return {
        "campaigns": len(results),
        "opened": sum(len(r.opened) for r in results),
        "assigned": sum(r.assigned for r in results),
        "cancelled": sum(r.cancelled for r in results),
    }


@task()
def assign_recertifications(day: str) -> int:
    """Assign courses again to people whose completion expires within the lead time."""
    from datetime import date

    from learning.services.rollout import recertifications_assign

    return recertifications_assign(today=date.fromisoformat(day))


@task()
def send_invitations(user_ids: list[int]) -> int:
    """Email each new, active person a link to set their password; returns how many were sent."""
    people = User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    organisation = branding().organisation_name or "CX Academy"
    messages = []
    for user in people:
        context = {"user": user, "link": invitation_link(user), "organisation": organisation}
        message = EmailMultiAlternatives(
            subject=render_to_string("learning/email/invitation_subject.txt", context).strip(),
            body=render_to_string("learning/email/invitation.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("learning/email/invitation.html", context), "text/html"
        )
        messages.append(message)
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


@task()
def send_daily_notices(day: str) -> dict:
    """Today's reminders, due-day emails and overdue digests to managers; returns the counts."""
    from dataclasses import asdict
    from datetime import date

    from learning.services.notices import notices_send_daily

    return asdict(notices_send_daily(today=date.fromisoformat(day)))


@task()
def build_certificate_batch(batch_id: int) -> dict:
    """Build an HR bulk download (a ZIP of certificate PDFs) into private storage."""
    from learning.services.certificate_batches import batch_build

    batch = batch_build(batch_id=batch_id)
    return {"status": batch.status, "done": batch.done, "size": batch.size}
