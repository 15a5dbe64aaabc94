"""Operations that record learning; each is one transaction and updates ModuleProgress."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import (
    OUTCOME_RANK,
    ChoiceRecord,
    KnowledgeCheckAttempt,
    ModuleProgress,
    Reflection,
    ScenarioAttempt,
)
from assessments.quiz import QuizResult, score_quiz
from assessments.scenario import InvalidChoice, ScenarioFinished, StaleStep
from assessments.selectors import (
    PlayableModule,
    PlayMemo,
    attempt_state,
    forget_attempt,
    playable_module,
    player_state,
    remember_attempt,
    scenario_for_revision,
)
from assessments.signals import progress_saved
from courses.models import ModulePage
from home.sql import Formula, insert_instance, update_where


class QuizLimitReached(ValueError):
    """The learner has used every knowledge-check attempt the module allows."""


class ModuleNotPlayable(ValueError):
    """The module has no published revision."""


@dataclass(frozen=True)
class _Flags:
    has_questions: bool
    reflection_required: bool


def _flags(page: ModulePage) -> _Flags:
    return _Flags(len(page.knowledge_check) > 0, page.reflection_required)


@dataclass(frozen=True)
class ChoiceOutcome:
    recorded: bool  # False: the form was stale and nothing was written
    attempt: ScenarioAttempt
    step: int  # the step whose feedback to show


def _progress_for_update(user, module_id) -> ModuleProgress:
    progress, _ = ModuleProgress.objects.select_for_update().get_or_create(
        user=user, module_id=module_id
    )
    return progress


def _refresh_status(progress: ModuleProgress, module, now) -> bool:
    """`module`: a PlayableModule (or anything with has_questions and reflection_required).

    Returns True when the module has just become completed.
    """
    was_completed = progress.status == ModuleProgress.Status.COMPLETED
    quiz_ok = progress.quiz_passed or not module.has_questions
    reflection_ok = progress.reflection_done or not module.reflection_required
    if progress.scenario_finished and quiz_ok and reflection_ok:
        progress.status = ModuleProgress.Status.COMPLETED
        progress.completed_at = progress.completed_at or now
    elif progress.status != ModuleProgress.Status.COMPLETED:
        progress.status = ModuleProgress.Status.IN_PROGRESS
    progress.last_activity_at = now
    return not was_completed and progress.status == ModuleProgress.Status.COMPLETED


def _save_progress(progress: ModuleProgress, *, newly_completed: bool) -> None:
    """Save a learner's summary row and tell listeners (learning's assignments, refreshers)."""
    progress.save()
    progress_saved.send(sender=ModuleProgress, progress=progress, newly_completed=newly_completed)


@transaction.atomic
def attempt_start(*, user, module_id: int, restart: bool = False) -> ScenarioAttempt:
    """Resume the learner's open attempt, or start one pinned to the live revision.

    Raises ModuleNotPlayable when the module is not live.
    """
    module, memo = player_state(user, module_id)
    if module is None or module.live_revision_id is None:
        raise ModuleNotPlayable(module_id)
    latest = memo.attempt if memo is not None else None
    if latest is not None and (not latest.finished or not restart):
        return latest
    scenario = scenario_for_revision(module.live_revision_id)
    state = scenario.start()
    now = timezone.now()
    attempt = ScenarioAttempt(
        user=user,
        module_id=module.pk,
        revision_id=module.live_revision_id,
        current_scene_key=state.scene_key,
        started_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            # as SQL built once (home.sql); the savepoint keeps the transaction usable on a double
            insert_instance(attempt)
    except IntegrityError:
        # a double click on "start" (or a cache behind the database): one is open already
        forget_attempt(user.pk, module.pk)
        return ScenarioAttempt.objects.get(
            user=user, module_id=module.pk, status=ScenarioAttempt.Status.IN_PROGRESS
        )
    # A replay: one UPDATE moves the existing progress row on (a completed module stays so).
    replayed = update_where(
        ModuleProgress,
        {
            "scenario_attempts": Formula("{column} + 1"),
            "last_activity_at": now,
            "status": Formula(
                "CASE WHEN {column} = %s THEN {column} ELSE %s END",
                (ModuleProgress.Status.COMPLETED.value, ModuleProgress.Status.IN_PROGRESS.value),
            ),
        },
        {"user": user.pk, "module": module.pk},
    )
    if not replayed:
        progress = _progress_for_update(user, module.pk)
        progress.scenario_attempts = F("scenario_attempts") + 1
        newly_completed = _refresh_status(progress, module, now)
        _save_progress(progress, newly_completed=newly_completed)
    remember_attempt(
        PlayMemo(attempt, path=())
    )  # last, before the commit: see _choose_if_unchanged
    return attempt


class NoOpenAttempt(ValueError):
    """A choice arrived for a module the learner has not started, or that is not live."""


def attempt_choose(
    *,
    module_id: int,
    user,
    scene_key: str,
    choice_index: int,
    step: int,
    attempt_id: int | None = None,
) -> ChoiceOutcome:
    """Record one choice; a stale or replayed form records nothing and says where things are.

    The form names its attempt (`attempt_id`): a form kept from an earlier play-through, sent
    again when a new attempt happens to stand at the same scene and step, is stale too.

    Raises InvalidChoice when the choice cannot belong to this scenario at all.

    The usual case takes the fast path: the cached attempt says where the learner stands, and
    one conditional UPDATE (compare-and-set on the attempt's step) moves it on. If anything does
    not match (a cache miss, a stale or replayed form, a race), the locked path decides.
    """
    module, memo = player_state(user, module_id)
    if module is None:
        raise NoOpenAttempt(module_id)
    cached = memo.attempt if memo is not None else None
    if (
        cached is not None
        and not cached.finished
        and cached.step == step
        and cached.current_scene_key == scene_key
        and attempt_id in (None, cached.pk)
    ):
        outcome = _choose_if_unchanged(memo, module, choice_index)
        if outcome is not None:
            return outcome
    return _choose_locked(
        module_id=module_id,
        user=user,
        scene_key=scene_key,
        choice_index=choice_index,
        step=step,
        attempt_id=attempt_id,
    )


def _advance(attempt: ScenarioAttempt, result, now) -> list[str]:
    """Apply an engine step to the attempt in memory; returns the fields it changed."""
    state = result.state
    totals = state.totals
    attempt.current_scene_key = state.scene_key
    attempt.step = state.step
    attempt.engagement = totals.engagement
    attempt.education = totals.education
    attempt.empowerment = totals.empowerment
    attempt.sentiment = totals.sentiment
    attempt.updated_at = now
    fields = [
        "current_scene_key",
        "step",
        "engagement",
        "education",
        "empowerment",
        "sentiment",
        "updated_at",
    ]
    if state.finished:
        attempt.status = ScenarioAttempt.Status.FINISHED
        attempt.outcome = state.outcome
        attempt.finished_at = now
        fields += ["status", "outcome", "finished_at"]
    return fields


def _record_choice(attempt: ScenarioAttempt, step: int, scene_key: str, choice, now):
    """Record a choice (as SQL built once: home.sql). The unique (attempt, step) constraint is
    the last line of defence against doubles."""
    return insert_instance(
        ChoiceRecord(
            attempt=attempt,
            step=step,
            scene_key=scene_key,
            choice_index=choice.index,
            choice_label=choice.label[:300],
            next_scene_key=choice.next,
            created_at=now,
            **choice.deltas.as_dict(),
        )
    )


@transaction.atomic
def _choose_if_unchanged(
    memo: PlayMemo, module: PlayableModule, choice_index: int
) -> ChoiceOutcome | None:
    """Record a choice against the attempt as cached, if the database still agrees; else None.

    An attempt's totals are a function of its steps, so a row with the same id, step and scene
    as the cached copy holds the same totals: the UPDATE's WHERE clause is the whole check, and
    a concurrent request for the same step finds no row to update (PostgreSQL re-checks the
    WHERE clause after the other transaction commits; SQLite writers queue).
    """
    attempt = memo.attempt
    path_known = memo.path_known()
    scenario = scenario_for_revision(attempt.revision_id)
    step, scene_key = attempt.step, attempt.current_scene_key
    result = scenario.choose(  # InvalidChoice: not a choice of this scene
        attempt_state(attempt), scene_key=scene_key, choice_index=choice_index, step=step
    )
    now = timezone.now()
    fields = _advance(attempt, result, now)
    # the two writes of every step, as SQL built once (home.sql: the ORM's compile costs more)
    updated = update_where(
        ScenarioAttempt,
        {field: getattr(attempt, field) for field in fields},
        {
            "id": attempt.pk,
            "status": ScenarioAttempt.Status.IN_PROGRESS,
            "step": step,
            "current_scene_key": scene_key,
        },
    )
    if not updated:
        return None
    record = _record_choice(attempt, step, scene_key, result.choice, now)
    progress = _record_finish(attempt, now, module) if attempt.finished else None
    path = memo.path + ((scene_key, record.choice_label),) if path_known else None
    # The cached copy is replaced last, just before the commit: one round trip, where dropping
    # it first and refilling it after the commit took two. Should the commit still fail, the
    # cache runs one step ahead of the database; the next form from that page then fails the
    # UPDATE above, and the locked path answers it as stale and drops the copy.
    remember_attempt(PlayMemo(attempt, record, path, progress))
    return ChoiceOutcome(recorded=True, attempt=attempt, step=step)


@transaction.atomic
def _choose_locked(
    *, module_id: int, user, scene_key: str, choice_index: int, step: int, attempt_id=None
) -> ChoiceOutcome:
    """The careful path: lock the learner's latest attempt and compare the form with it."""
    # Locking the attempt row serialises double submits; of=("self",) leaves the page unlocked.
    attempt = (
        ScenarioAttempt.objects.select_for_update(of=("self",))
        .filter(user=user, module_id=module_id, module__live=True)
        .order_by("-started_at", "-pk")
        .first()
    )
    if attempt is None:
        raise NoOpenAttempt(module_id)
    scenario = scenario_for_revision(attempt.revision_id)
    try:
        scenario.scene(scene_key)
    except KeyError as exc:
        raise InvalidChoice(f'no scene "{scene_key}" in this module') from exc
    try:
        if attempt_id not in (None, attempt.pk):
            raise StaleStep(f"the form belongs to attempt {attempt_id}, not {attempt.pk}")
        result = scenario.choose(
            attempt_state(attempt), scene_key=scene_key, choice_index=choice_index, step=step
        )
    except (StaleStep, ScenarioFinished):
        # whatever the page showed was out of date: read the attempt afresh next time
        forget_attempt(attempt.user_id, attempt.module_id)
        return ChoiceOutcome(recorded=False, attempt=attempt, step=attempt.step)

    now = timezone.now()
    record = _record_choice(attempt, step, scene_key, result.choice, now)
    attempt.save(update_fields=_advance(attempt, result, now))
    progress = _record_finish(attempt, now) if attempt.finished else None
    # A choice in mid-scenario changes no summary figure; the attempt's updated_at says when
    # the learner was last active, and the progress row catches up at the ending.
    # Drop the cached copy now, refill it once the row is committed: a reader in between
    # falls back to the database rather than to the step before.
    forget_attempt(attempt.user_id, attempt.module_id)
    transaction.on_commit(lambda: remember_attempt(PlayMemo(attempt, record, progress=progress)))
    return ChoiceOutcome(recorded=True, attempt=attempt, step=step)


def _record_finish(
    attempt: ScenarioAttempt, now, module: PlayableModule | None = None
) -> ModuleProgress:
    module = (
        module
        or playable_module(attempt.module_id)
        or _flags(ModulePage.objects.get(pk=attempt.module_id))
    )
    progress = _progress_for_update(attempt.user_id, attempt.module_id)
    progress.scenario_finished = True
    progress.latest_outcome = attempt.outcome
    progress.latest_engagement = attempt.engagement
    progress.latest_education = attempt.education
    progress.latest_empowerment = attempt.empowerment
    is_best = OUTCOME_RANK[attempt.outcome] > OUTCOME_RANK[progress.best_outcome] or (
        attempt.outcome == progress.best_outcome and _total(attempt) > _total_best(progress)
    )
    if is_best:
        progress.best_outcome = attempt.outcome
        progress.best_engagement = attempt.engagement
        progress.best_education = attempt.education
        progress.best_empowerment = attempt.empowerment
    newly_completed = _refresh_status(progress, module, now)
    _save_progress(progress, newly_completed=newly_completed)
    return progress


def _total(attempt) -> int:
    return attempt.engagement + attempt.education + attempt.empowerment


def _total_best(progress) -> int:
    if progress.best_engagement is None:
        return -(10**6)
    return progress.best_engagement + progress.best_education + progress.best_empowerment


@transaction.atomic
def quiz_submit(
    *, user, module: ModulePage, answers: list[list[int]]
) -> tuple[KnowledgeCheckAttempt, QuizResult]:
    """Score a knowledge check on the server and record it (within the attempt limit)."""
    progress = _progress_for_update(user, module.pk)
    if module.max_attempts and progress.quiz_attempts >= module.max_attempts:
        raise QuizLimitReached(module.max_attempts)
    result = score_quiz(module.questions_data(), answers, module.pass_mark)  # may raise
    attempt = KnowledgeCheckAttempt.objects.create(
        user=user,
        module=module,
        number=progress.quiz_attempts + 1,
        answers=answers,
        score_percent=result.score_percent,
        passed=result.passed,
    )
    now = timezone.now()
    progress.quiz_attempts += 1
    progress.quiz_latest_score = result.score_percent
    progress.quiz_best_score = max(progress.quiz_best_score or 0, result.score_percent)
    progress.quiz_passed = progress.quiz_passed or result.passed
    newly_completed = _refresh_status(progress, _flags(module), now)
    _save_progress(progress, newly_completed=newly_completed)
    forget_attempt(user.pk, module.pk)  # the player's memo holds the progress it replaces
    return attempt, result


@transaction.atomic
def reflection_save(*, user, module: ModulePage, text: str, shared: bool) -> Reflection:
    """Create or replace the learner's reflection on a module."""
    text = text.strip()
    reflection = Reflection.objects.filter(user=user, module=module).first() or Reflection(
        user=user, module=module
    )
    reflection.text = text
    reflection.shared_with_manager = shared
    reflection.full_clean()
    reflection.save()
    progress = _progress_for_update(user, module.pk)
    progress.reflection_done = True
    newly_completed = _refresh_status(progress, _flags(module), timezone.now())
    _save_progress(progress, newly_completed=newly_completed)
    forget_attempt(user.pk, module.pk)  # the player's memo holds the progress it replaces
    return reflection
