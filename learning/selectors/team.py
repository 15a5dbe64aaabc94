"""Read queries for a person's drill-down page: the paths they took, scores, shared notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assessments.models import ChoiceRecord, ModuleProgress, Reflection, ScenarioAttempt
from assessments.selectors import scenario_for_revision


@dataclass(frozen=True)
class PathStep:
    scene_title: str
    choice_label: str
    engagement: int
    education: int
    empowerment: int
    sentiment: int


@dataclass
class ModuleRecord:
    """One module as a person played it: their latest play-through, their scores."""

    module_id: int
    module_title: str
    status: str
    status_label: str
    attempts: int
    best_outcome: str
    quiz_best_score: int | None
    quiz_attempts: int
    latest_outcome: str = ""
    finished: bool = False
    engagement: int = 0
    education: int = 0
    empowerment: int = 0
    sentiment: int = 0
    path: list[PathStep] = field(default_factory=list)
    shared_reflection: str = ""
    shared_at: datetime | None = None


def _scene_titles(revision_id: int) -> dict[str, str]:
    return {scene.key: scene.title for scene in scenario_for_revision(revision_id).scenes}


def person_modules(user_id: int) -> list[ModuleRecord]:
    """Every module the person has opened, with the path of their latest play-through.

    Four queries (progress, attempts, choices, shared reflections), plus one per scenario
    revision the first time a process reads it.
    """
    records: dict[int, ModuleRecord] = {}
    for progress in (
        ModuleProgress.objects.filter(user_id=user_id)
        .select_related("module")
        .only(
            "module_id",
            "module__title",
            "status",
            "scenario_attempts",
            "best_outcome",
            "quiz_best_score",
            "quiz_attempts",
        )
        .order_by("module__path")
    ):
        records[progress.module_id] = ModuleRecord(
            module_id=progress.module_id,
            module_title=progress.module.title,
            status=progress.status,
            status_label=progress.get_status_display(),
            attempts=progress.scenario_attempts,
            best_outcome=progress.get_best_outcome_display(),
            quiz_best_score=progress.quiz_best_score,
            quiz_attempts=progress.quiz_attempts,
        )
    latest: dict[int, ScenarioAttempt] = {}
    for attempt in ScenarioAttempt.objects.filter(user_id=user_id).order_by("started_at", "pk"):
        shown = latest.get(attempt.module_id)
        # the latest finished play-through; an unfinished one only when none finished
        if shown is None or attempt.finished or not shown.finished:
            latest[attempt.module_id] = attempt
    steps: dict[int, list[ChoiceRecord]] = {}
    for choice in ChoiceRecord.objects.filter(
        attempt_id__in=[attempt.pk for attempt in latest.values()]
    ).order_by("attempt_id", "step"):
        steps.setdefault(choice.attempt_id, []).append(choice)
    for module_id, attempt in latest.items():
        record = records.get(module_id)
        if record is None:
            continue
        titles = _scene_titles(attempt.revision_id)
        record.latest_outcome = attempt.get_outcome_display()
        record.finished = attempt.finished
        record.engagement = attempt.engagement
        record.education = attempt.education
        record.empowerment = attempt.empowerment
        record.sentiment = attempt.sentiment
        record.path = [
            PathStep(
                titles.get(choice.scene_key, choice.scene_key),
                choice.choice_label,
                choice.engagement,
                choice.education,
                choice.empowerment,
                choice.sentiment,
            )
            for choice in steps.get(attempt.pk, [])
        ]
    for module_id, text, created_at in Reflection.objects.filter(
        user_id=user_id, shared_with_manager=True
    ).values_list("module_id", "text", "updated_at"):
        if module_id in records:
            records[module_id].shared_reflection = text
            records[module_id].shared_at = created_at
    return list(records.values())
