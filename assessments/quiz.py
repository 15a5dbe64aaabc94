"""Knowledge checks: validate authored questions and score a learner's answers.

Stdlib only, like the scenario engine, so the rules are shared by module files, the editor and
the learner views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from courses.quiz_rules import (
    KINDS,
    Problem,
    correct_options,
    is_int,
    is_list,
    question_kind,
    validate_knowledge_check,
)

__all__ = [
    "KINDS",
    "InvalidAnswer",
    "Problem",
    "QuestionResult",
    "QuizResult",
    "score_quiz",
    "validate_knowledge_check",
]


class InvalidAnswer(ValueError):
    """An answer names a question or option that does not exist, or too many options."""


@dataclass(frozen=True)
class QuestionResult:
    """How one question went; chosen and correct_options are sorted option indexes."""

    index: int
    correct: bool
    chosen: tuple[int, ...]
    correct_options: tuple[int, ...]


@dataclass(frozen=True)
class QuizResult:
    """A scored attempt: score_percent is rounded down, passed means score >= pass mark."""

    score_percent: int
    passed: bool
    results: tuple[QuestionResult, ...]
    correct_count: int
    total: int


def _answers_by_index(answers: Any, total: int) -> dict[int, Any]:
    if isinstance(answers, Mapping):
        by_index = {}
        for key, chosen in answers.items():
            # JSON storage turns integer keys into strings: accept both.
            index = int(key) if isinstance(key, str) and key.isdigit() else key
            if not is_int(index) or not 0 <= index < total:
                raise InvalidAnswer(f"there is no question {key!r}")
            if index in by_index:
                raise InvalidAnswer(f"question {index} is answered twice")
            by_index[index] = chosen
        return by_index
    if not is_list(answers):
        raise InvalidAnswer("answers must be a mapping or a list")
    if len(answers) > total:
        raise InvalidAnswer(f"there are {total} questions, not {len(answers)}")
    return dict(enumerate(answers))


def score_quiz(
    questions: list[dict], answers: dict[int, list[int]] | list[list[int]], pass_mark: int
) -> QuizResult:
    """Score answers (option indexes per question index); only the exact correct set counts."""
    answer_map = _answers_by_index(answers, len(questions))
    results = []
    for i, question in enumerate(questions):
        options = question.get("options") or []
        chosen_raw = answer_map.get(i)
        if chosen_raw is None:
            chosen_raw = []
        if not is_list(chosen_raw) and not isinstance(chosen_raw, (set, frozenset)):
            raise InvalidAnswer(f"the answer to question {i} must be a list of option indexes")
        for option in chosen_raw:
            if not is_int(option) or not 0 <= option < len(options):
                raise InvalidAnswer(f"question {i} has no option {option!r}")
        chosen = tuple(sorted(set(chosen_raw)))
        if question_kind(question) == "single" and len(chosen) > 1:
            raise InvalidAnswer(f"question {i} takes one option, not {len(chosen)}")
        expected = correct_options(question)
        results.append(
            QuestionResult(
                index=i,
                correct=bool(chosen) and chosen == expected,
                chosen=chosen,
                correct_options=expected,
            )
        )
    total = len(results)
    correct_count = sum(result.correct for result in results)
    # Nothing to get wrong: an empty check is passed in full.
    score = correct_count * 100 // total if total else 100
    return QuizResult(
        score_percent=score,
        passed=score >= pass_mark,
        results=tuple(results),
        correct_count=correct_count,
        total=total,
    )
