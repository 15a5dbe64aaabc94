"""Certificates: issued when a course is complete, renewed by completing it again, revoked and
reissued by HR. Rendering (PDF, Open Badges) lives in `learning.certificates_pdf` and
`learning.openbadges`; these functions only change state."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import ModuleProgress, ScenarioAttempt
from courses.models import CoursePage
from learning.models import Certificate
from learning.rules import add_months
from learning.services.rollout import course_live_module_ids, course_path_of

logger = logging.getLogger(__name__)

# A course can be renewed (played through again for a new certificate) from this many days
# before its certificate expires: the same lead as a recertification assignment.
RENEWAL_LEAD_DAYS = 30
REASON_MAX = 500


def certificate_title_for(course: CoursePage) -> str:
    return course.certificate_title or course.title


def _expires_on(issued_on: date, validity_months: int) -> date | None:
    return add_months(issued_on, validity_months) if validity_months else None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _course_complete(user_id: int, module_ids: list[int]) -> bool:
    if not module_ids:
        return False
    completed = ModuleProgress.objects.filter(
        user_id=user_id, module_id__in=module_ids, status=ModuleProgress.Status.COMPLETED
    ).count()
    return completed == len(module_ids)


def _replayed_since(user_id: int, module_ids: list[int], since: datetime) -> bool:
    replayed = (
        ScenarioAttempt.objects.filter(
            user_id=user_id, module_id__in=module_ids, finished_at__gte=since
        )
        .values("module_id")
        .distinct()
        .count()
    )
    return replayed == len(module_ids)


def _renewal_opens_on(certificate: Certificate) -> date | None:
    if certificate.expires_on is None:
        return None
    return certificate.expires_on - timedelta(days=RENEWAL_LEAD_DAYS)


def certificate_issue_if_due(*, user, course: CoursePage, now=None) -> Certificate | None:
    """Issue the person's certificate for a course they have just completed, or renewed.

    First completion: a certificate. After that a new one only when the latest is within
    RENEWAL_LEAD_DAYS of expiring (or expired) and every module was played through again
    since that window opened. A revoked latest certificate blocks automatic issue: HR
    decides (reissue). Returns the new certificate, or None.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # the person's row serialises two completions finishing at the same moment
        type(user).objects.select_for_update().filter(pk=user.pk).exists()
        latest = (
            Certificate.objects.filter(user_id=user.pk, course_id=course.pk)
            .order_by("-issued_at", "-pk")
            .first()
        )
        module_ids = course_live_module_ids(course.pk)
        if latest is not None:
            opens_on = _renewal_opens_on(latest)
            if latest.revoked_at is not None or opens_on is None or today < opens_on:
                return None
            if not _replayed_since(user.pk, module_ids, _start_of(opens_on)):
                return None
        if not _course_complete(user.pk, module_ids):
            return None
        certificate = Certificate(
            user=user,
            course=course,
            learner_name=user.display_name,
            course_title=certificate_title_for(course),
            issued_at=now,
            expires_on=_expires_on(today, course.validity_months),
        )
        certificate.full_clean()
        certificate.save()
        certificate_id = certificate.pk
        transaction.on_commit(lambda: _send_issued_email(certificate_id))
    return certificate


def certificates_check_completion(
    *, user_id: int, module_id: int, course_path: str | None = None
) -> Certificate | None:
    """A module of some course was completed (or played again): issue what became due.

    Two queries when nothing is due (the module's course path, unless the caller gives it,
    and the latest certificate).
    """
    course_path = course_path or course_path_of(module_id)
    if course_path is None:
        return None
    latest = (
        Certificate.objects.filter(user_id=user_id, course__path=course_path)
        .only("revoked_at", "expires_on")
        .order_by("-issued_at", "-pk")
        .first()
    )
    if latest is not None:
        opens_on = _renewal_opens_on(latest)
        if latest.revoked_at is not None or opens_on is None:
            return None
        if timezone.localdate() < opens_on:
            return None
    course = CoursePage.objects.filter(path=course_path).first()
    if course is None:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    return certificate_issue_if_due(user=user, course=course)


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke a certificate, with who and why (the verification page says it is revoked)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}}
        )
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This certificate was already revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.revoked_reason = reason
        locked.full_clean()
        locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    logger.info(
        "certificate revoked",
        extra={"certificate": locked.code, "by": getattr(by, "pk", None), "reason": reason},
    )
    return locked


def certificate_reissue(*, certificate: Certificate, by, reason: str = "") -> Certificate:
    """Print a certificate again under a new code, with the learner's and course's current
    names, the same issue and expiry dates; the old one is revoked as replaced.

    For a corrected name, or a certificate revoked by mistake. An expired certificate is
    renewed by completing the course again, not reissued.
    """
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the joins
        old = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("user", "course")
            .get(pk=certificate.pk)
        )
        if Certificate.objects.filter(replaces=old).exists():
            raise ValidationError(_("This certificate was already reissued."))
        if old.expires_on is not None and old.expires_on <= timezone.localdate():
            raise ValidationError(
                _("This certificate has expired: the learner renews it by completing the course.")
            )
        new = Certificate(
            user=old.user,
            course=old.course,
            learner_name=old.user.display_name if old.user else old.learner_name,
            course_title=certificate_title_for(old.course) if old.course else old.course_title,
            issued_at=old.issued_at,
            expires_on=old.expires_on,
            replaces=old,
        )
        new.full_clean()
        new.save()
        if old.revoked_at is None:
            old.revoked_at = timezone.now()
            old.revoked_by = by
            old.revoked_reason = (
                _("Reissued as %(code)s.") % {"code": new.code} + (f" {reason}" if reason else "")
            )[:REASON_MAX]
            old.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    logger.info(
        "certificate reissued",
        extra={"certificate": old.code, "new": new.code, "by": getattr(by, "pk", None)},
    )
    return new


def _absolute(url: str) -> str:
    from django.conf import settings

    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def certificate_verify_url(certificate: Certificate) -> str:
    """The public verification page's absolute URL, printed on the PDF and in the QR code."""
    return _absolute(reverse("learning:verify", args=[certificate.code]))


def _send_issued_email(certificate_id: int) -> None:
    from home.selectors import branding

    certificate = Certificate.objects.select_related("user").filter(pk=certificate_id).first()
    if certificate is None or certificate.user is None or not certificate.user.email:
        return
    context = {
        "user": certificate.user,
        "certificate": certificate,
        "link": _absolute(reverse("learning:certificates")),
        "verify_link": certificate_verify_url(certificate),
        "organisation": branding().organisation_name or "CX Academy",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("learning/email/certificate_issued_subject.txt", context).strip(),
        body=render_to_string("learning/email/certificate_issued.txt", context),
        to=[certificate.user.email],
    )
    message.attach_alternative(
        render_to_string("learning/email/certificate_issued.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:  # the certificate exists either way; My certificates shows it
        logger.exception("Could not email certificate %s", certificate_id)
