"""Rollout: campaigns in waves, the assignments they create, and the notices they send."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from learning.models.org import OrgUnit


class Campaign(ClusterableModel):
    """A course rolled out top down to an org subtree, in waves."""

    name = models.CharField(_("name"), max_length=200)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("course"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("org unit"),
        help_text=_("The campaign reaches this unit and every unit below it."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder days before due"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_("A reminder goes out this many days before the due date (0: none)."),
    )
    late_joiner_days = models.PositiveSmallIntegerField(
        _("days for late joiners"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "People who join after their wave opened get at least this many days to finish."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.name


class Band(models.TextChoices):
    """Who a wave reaches, from the top down."""

    LEADERSHIP = "leadership", _("Leadership (managers of the top units)")
    MANAGERS = "managers", _("Managers")
    EVERYONE = "everyone", _("Everyone else")


BAND_RANK = {Band.LEADERSHIP: 0, Band.MANAGERS: 1, Band.EVERYONE: 2}


class Wave(Orderable):
    """One step of a campaign: a band of people, an opening date, a due date, maybe a gate."""

    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(_("name"), max_length=120)
    band = models.CharField(_("who"), max_length=20, choices=Band.choices)
    opens_on = models.DateField(_("opens on"))
    due_on = models.DateField(_("due on"))
    gate_percent = models.PositiveSmallIntegerField(
        _("gate (% completion of the wave before)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Optional: open only once the wave before has reached this completion."),
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)

    class Meta(Orderable.Meta):
        verbose_name = _("wave")
        verbose_name_plural = _("waves")

    def __str__(self):
        return f"{self.campaign} · {self.name}"


class Assignment(models.Model):
    """A course someone has to complete by a date: from a campaign wave, or a recertification."""

    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        RECERTIFICATION = "recertification", _("Recertification")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="assignments"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CAMPAIGN)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    wave = models.ForeignKey(
        Wave, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(_("due on"))
    late_joiner = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)  # the person left, or recertified

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"],
                condition=Q(campaign__isnull=False),
                name="one_assignment_per_campaign",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "completed_at"]),
            models.Index(fields=["due_on", "completed_at"]),
        ]

    def __str__(self):
        return f"{self.user} · {self.course_id} · due {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.cancelled_at is None


class Notice(models.Model):
    """Every reminder, escalation and nudge sent: the log that makes the daily job idempotent."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder before the due date")
        DUE = "due", _("Due today")
        ESCALATION = "escalation", _("Overdue digest to a manager")
        NUDGE = "nudge", _("Nudge from a manager")
        RECERTIFICATION = "recertification", _("Recertification assigned")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices_sent",
    )
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "assignment", "day"],
                condition=Q(kind__in=["reminder", "due", "nudge", "recertification"]),
                name="one_notice_per_assignment_and_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "day"],
                condition=Q(kind="escalation"),
                name="one_digest_per_manager_and_day",
            ),
        ]
        indexes = [models.Index(fields=["sender", "kind", "day"])]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id} on {self.day}"
