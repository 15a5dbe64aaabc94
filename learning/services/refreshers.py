"""Spaced refreshers: plan them when a module is completed, record the one decision replayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from learning.models import Refresher
from learning.rules import refresher_schedule
from learning.selectors.my_learning import refresher_question


class RefresherError(Exception):
    """A refresher answer that records nothing; the subclass says why."""


class RefresherNotFound(RefresherError):
    """No such refresher for this person (someone else's looks the same as a missing one)."""


class RefresherUnavailable(RefresherError):
    """The module is no longer published, so there is no scene to replay."""


class RefresherNotDue(RefresherError):
    """The refresher opens on a later day."""

    def __init__(self, due_on: date):
        self.due_on = due_on
        super().__init__(f"the refresher opens on {due_on.isoformat()}")


class RefresherAlreadyDone(RefresherError):
    """The refresher was answered already (a second click, a reload, another tab)."""


class RefresherStale(RefresherError):
    """The scene or choice posted is not the one this refresher shows now."""


@dataclass(frozen=True)
class RefresherResult:
    """What one answer recorded, and what to teach: the choice's feedback and the best choice."""

    refresher: Refresher
    scene_title: str
    choice_label: str
    feedback: str
    good: bool
    best_choice_label: str


def refreshers_schedule(*, user_id: int, module_id: int, completed_on: date) -> list[Refresher]:
    """Plan the refreshers at +7, +30 and +90 days; calling it again adds nothing.

    Returns the planned rows (their pk may be unset: existing ones are skipped, not read back).
    """
    planned = [
        Refresher(user_id=user_id, module_id=module_id, interval_days=days, due_on=due_on)
        for days, due_on in refresher_schedule(completed_on)
    ]
    # One INSERT; the unique (user, module, interval) constraint skips the ones that exist.
    # It runs inside the completing transaction (the progress signal): no savepoint needed.
    with transaction.atomic(savepoint=False):
        return Refresher.objects.bulk_create(planned, ignore_conflicts=True)


def refresher_answer(
    *, user, refresher: Refresher, scene_key: str, choice_index: int
) -> RefresherResult:
    """Record the learner's choice in the refresher's scene, once; returns a RefresherResult."""
    with transaction.atomic():
        # the row lock makes a double POST wait here, then find the refresher done
        locked = (
            Refresher.objects.select_for_update().filter(pk=refresher.pk, user_id=user.pk).first()
        )
        if locked is None:
            raise RefresherNotFound(refresher.pk)
        if locked.done_at is not None:
            raise RefresherAlreadyDone(locked.pk)
        if locked.due_on > timezone.localdate():
            raise RefresherNotDue(locked.due_on)
        question = refresher_question(locked)
        if question is None:
            raise RefresherUnavailable(locked.module_id)
        scene = question.scene
        valid_index = isinstance(choice_index, int) and not isinstance(choice_index, bool)
        if scene_key != scene.key or not valid_index or not 0 <= choice_index < len(scene.choices):
            raise RefresherStale(f"scene {scene_key!r}, choice {choice_index!r}")
        choice = scene.choices[choice_index]
        good = choice.index in question.best_indexes
        best = scene.choices[question.best_indexes[0]]

        locked.scene_key = scene.key
        locked.choice_label = choice.label[:300]
        locked.good = good
        locked.done_at = timezone.now()
        locked.full_clean()
        # guarded by done_at too, so even a database without row locks records one answer
        recorded = Refresher.objects.filter(pk=locked.pk, done_at__isnull=True).update(
            scene_key=locked.scene_key,
            choice_label=locked.choice_label,
            good=locked.good,
            done_at=locked.done_at,
        )
        if not recorded:
            raise RefresherAlreadyDone(locked.pk)
    return RefresherResult(
        refresher=locked,
        scene_title=scene.title,
        choice_label=choice.label,
        feedback=choice.feedback,
        good=good,
        best_choice_label=best.label,
    )
