from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

OUTCOME_RANK = {"": 0, "poor": 1, "mixed": 2, "good": 3}


class Outcome(models.TextChoices):
    GOOD = "good", _("Good")
    MIXED = "mixed", _("Mixed")
    POOR = "poor", _("Poor")


class ScenarioAttempt(models.Model):
    """One play-through of a module's scenario, pinned to the revision it started on."""

    # learner records are not content: keep them out of Wagtail\'s reference index
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_attempts"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.CASCADE, related_name="scenario_attempts"
    )
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    current_scene_key = models.CharField(max_length=60)
    step = models.PositiveIntegerField(default=0)
    engagement = models.IntegerField(default=0)
    education = models.IntegerField(default=0)
    empowerment = models.IntegerField(default=0)
    sentiment = models.IntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module"],
                condition=Q(status="in_progress"),
                name="one_open_attempt_per_module",
            )
        ]
        indexes = [models.Index(fields=["module", "status"])]

    def __str__(self):
        return f"{self.user} · {self.module_id} · {self.status}"

    @property
    def finished(self) -> bool:
        return self.status == self.Status.FINISHED


class ChoiceRecord(models.Model):
    """A choice as it was made; (attempt, step) is unique so a replayed form records nothing."""

    # learner records are not content: keep them out of Wagtail\'s reference index
    wagtail_reference_index_ignore = True

    attempt = models.ForeignKey(ScenarioAttempt, on_delete=models.CASCADE, related_name="choices")
    step = models.PositiveIntegerField()
    scene_key = models.CharField(max_length=60)
    choice_index = models.PositiveSmallIntegerField()
    choice_label = models.CharField(max_length=300)
    next_scene_key = models.CharField(max_length=60)
    engagement = models.SmallIntegerField(default=0)
    education = models.SmallIntegerField(default=0)
    empowerment = models.SmallIntegerField(default=0)
    sentiment = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempt", "step"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "step"], name="one_choice_per_step")
        ]

    def __str__(self):
        return f"{self.attempt_id} · step {self.step}: {self.choice_label}"


class KnowledgeCheckAttempt(models.Model):
    """One submitted knowledge check, scored on the server."""

    # learner records are not content: keep them out of Wagtail\'s reference index
    wagtail_reference_index_ignore = True

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="knowledge_checks"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.CASCADE, related_name="knowledge_checks"
    )
    number = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=list)
    score_percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["module", "user", "number"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "number"], name="one_quiz_number")
        ]

    def __str__(self):
        return f"{self.user} · {self.module_id} · #{self.number}: {self.score_percent}%"


class Reflection(models.Model):
    """What a learner takes from a module; their manager reads it only if they allow it."""

    # learner records are not content: keep them out of Wagtail\'s reference index
    wagtail_reference_index_ignore = True

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.CASCADE, related_name="reflections"
    )
    text = models.TextField(max_length=5000)
    shared_with_manager = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_reflection_per_module")
        ]

    def __str__(self):
        return f"{self.user} · {self.module_id}"


class ModuleProgress(models.Model):
    """The summary row dashboards read: one per learner and module."""

    # learner records are not content: keep them out of Wagtail\'s reference index
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_progress"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    scenario_attempts = models.PositiveIntegerField(default=0)
    scenario_finished = models.BooleanField(default=False)
    best_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    latest_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    best_engagement = models.IntegerField(null=True, blank=True)
    best_education = models.IntegerField(null=True, blank=True)
    best_empowerment = models.IntegerField(null=True, blank=True)
    latest_engagement = models.IntegerField(null=True, blank=True)
    latest_education = models.IntegerField(null=True, blank=True)
    latest_empowerment = models.IntegerField(null=True, blank=True)
    quiz_attempts = models.PositiveSmallIntegerField(default=0)
    quiz_best_score = models.PositiveSmallIntegerField(null=True, blank=True)
    quiz_latest_score = models.PositiveSmallIntegerField(null=True, blank=True)
    quiz_passed = models.BooleanField(default=False)
    reflection_done = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("module progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_progress_per_module")
        ]
        indexes = [models.Index(fields=["module", "status"])]

    def __str__(self):
        return f"{self.user} · {self.module_id} · {self.status}"
