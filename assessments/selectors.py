"""Read queries for the player: pinned scenarios, attempts and progress."""

import contextlib
import functools
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
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
from home import cache_prefetch
from home.backends import user_cache_key

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
    # the player's own addresses, reversed once with the summary rather than on every page
    play_url: str
    start_url: str
    choose_url: str


def module_cache_key(module_id: int) -> str:
    # the version changes whenever PlayableModule does, so no process reads an older shape
    return f"cx:playable-module:v2:{module_id}"


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
                play_url=reverse("assessments:play", args=[page.pk]),
                start_url=reverse("assessments:start", args=[page.pk]),
                choose_url=reverse("assessments:choose", args=[page.pk]),
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


@dataclass
class PlayMemo:
    """What the player keeps in the shared cache for one learner and module.

    Written after each commit that changes the attempt, dropped when the learner's progress
    changes elsewhere. Parts are None when unknown; readers then ask the database.
    """

    attempt: ScenarioAttempt
    last_choice: ChoiceRecord | None = None
    # (scene key, choice label) for every step so far, when this memo has seen them all
    path: tuple[tuple[str, str], ...] | None = None
    # the learner's progress as the ending left it (only set on a finished attempt)
    progress: ModuleProgress | None = None

    def path_known(self) -> bool:
        return self.path is not None and len(self.path) == self.attempt.step


def attempt_cache_key(user_id: int, module_id: int) -> str:
    return f"cx:play:v2:{user_id}:{module_id}"


def player_cache_keys(user_id: int, module_id: int) -> list[str]:
    """Every cache entry a player request reads: the user, the module and the attempt."""
    return [
        user_cache_key(user_id),
        module_cache_key(module_id),
        attempt_cache_key(user_id, module_id),
    ]


def player_state(user, module_id: int) -> tuple[PlayableModule | None, PlayMemo | None]:
    """The live module and the learner's latest attempt, in one cache round trip.

    On a cache miss the attempt comes from the database (and is cached); None: not started.
    """
    module_key, attempt_key = module_cache_key(module_id), attempt_cache_key(user.pk, module_id)
    found = cache_prefetch.get_many([module_key, attempt_key])
    module = found.get(module_key)
    module = playable_module(module_id) if module is None else (module or None)
    if module is None:
        return None, None
    memo = found.get(attempt_key)
    if memo is None:
        attempt = latest_attempt(user, module_id)
        memo = PlayMemo(attempt) if attempt is not None else None
        if memo is not None:
            # cache-aside; a page shown from a stale entry is caught as a stale form on POST
            remember_attempt(memo)
    return module, memo


def latest_attempt(user, module_id: int) -> ScenarioAttempt | None:
    """The learner's latest attempt at a module (open, or finished if none is open)."""
    return (
        ScenarioAttempt.objects.filter(user=user, module_id=module_id)
        .order_by("-started_at", "-pk")
        .first()
    )


def choice_at_step(attempt: ScenarioAttempt, step: int) -> ChoiceRecord | None:
    return attempt.choices.filter(step=step).first()


def remember_attempt(memo: PlayMemo) -> None:
    """Best effort: the database stays the truth if the cache cannot be written.

    The player's fast paths call it as the last step of their transaction (see
    services._choose_if_unchanged); the careful paths drop the copy and refill it after commit.
    """
    key = attempt_cache_key(memo.attempt.user_id, memo.attempt.module_id)
    try:
        cache.set(key, memo, SCENARIO_CACHE_SECONDS)
    except Exception:  # a cache outage must not fail a committed choice
        logger.warning("could not cache attempt %s", memo.attempt.pk, exc_info=True)
        with contextlib.suppress(Exception):
            cache.delete(key)  # the older copy must not outlive this one


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
