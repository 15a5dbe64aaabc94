"""Ongoing education and engagement: spaced refreshers and employees' own stories."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- ongoing education ---------------------------------------------------------------------------

REFRESHER_INTERVALS = (7, 30, 90)


class Refresher(models.Model):
    """A completed module coming back, days later, as one key decision to make again."""

    wagtail_reference_index_ignore = True

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refreshers"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.CASCADE, related_name="refreshers"
    )
    interval_days = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    scene_key = models.CharField(max_length=60, blank=True)  # chosen when played
    choice_label = models.CharField(max_length=300, blank=True)
    good = models.BooleanField(null=True)  # the choice kept the best ending within reach
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "interval_days"], name="one_refresher_per_interval"
            )
        ]
        indexes = [models.Index(fields=["user", "done_at", "due_on"])]

    def __str__(self):
        return f"{self.user} · {self.module_id} · +{self.interval_days}d"


# --- engagement: employees' own stories ---------------------------------------------------------


class StorySubmission(models.Model):
    """A customer story an employee told us; it becomes a draft Story for trainers."""

    story = models.OneToOneField(
        "courses.Story", on_delete=models.CASCADE, related_name="submission"
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_submissions"
    )
    anonymous = models.BooleanField(
        _("keep my name from my manager"),
        default=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # told it became a module

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.story} ({self.submitter})"
