"""Read queries for the player: pinned scenarios, attempts and progress."""

import functools
import logging
from dataclasses import dataclass

from django.core.cache import cache
from wagtail.models import Revision
from wagtail.rich_text import expand_db_html

from assessments.models import (
    ChoiceRecord,
    ModuleProgress,
    Reflection,
    ScenarioAttempt,
)
from assessments.scenario import Scenario, Scores, State
from courses.models import ModulePage

SCENARIO_CACHE_SECONDS = 60 * 60 * 24
logger = logging.getLogger(__name__)


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


@functools.lru_cache(maxsize=256)
def scenario_for_revision(revision_id: int) -> Scenario:
    """The scenario as it was in one page revision.

    Revisions never change, so the scenario is kept in this process (and in the shared cache
    for the other processes): after the first request no query and no cache round trip.
    """
    key = f"cx:scenario:revision:{revision_id}"
    scenario = cache.get(key)
    if scenario is None:
        page = Revision.objects.get(pk=revision_id).as_object()
        scenes = page.scenario_data()
        for scene in scenes:
            # expand Wagtail's internal links once per revision, not on every page view
            scene["narrative"] = expand_db_html(scene["narrative"])
        scenario = Scenario.from_data(scenes)
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


def attempt_cache_key(user_id: int, module_id: int) -> str:
    return f"cx:attempt:{user_id}:{module_id}"


def player_state(user, module_id: int) -> tuple[PlayableModule | None, ScenarioAttempt | None]:
    """The live module and the learner's latest attempt, in one cache round trip."""
    module_key, attempt_key = module_cache_key(module_id), attempt_cache_key(user.pk, module_id)
    found = cache.get_many([module_key, attempt_key])
    module = found.get(module_key)
    module = playable_module(module_id) if module is None else (module or None)
    if module is None:
        return None, None
    cached = found.get(attempt_key)
    attempt = cached[0] if cached is not None else current_attempt(user, module_id)
    return module, attempt


def current_attempt(user, module_id: int) -> ScenarioAttempt | None:
    """The learner's latest attempt at a module (open, or finished if none is open).

    Read from the cache the services fill after each commit; the database on a miss.
    """
    cached = cache.get(attempt_cache_key(user.pk, module_id))
    if cached is not None:
        return cached[0]
    attempt = (
        ScenarioAttempt.objects.filter(user=user, module_id=module_id)
        .order_by("-started_at", "-pk")
        .first()
    )
    if attempt is not None:
        # cache-aside; a page shown from a stale entry is caught as a stale form on POST
        remember_attempt(attempt)
    return attempt


def choice_at_step(attempt: ScenarioAttempt, step: int) -> ChoiceRecord | None:
    """The choice recorded at a step; the latest one usually comes from the cache."""
    cached = cache.get(attempt_cache_key(attempt.user_id, attempt.module_id))
    if cached is not None and cached[1] is not None and cached[1].step == step:
        return cached[1]
    return attempt.choices.filter(step=step).first()


def remember_attempt(attempt: ScenarioAttempt, last_choice: ChoiceRecord | None = None) -> None:
    """Best effort: the database stays the truth if the cache cannot be written."""
    try:
        cache.set(
            attempt_cache_key(attempt.user_id, attempt.module_id),
            (attempt, last_choice),
            SCENARIO_CACHE_SECONDS,
        )
    except Exception:  # a cache outage must not fail a committed choice
        logger.warning("could not cache attempt %s", attempt.pk, exc_info=True)


def forget_attempt(user_id: int, module_id: int) -> None:
    cache.delete(attempt_cache_key(user_id, module_id))


def attempt_choices(attempt: ScenarioAttempt) -> list[ChoiceRecord]:
    return list(attempt.choices.order_by("step"))


def module_progress(user, module_id: int) -> ModuleProgress | None:
    if not user.is_authenticated:
        return None
    return ModuleProgress.objects.filter(user=user, module_id=module_id).first()


def reflection_for(user, module_id: int) -> Reflection | None:
    return Reflection.objects.filter(user=user, module_id=module_id).first()
