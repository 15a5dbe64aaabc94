"""Authoring rules for knowledge checks: every question answerable, pass marks reachable.

Stdlib only; assessments.quiz scores submitted answers with the same helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from courses.scenario_rules import Problem

KINDS = ("single", "multiple")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def question_kind(question: Mapping) -> Any:
    # A missing kind means single choice, the editor's default.
    kind = question.get("kind")
    return "single" if kind is None or kind == "" else kind


def _name(question: Mapping) -> str:
    prompt = question.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return "this question"
    prompt = " ".join(prompt.split())
    return f'question "{prompt if len(prompt) <= 60 else prompt[:57] + "..."}"'


def validate_knowledge_check(questions: list[dict], pass_mark: int) -> list[Problem]:
    """Every problem in the questions and pass mark, in order; never raises."""
    problems: list[Problem] = []
    if not is_list(questions):
        problems.append(Problem("questions", "the questions must be a list"))
        questions = []
    for i, question in enumerate(questions):
        problems.extend(_question_problems(i, question))
    if not is_int(pass_mark) or not 0 <= pass_mark <= 100:
        problems.append(
            Problem(
                "pass_mark",
                f"the pass mark must be a whole number from 0 to 100, not {pass_mark!r}",
            )
        )
    elif pass_mark > 0 and not questions:
        problems.append(
            Problem("pass_mark", f"a pass mark of {pass_mark}% needs at least one question")
        )
    return problems


def _question_problems(i: int, question: Any) -> list[Problem]:
    path = f"questions[{i}]"
    if not isinstance(question, Mapping):
        return [Problem(path, "a question must be a mapping with a prompt, a kind and options")]
    problems = []
    name = _name(question)
    prompt = question.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        problems.append(Problem(f"{path}.prompt", "a question has no prompt"))
    kind = question_kind(question)
    if kind not in KINDS:
        problems.append(
            Problem(f"{path}.kind", f"the kind of {name} must be single or multiple, not {kind!r}")
        )
    explanation = question.get("explanation")
    if explanation is not None and not isinstance(explanation, str):
        problems.append(Problem(f"{path}.explanation", f"the explanation of {name} must be text"))
    options = question.get("options")
    if options is None:
        options = []
    if not is_list(options):
        problems.append(Problem(f"{path}.options", f"the options of {name} must be a list"))
        return problems
    correct = 0
    for j, option in enumerate(options):
        option_path = f"{path}.options[{j}]"
        if not isinstance(option, Mapping):
            problems.append(Problem(option_path, f"an option of {name} must be a mapping"))
            continue
        text = option.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(f"{option_path}.text", f"an option of {name} has no text"))
        flag = option.get("correct", False)
        if not isinstance(flag, bool):
            problems.append(
                Problem(f"{option_path}.correct", f"correct must be true or false in {name}")
            )
        elif flag:
            correct += 1
    if len(options) < 2:
        problems.append(Problem(f"{path}.options", f"{name} needs at least two options"))
    if correct == 0 and options:
        problems.append(Problem(f"{path}.options", f"{name} has no correct option"))
    elif correct > 1 and kind == "single":
        problems.append(
            Problem(
                f"{path}.options",
                f"{name} is single choice but has {correct} correct options: "
                "mark one, or make it multiple choice",
            )
        )
    return problems


def correct_options(question: Mapping) -> tuple[int, ...]:
    options = question.get("options") or []
    return tuple(
        j
        for j, option in enumerate(options)
        if isinstance(option, Mapping) and option.get("correct") is True
    )
