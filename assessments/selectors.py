"""Read queries for the player: pinned scenarios, attempts and progress."""

from dataclasses import dataclass

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


@dataclass(frozen=True)
class PlayableModule:
    """What the player needs of a live module; cached, dropped when the module changes."""

    pk: int
    title: str
    url: str
    live_revision_id: int
    estimated_minutes: int
    has_questions: bool
    reflection_required: bool


def module_cache_key(module_id: int) -> str:
    return f"cx:playable-module:{module_id}"


def playable_module(module_id: int) -> PlayableModule | None:
    """The live module for the player, or None (drafts and unpublished modules do not play)."""
    key = module_cache_key(module_id)
    found = cache.get(key)
    if found is None:
        page = live_module(module_id)
        found = (
            PlayableModule(
                pk=page.pk,
                title=page.title,
                url=page.url,
                live_revision_id=page.live_revision_id,
                estimated_minutes=page.estimated_minutes,
                has_questions=len(page.knowledge_check) > 0,
                reflection_required=page.reflection_required,
            )
            if page is not None and page.live_revision_id
            else False  # remembered too, so unknown ids cost no query either
        )
        cache.set(key, found, SCENARIO_CACHE_SECONDS)
    return found or None


def live_module(module_id: int) -> ModulePage | None:
    """A published module with its content, or None."""
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
