"""Certificates: issued on course completion, verifiable by anyone, revocable by HR."""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CODE_BYTES = 15  # 120 random bits: 20 URL-safe characters, never guessed, never enumerated


def new_certificate_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def _private_storage():
    """Where files only signed-in people with a right to them may fetch (never MEDIA_URL)."""
    from django.core.files.storage import storages

    return storages["private"]


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


def status_of(*, revoked_at, expires_on: date | None, today: date) -> str:
    """Valid, expired or revoked on `today` (the rule `with_status` also writes in SQL)."""
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if expires_on is not None and expires_on <= today:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def last_valid_day(expires_on: date | None) -> date | None:
    """`expires_on` is the first day a certificate is no longer valid; print the day before."""
    return expires_on - timedelta(days=1) if expires_on else None


class CertificateQuerySet(models.QuerySet):
    def with_status(self, today: date):
        """Annotate `status_now` (valid / expired / revoked on `today`) in SQL, for filters."""
        return self.annotate(
            status_now=Case(
                When(revoked_at__isnull=False, then=Value(CertificateStatus.REVOKED)),
                When(expires_on__lte=today, then=Value(CertificateStatus.EXPIRED)),
                default=Value(CertificateStatus.VALID),
                output_field=models.CharField(),
            )
        )

    def in_status(self, status: str, today: date):
        if status == CertificateStatus.REVOKED:
            return self.filter(revoked_at__isnull=False)
        if status == CertificateStatus.EXPIRED:
            return self.filter(revoked_at__isnull=True, expires_on__lte=today)
        if status == CertificateStatus.VALID:
            return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today)).filter(
                revoked_at__isnull=True
            )
        return self


class Certificate(models.Model):
    """A course completion, as printed: the name and title are kept as they were at issue.

    `expires_on` is the first day it is no longer valid (empty: never expires). A revoked
    certificate stays, with who revoked it and why; a reissue is a new certificate that
    `replaces` the old one, which is then revoked.
    """

    wagtail_reference_index_ignore = True

    code = models.CharField(
        max_length=32, unique=True, default=new_certificate_code, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="certificates",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        related_name="certificates",
    )
    # a full name is up to 150 + 1 + 150 characters (or an email, up to 254)
    learner_name = models.CharField(_("learner"), max_length=301)
    course_title = models.CharField(_("course"), max_length=255)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.CharField(_("reason for revoking"), max_length=500, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            models.Index(fields=["user", "course", "issued_at"]),
            models.Index(fields=["issued_at"]),
            models.Index(fields=["expires_on"]),
        ]

    def __str__(self):
        return f"{self.course_title} · {self.learner_name} ({self.code})"

    @property
    def issued_on(self) -> date:
        return timezone.localtime(self.issued_at).date()

    @property
    def valid_until(self) -> date | None:
        """The last day it is valid (what the PDF and the pages print), or None."""
        return last_valid_day(self.expires_on)

    def status_on(self, today: date) -> str:
        return status_of(revoked_at=self.revoked_at, expires_on=self.expires_on, today=today)

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return CertificateStatus(self.status).label


class CertificateBatch(models.Model):
    """HR's bulk download: a filtered set of certificates as one ZIP, built in the background."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificate_batches"
    )
    # the cleaned filters, as the list showed them ({}: every certificate)
    filters = models.JSONField(default=dict, blank=True)
    description = models.CharField(max_length=300, blank=True)  # the filters, in words
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=_private_storage, upload_to="certificate-batches/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("certificate download")
        verbose_name_plural = _("certificate downloads")

    def __str__(self):
        return f"{self.description or self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
