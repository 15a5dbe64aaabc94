import datetime

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import ChoiceRecord, ScenarioAttempt
from home.sql import insert_row, update_where
from tests.modules import make_module

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_root")]


@pytest.fixture
def attempt(learner):
    return services.attempt_start(user=learner, module_id=make_module().pk)


def test_update_where_changes_the_matching_row_only(attempt):
    when = timezone.now().replace(microsecond=123456) - datetime.timedelta(days=3)
    values = {"current_scene_key": "check", "step": 1, "engagement": -2, "updated_at": when}
    missed = {"id": attempt.pk, "step": 5, "current_scene_key": "call"}
    assert update_where(ScenarioAttempt, values, missed) == 0
    assert update_where(ScenarioAttempt, values, {**missed, "step": 0}) == 1
    attempt.refresh_from_db()
    assert (attempt.current_scene_key, attempt.step, attempt.engagement) == ("check", 1, -2)
    assert attempt.updated_at == when  # converted for the database as the ORM would


def test_insert_row_writes_what_the_orm_reads_back(attempt):
    when = timezone.now().replace(microsecond=654321)
    pk = insert_row(
        ChoiceRecord,
        {
            "attempt": attempt.pk,
            "step": 0,
            "scene_key": "call",
            "choice_index": 1,
            "choice_label": "Say “sorry” — and mean it",
            "next_scene_key": "check",
            "engagement": 2,
            "education": -1,
            "empowerment": 0,
            "sentiment": 1,
            "created_at": when,
        },
    )
    record = ChoiceRecord.objects.get()
    assert record.pk == pk  # the new row's id comes back
    assert record.attempt_id == attempt.pk
    assert record.choice_label == "Say “sorry” — and mean it"
    assert (record.engagement, record.education, record.sentiment) == (2, -1, 1)
    assert record.created_at == when


def test_insert_instance_saves_an_unsaved_instance(attempt):
    from home.sql import insert_instance

    record = ChoiceRecord(
        attempt=attempt,
        step=0,
        scene_key="call",
        choice_index=0,
        choice_label="Listen",
        next_scene_key="check",
        created_at=timezone.now(),
    )
    assert insert_instance(record) is record
    assert record.pk == ChoiceRecord.objects.get().pk
    assert not record._state.adding  # a later save() updates the row, never inserts a second
    record.choice_label = "Listen first"
    record.save()
    assert ChoiceRecord.objects.get().choice_label == "Listen first"


def test_update_where_takes_formulas_the_database_computes(learner, attempt):
    from assessments.models import ModuleProgress
    from home.sql import Formula

    progress = ModuleProgress.objects.get(user=learner)
    progress.status = ModuleProgress.Status.COMPLETED
    progress.save()
    keep_completed = Formula(
        "CASE WHEN {column} = %s THEN {column} ELSE %s END", ("completed", "in_progress")
    )
    changed = update_where(
        ModuleProgress,
        {"scenario_attempts": Formula("{column} + 1"), "status": keep_completed},
        {"user": learner.pk, "module": progress.module_id},
    )
    progress.refresh_from_db()
    assert changed == 1
    assert progress.scenario_attempts == 2 and progress.status == "completed"
