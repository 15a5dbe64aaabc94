"""Reminders before a due date, overdue digests to managers and managers' nudges, by email.

Every email is logged as a Notice row first, and goes only for a notice the run created: the
table's unique constraints (one notice per kind, assignment and day; one digest per manager
and day) make the daily job idempotent. Delivery is at most once: if the mail server fails
after the notices are written, those emails are not retried.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from home import roles
from home.models import User
from home.selectors import branding
from learning.models import Assignment, Campaign, Notice, OrgUnit
from learning.rules import reminder_due_today

DEFAULT_REMINDER_DAYS = 3  # for assignments without a campaign (recertifications)
NUDGES_PER_MANAGER_PER_DAY = 20
BATCH_SIZE = 500


@dataclass
class DailyReport:
    """How many notices (one email each) a daily run created."""

    reminders: int = 0
    due: int = 0
    escalations: int = 0


class NudgeRefused(Exception):
    """A nudge the rules do not allow; the message says why, for the manager."""


def _active_person(prefix: str = "") -> Q:
    """An active account, and an active HR profile when the person has one."""
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}profile__isnull": True}) | Q(**{f"{prefix}profile__active": True})
    )


def _open() -> Q:
    """Open, and not from a campaign HR has paused (recertifications have no campaign)."""
    return Q(completed_at__isnull=True, cancelled_at__isnull=True) & (
        Q(campaign__isnull=True) | Q(campaign__active=True)
    )


def notices_send_daily(*, today: date) -> DailyReport:
    """Send today's reminders, due-day emails and one overdue digest per manager, once a day."""
    report = DailyReport()
    longest = Campaign.objects.aggregate(days=Max("reminder_days"))["days"] or 0
    horizon = today + timedelta(days=max(longest, DEFAULT_REMINDER_DAYS))
    with transaction.atomic():
        # Locking the assignments read keeps two runs of the same day apart (PostgreSQL):
        # the second one reads the notices only once the first has committed them.
        assignments = list(
            Assignment.objects.filter(_open(), _active_person("user__"), due_on__lte=horizon)
            .exclude(user__email="")
            .select_related("user", "user__profile__unit", "course", "campaign")
            .select_for_update(of=("self",))
            .order_by("due_on", "pk")
        )
        reminders = _record_reminders(assignments, today)
        digests = _record_escalations(assignments, today)
    messages = []
    for kind, assignment in reminders:
        messages.append(_reminder_message(kind, assignment))
        if kind == Notice.Kind.DUE:
            report.due += 1
        else:
            report.reminders += 1
    for manager, overdue in digests:
        messages.append(_escalation_message(manager, overdue, today))
        report.escalations += 1
    _send(messages)
    return report


