"""Read queries for the player: pinned scenarios, attempts and progress."""

from django.core.cache import cache
from wagtail.models import Revision

from assessments.models import (
    ChoiceRecord,
    KnowledgeCheckAttempt,
    ModuleProgress,
    Reflection,
    ScenarioAttempt,
)
from assessments.scenario import Scenario, Scores, State
from courses.models import ModulePage

SCENARIO_CACHE_SECONDS = 60 * 60 * 24


def live_module(module_id: int) -> ModulePage | None:
    """A published module, or None (drafts and unpublished modules are not playable)."""
    return ModulePage.objects.live().filter(pk=module_id).select_related("story").first()


def scenario_for_revision(revision_id: int) -> Scenario:
    """The scenario as it was in one page revision; revisions never change, so it is cached."""
    key = f"cx:scenario:revision:{revision_id}"
    scenario = cache.get(key)
    if scenario is None:
        page = Revision.objects.get(pk=revision_id).as_object()
        scenario = Scenario.from_data(page.scenario_data())
        cache.set(key, scenario, SCENARIO_CACHE_SECONDS)
    return scenario


def attempt_state(attempt: ScenarioAttempt) -> State:
    """The engine state an attempt stands at (its path is in its ChoiceRecords)."""
    return State(
        scene_key=attempt.current_scene_key,
        step=attempt.step,
        path=(),
        totals=Scores(
            engagement=attempt.engagement,
            education=attempt.education,
            empowerment=attempt.empowerment,
            sentiment=attempt.sentiment,
        ),
        finished=attempt.finished,
        outcome=attempt.outcome,
    )


def current_attempt(user, module_id: int) -> ScenarioAttempt | None:
    """The learner's open attempt at a module, else their latest finished one."""
    return (
        ScenarioAttempt.objects.filter(user=user, module_id=module_id)
        .order_by("-status", "-started_at", "-pk")  # "in_progress" sorts after "finished"
        .first()
    )


def attempt_choices(attempt: ScenarioAttempt) -> list[ChoiceRecord]:
    return list(attempt.choices.order_by("step"))


def module_progress(user, module_id: int) -> ModuleProgress | None:
    if not user.is_authenticated:
        return None
    return ModuleProgress.objects.filter(user=user, module_id=module_id).first()


def quiz_attempts(user, module_id: int) -> list[KnowledgeCheckAttempt]:
    return list(KnowledgeCheckAttempt.objects.filter(user=user, module_id=module_id))


def reflection_for(user, module_id: int) -> Reflection | None:
    return Reflection.objects.filter(user=user, module_id=module_id).first()