def _record_reminders(assignments: list[Assignment], today: date) -> list[tuple[str, Assignment]]:
    """Log today's reminder and due notices; return those that did not exist before."""
    wanted = []
    for assignment in assignments:
        days = (
            assignment.campaign.reminder_days
            if assignment.campaign_id is not None
            else DEFAULT_REMINDER_DAYS
        )
        kind = reminder_due_today(due_on=assignment.due_on, today=today, reminder_days=days)
        if kind is not None:
            wanted.append((kind, assignment))
    if not wanted:
        return []
    kinds = [Notice.Kind.REMINDER, Notice.Kind.DUE]
    existing = set(
        Notice.objects.filter(day=today, kind__in=kinds)
        .order_by()
        .values_list("kind", "assignment_id")
    )
    new = [(kind, a) for kind, a in wanted if (kind, a.pk) not in existing]
    Notice.objects.bulk_create(
        [Notice(kind=kind, recipient_id=a.user_id, assignment=a, day=today) for kind, a in new],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    return new


def _record_escalations(
    assignments: list[Assignment], today: date
) -> list[tuple[User, list[Assignment]]]:
    """Log one digest per manager with overdue reports; return the managers new today."""
    overdue = [
        a
        for a in assignments
        if a.due_on < today
        and getattr(a.user, "profile", None) is not None
        and a.user.profile.unit_id is not None
    ]
    if not overdue:
        return []
    # managers by the path of each unit they manage; a person's managers are those of every
    # unit on the path from the root to their own unit
    managers_at: dict[str, list[User]] = defaultdict(list)
    links = (
        OrgUnit.managers.through.objects.filter(
            _active_person("user__"), user__groups__name=roles.MANAGERS
        )
        .exclude(user__email="")
        .select_related("user", "orgunit")
    )
    for link in links:
        managers_at[link.orgunit.path].append(link.user)
    reports: dict[int, list[Assignment]] = defaultdict(list)
    recipients: dict[int, User] = {}
    step = OrgUnit.steplen
    for assignment in overdue:
        path = assignment.user.profile.unit.path
        seen = set()
        for end in range(step, len(path) + 1, step):
            for manager in managers_at.get(path[:end], ()):
                if manager.pk == assignment.user_id or manager.pk in seen:
                    continue  # a manager is not their own report
                seen.add(manager.pk)
                recipients[manager.pk] = manager
                reports[manager.pk].append(assignment)
    if not recipients:
        return []
    existing = set(
        Notice.objects.filter(day=today, kind=Notice.Kind.ESCALATION).values_list(
            "recipient_id", flat=True
        )
    )
    new = [pk for pk in recipients if pk not in existing]
    Notice.objects.bulk_create(
        [Notice(kind=Notice.Kind.ESCALATION, recipient_id=pk, day=today) for pk in new],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    return [(recipients[pk], reports[pk]) for pk in new]


@transaction.atomic
def nudge_send(*, sender, assignment: Assignment, today: date) -> Notice:
    """Log a nudge about an open, overdue assignment and email it on commit (rate limited)."""
    # Who may nudge whom is the caller's check (learning.permissions.user_can_nudge).
    # The sender's row serialises their nudges, so the daily limit holds under double clicks.
    User.objects.select_for_update().filter(pk=sender.pk).first()
    assignment = Assignment.objects.select_related("user", "course").get(pk=assignment.pk)
    person = assignment.user
    values = {
        "name": person.display_name,
        "course": assignment.course.title,
        "date": date_format(assignment.due_on),
        "limit": NUDGES_PER_MANAGER_PER_DAY,
    }
    if not assignment.is_open:
        raise NudgeRefused(
            _("%(name)s has nothing left to do for “%(course)s”: no reminder sent.") % values
        )
    if not person.is_active or not person.email:
        raise NudgeRefused(_("%(name)s can no longer be emailed: no reminder sent.") % values)
    if assignment.due_on >= today:
        raise NudgeRefused(
            _("“%(course)s” is not overdue for %(name)s yet (due %(date)s): no reminder sent.")
            % values
        )
    sent_today = Notice.objects.filter(kind=Notice.Kind.NUDGE, sender=sender, day=today).count()
    if sent_today >= NUDGES_PER_MANAGER_PER_DAY:
        raise NudgeRefused(
            _(
                "You have already sent %(limit)s reminders today, the most allowed in a day. "
                "Try again tomorrow."
            )
            % values
        )
    notice = Notice(
        kind=Notice.Kind.NUDGE, sender=sender, recipient=person, assignment=assignment, day=today
    )
    notice.full_clean(validate_constraints=False)  # the constraint is checked by the insert
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        raise NudgeRefused(
            _("%(name)s was already reminded about “%(course)s” today.") % values
        ) from None
    message = _nudge_message(sender, assignment)
    transaction.on_commit(lambda: _send([message]), robust=True)
    return notice


# --- emails -------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _organisation() -> str:
    return branding().organisation_name or "CX Academy"


def _message(template: str, context: dict, to: str, **kwargs) -> EmailMultiAlternatives:
    """An email from learning/email/<template>_subject.txt, .txt and .html."""
    context = {"organisation": _organisation(), **context}
    subject = render_to_string(f"learning/email/{template}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"learning/email/{template}.txt", context),
        to=[to],
        **kwargs,
    )
    message.attach_alternative(
        render_to_string(f"learning/email/{template}.html", context), "text/html"
    )
    return message


def _reminder_message(kind: str, assignment: Assignment) -> EmailMultiAlternatives:
    context = {
        "user": assignment.user,
        "course": assignment.course.title,
        "due_on": assignment.due_on,
        "due_today": kind == Notice.Kind.DUE,
        "link": _absolute(reverse("learning:my_learning")),
    }
    return _message("reminder", context, assignment.user.email)


def _escalation_message(
    manager: User, overdue: list[Assignment], today: date
) -> EmailMultiAlternatives:
    rows = sorted(
        (
            {
                "name": a.user.display_name,
                "course": a.course.title,
                "due_on": a.due_on,
                "days_late": (today - a.due_on).days,
            }
            for a in overdue
        ),
        key=lambda row: (row["due_on"], row["name"]),
    )
    context = {
        "user": manager,
        "rows": rows,
        "count": len(rows),
        "people": len({a.user_id for a in overdue}),
        "link": _absolute(reverse("learning:team_dashboard")),
    }
    return _message("escalation", context, manager.email)


def _nudge_message(sender, assignment: Assignment) -> EmailMultiAlternatives:
    context = {
        "user": assignment.user,
        "sender": sender.display_name,
        "course": assignment.course.title,
        "due_on": assignment.due_on,
        "link": _absolute(reverse("learning:my_learning")),
    }
    reply_to = [sender.email] if sender.email else None
    return _message("nudge", context, assignment.user.email, reply_to=reply_to)


def _send(messages: list[EmailMultiAlternatives]) -> int:
    """Send over one connection."""
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
