"""Item analysis for trainers: how learners move through one module, counted, never named.

Pure reads. Every figure is aggregated in SQL (GROUP BY) or streamed as plain tuples, so the
number of queries is the same for 3 learners or 10,000; no learner's name or id leaves here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from assessments.models import (
    ChoiceRecord,
    KnowledgeCheckAttempt,
    ModuleProgress,
    Outcome,
    ScenarioAttempt,
)
from courses.models import CoursePage, ModulePage
from courses.quiz_rules import correct_options, question_kind

OUTCOMES = ("good", "mixed", "poor")
SCORE_NAMES = ("engagement", "education", "empowerment", "sentiment")
TOP_POOR_PATHS = 5
TABLES = ("scenes", "paths", "questions")


def percent(part: int, whole: int) -> float | None:
    """part as a percentage of whole; None when there is nothing to divide by."""
    return part * 100 / whole if whole else None


# --- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceStat:
    """One live choice of a scene and how often learners took it."""

    number: int  # 1-based, as the learner saw it
    label: str
    next_key: str
    next_title: str
    scores: Mapping[str, int]
    count: int
    percent: float | None  # of every choice made at the scene
    earlier_version_count: int  # recorded under another label (an earlier revision)


@dataclass(frozen=True)
class EndingStat:
    outcome: str  # the ending's outcome in the live module
    attempts: int  # attempts that finished here
    by_outcome: Mapping[str, int]  # as recorded: an earlier revision may have judged otherwise

    @property
    def outcome_label(self) -> str:
        return str(dict(Outcome.choices).get(self.outcome, self.outcome))

    @property
    def recorded(self) -> list[tuple[str, int]]:
        """(outcome label, attempts) for the outcomes recorded here, good first."""
        labels = dict(Outcome.choices)
        return [(str(labels[o]), n) for o, n in self.by_outcome.items() if n]


@dataclass(frozen=True)
class SceneStat:
    """One scene of the live scenario, in scenario order."""

    number: int
    key: str
    title: str
    is_start: bool
    learners: int  # distinct learners who made a choice here (endings: finished here)
    waiting: int  # open attempts standing at this scene now
    choices: tuple[ChoiceStat, ...] = ()
    choices_made: int = 0  # every choice recorded at this scene, retired options included
    retired_choices: int = 0  # made on an option the live scene no longer has
    ending: EndingStat | None = None

    @property
    def is_ending(self) -> bool:
        return self.ending is not None

    @property
    def unreached(self) -> bool:
        return self.learners == 0


@dataclass(frozen=True)
class PathStep:
    scene_title: str
    choice_label: str


@dataclass(frozen=True)
class PoorPath:
    """A sequence of choices that ended poorly, and how many poor endings took it."""

    rank: int
    steps: tuple[PathStep, ...]
    ending_title: str
    count: int
    percent: float | None  # of all attempts that ended poorly


@dataclass(frozen=True)
class QuestionStat:
    """One live knowledge-check question over learners' first attempts."""

    number: int
    prompt: str
    kind: str
    answered: int  # first attempts that chose at least one option
    correct: int
    percent_correct: float | None  # of answered
    wrong_option: str  # the most chosen wrong option ("" if no one chose one)
    wrong_count: int
    wrong_percent: float | None  # of answered


@dataclass(frozen=True)
class Headline:
    attempts_started: int
    attempts_finished: int
    learners_started: int
    learners_finished: int
    outcomes: Mapping[str, int]
    quiz_takers: int  # learners with a first knowledge-check attempt
    learners_passed: int

    def outcome_percent(self, outcome: str) -> float | None:
        return percent(self.outcomes.get(outcome, 0), self.attempts_finished)

    @property
    def outcome_rows(self) -> list[tuple[str, str, int, float | None]]:
        """(outcome, its label, attempts, % of finished) for good, mixed and poor."""
        labels = dict(Outcome.choices)
        return [
            (o, str(labels[o]), self.outcomes.get(o, 0), self.outcome_percent(o)) for o in OUTCOMES
        ]


@dataclass(frozen=True)
class ItemAnalysis:
    module_id: int
    title: str
    slug: str
    live: bool
    headline: Headline
    scenes: tuple[SceneStat, ...]
    # choices recorded at scenes the live scenario no longer has: {scene key: count}
    retired_scenes: Mapping[str, int]
    poor_total: int
    poor_paths: tuple[PoorPath, ...]
    questions: tuple[QuestionStat, ...]
    has_questions: bool = field(default=False)

    @property
    def unreached_scenes(self) -> list[SceneStat]:
        return [scene for scene in self.scenes if scene.unreached]


# --- selectors ----------------------------------------------------------------------------------


def module_item_analysis(page: ModulePage) -> ItemAnalysis:
    """The item analysis of one module against its live content (a fixed number of queries)."""
    scenes = page.scenario_data()
    questions = page.questions_data()
    attempts = ScenarioAttempt.objects.filter(module_id=page.pk)
    choices = ChoiceRecord.objects.filter(attempt__module_id=page.pk)
    headline = module_headline(page.pk)
    scene_list, retired_scenes = scene_stats(scenes, attempts, choices)
    poor_total, paths = poor_paths(page.pk, scenes)
    return ItemAnalysis(
        module_id=page.pk,
        title=page.title,
        slug=page.slug,
        live=page.live,
        headline=headline,
        scenes=tuple(scene_list),
        retired_scenes=retired_scenes,
        poor_total=poor_total,
        poor_paths=tuple(paths),
        questions=tuple(question_stats(page.pk, questions)),
        has_questions=bool(questions),
    )


def module_headline(module_id: int) -> Headline:
    """Attempts started and finished, outcome split, learners who passed the check."""
    finished = Q(status=ScenarioAttempt.Status.FINISHED)
    figures = ScenarioAttempt.objects.filter(module_id=module_id).aggregate(
        started=Count("pk"),
        finished=Count("pk", filter=finished),
        learners=Count("user", distinct=True),
        learners_finished=Count("user", distinct=True, filter=finished),
        **{o: Count("pk", filter=finished & Q(outcome=o)) for o in OUTCOMES},
    )
    progress = ModuleProgress.objects.filter(module_id=module_id).aggregate(
        passed=Count("pk", filter=Q(quiz_passed=True)),
        took=Count("pk", filter=Q(quiz_attempts__gt=0)),
    )
    return Headline(
        attempts_started=figures["started"],
        attempts_finished=figures["finished"],
        learners_started=figures["learners"],
        learners_finished=figures["learners_finished"],
        outcomes={o: figures[o] for o in OUTCOMES},
        quiz_takers=progress["took"],
        learners_passed=progress["passed"],
    )


def scene_stats(scenes: list[dict], attempts, choices) -> tuple[list[SceneStat], dict[str, int]]:
    """Reach and choice distribution per live scene (four GROUP BY queries).

    Also returns the choices made at scenes the live scenario no longer has, per scene key.
    """
    titles = {scene["key"]: scene["title"] for scene in scenes}
    # (scene, index) -> {label: count}: older revisions are matched by position
    chosen: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for scene_key, index, label, n in (
        choices.order_by()
        .values_list("scene_key", "choice_index", "choice_label")
        .annotate(n=Count("pk"))
    ):
        chosen[(scene_key, index)][label] = n
    reach = dict(
        choices.order_by()
        .values_list("scene_key")
        .annotate(n=Count("attempt__user", distinct=True))
    )
    ended_learners = dict(
        attempts.filter(status=ScenarioAttempt.Status.FINISHED)
        .order_by()
        .values_list("current_scene_key")
        .annotate(n=Count("user", distinct=True))
    )
    ended: dict[str, dict[str, int]] = defaultdict(dict)
    waiting: Counter[str] = Counter()
    for status, key, outcome, n in (
        attempts.order_by()
        .values_list("status", "current_scene_key", "outcome")
        .annotate(n=Count("pk"))
    ):
        if status == ScenarioAttempt.Status.FINISHED:
            ended[key][outcome] = n
        else:
            waiting[key] += n

    made_at: Counter[str] = Counter()
    for (scene_key, _index), labels in chosen.items():
        made_at[scene_key] += sum(labels.values())

    stats = []
    for number, scene in enumerate(scenes, start=1):
        key = scene["key"]
        common = {
            "number": number,
            "key": key,
            "title": scene["title"],
            "is_start": number == 1,
            "waiting": waiting.get(key, 0),
        }
        if scene.get("ending"):
            by_outcome = ended.get(key, {})
            stats.append(
                SceneStat(
                    learners=ended_learners.get(key, 0),
                    ending=EndingStat(
                        outcome=scene["ending"]["outcome"],
                        attempts=sum(by_outcome.values()),
                        by_outcome={o: by_outcome.get(o, 0) for o in OUTCOMES},
                    ),
                    **common,
                )
            )
            continue
        total = made_at.get(key, 0)
        live_choices = []
        for index, choice in enumerate(scene.get("choices", [])):
            labels = chosen.get((key, index), {})
            count = sum(labels.values())
            live_choices.append(
                ChoiceStat(
                    number=index + 1,
                    label=choice["label"],
                    next_key=choice["next"],
                    next_title=titles.get(choice["next"], choice["next"]),
                    scores={name: choice.get(name, 0) or 0 for name in SCORE_NAMES},
                    count=count,
                    percent=percent(count, total),
                    earlier_version_count=count - labels.get(choice["label"], 0),
                )
            )
        stats.append(
            SceneStat(
                learners=reach.get(key, 0),
                choices=tuple(live_choices),
                choices_made=total,
                retired_choices=total - sum(c.count for c in live_choices),
                **common,
            )
        )
    live_keys = {scene["key"] for scene in scenes}
    retired = {key: n for key, n in sorted(made_at.items()) if key not in live_keys}
    return stats, retired


def poor_paths(
    module_id: int, scenes: list[dict], limit: int = TOP_POOR_PATHS
) -> tuple[int, list[PoorPath]]:
    """How many attempts ended poorly, and the commonest choice sequences that led there.

    One query streams (attempt, scene, choice) tuples of poor attempts ordered by attempt and
    step; nothing is loaded as a model instance.
    """
    by_key = {scene["key"]: scene for scene in scenes}
    rows = (
        ChoiceRecord.objects.filter(
            attempt__module_id=module_id,
            attempt__status=ScenarioAttempt.Status.FINISHED,
            attempt__outcome=Outcome.POOR,
        )
        .order_by("attempt_id", "step")
        .values_list("attempt_id", "scene_key", "choice_index", "choice_label", "next_scene_key")
    )
    counts: Counter[tuple] = Counter()
    seen_labels: dict[tuple[str, int], str] = {}
    current_id = None
    steps: list[tuple[str, int]] = []
    last_next = ""
    for attempt_id, scene_key, index, label, next_key in rows.iterator(chunk_size=5000):
        if attempt_id != current_id:
            if current_id is not None:
                counts[(tuple(steps), last_next)] += 1
            current_id, steps = attempt_id, []
        steps.append((scene_key, index))
        seen_labels.setdefault((scene_key, index), label)
        last_next = next_key
    if current_id is not None:
        counts[(tuple(steps), last_next)] += 1
    total = sum(counts.values())

    def scene_title(key: str) -> str:
        scene = by_key.get(key)
        return scene["title"] if scene else key

    def choice_label(key: str, index: int) -> str:
        live = by_key.get(key, {}).get("choices") or []
        return live[index]["label"] if 0 <= index < len(live) else seen_labels[(key, index)]

    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return total, [
        PoorPath(
            rank=rank,
            steps=tuple(PathStep(scene_title(k), choice_label(k, i)) for k, i in path),
            ending_title=scene_title(ending),
            count=n,
            percent=percent(n, total),
        )
        for rank, ((path, ending), n) in enumerate(ranked, start=1)
    ]


def _chosen_by_question(answers: Any, total: int) -> dict[int, frozenset[int]]:
    """A stored answer list (or {index: options} mapping) as option sets by question position.

    Lenient, unlike quiz.score_quiz: an answer given to an earlier revision may name options
    the live question no longer has, and those are left out rather than rejected.
    """
    if isinstance(answers, Mapping):
        pairs: Iterable = (
            (int(k) if isinstance(k, str) and k.isdigit() else k, v) for k, v in answers.items()
        )
    elif isinstance(answers, Sequence) and not isinstance(answers, (str, bytes)):
        pairs = enumerate(answers)
    else:
        return {}
    chosen = {}
    for index, options in pairs:
        if not isinstance(index, int) or not 0 <= index < total:
            continue
        if isinstance(options, Sequence) and not isinstance(options, (str, bytes)):
            chosen[index] = frozenset(o for o in options if isinstance(o, int))
    return chosen


def question_stats(module_id: int, questions: list[dict]) -> list[QuestionStat]:
    """% correct and the most chosen wrong option per live question, over first attempts only.

    Identical answer sheets are grouped in SQL, so the rows read are the distinct sheets.
    """
    if not questions:
        return []
    sheets = (
        KnowledgeCheckAttempt.objects.filter(module_id=module_id, number=1)
        .order_by()
        .values_list("answers")
        .annotate(n=Count("pk"))
    )
    total = len(questions)
    answered = [0] * total
    correct = [0] * total
    wrong: list[Counter[int]] = [Counter() for _ in questions]
    expected = [frozenset(correct_options(q)) for q in questions]
    for answers, n in sheets:
        for index, chosen in _chosen_by_question(answers, total).items():
            options = len(questions[index].get("options") or [])
            chosen = frozenset(o for o in chosen if 0 <= o < options)
            if not chosen:
                continue
            answered[index] += n
            if chosen == expected[index]:
                correct[index] += n
            for option in chosen - expected[index]:
                wrong[index][option] += n
    stats = []
    for index, question in enumerate(questions):
        top = min(wrong[index].items(), key=lambda item: (-item[1], item[0]), default=None)
        stats.append(
            QuestionStat(
                number=index + 1,
                prompt=question["prompt"],
                kind=question_kind(question),
                answered=answered[index],
                correct=correct[index],
                percent_correct=percent(correct[index], answered[index]),
                wrong_option=question["options"][top[0]]["text"] if top else "",
                wrong_count=top[1] if top else 0,
                wrong_percent=percent(top[1], answered[index]) if top else None,
            )
        )
    return stats


@dataclass(frozen=True)
class ModuleEntry:
    pk: int
    title: str
    course_title: str
    live: bool
    attempts: int


def modules_for_item_analysis() -> list[ModuleEntry]:
    """Every module with its course and attempt count, for the index (three queries)."""
    courses = dict(CoursePage.objects.values_list("path", "title"))
    attempts = dict(
        ScenarioAttempt.objects.order_by().values_list("module_id").annotate(n=Count("pk"))
    )
    step = ModulePage.steplen
    return [
        ModuleEntry(
            pk=pk,
            title=title,
            course_title=courses.get(path[:-step], ""),
            live=live,
            attempts=attempts.get(pk, 0),
        )
        for pk, title, path, live in ModulePage.objects.order_by("path").values_list(
            "pk", "title", "path", "live"
        )
    ]


# --- tables for export --------------------------------------------------------------------------


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def export_table(page: ModulePage, table: str) -> tuple[list[str], list[list]]:
    """One of TABLES as a header and rows, with the figures the page shows; KeyError if unknown.

    Only the selector the table needs runs.
    """
    if table == "scenes":
        attempts = ScenarioAttempt.objects.filter(module_id=page.pk)
        choices = ChoiceRecord.objects.filter(attempt__module_id=page.pk)
        return _scene_rows(scene_stats(page.scenario_data(), attempts, choices)[0])
    if table == "paths":
        return _path_rows(poor_paths(page.pk, page.scenario_data())[1])
    if table == "questions":
        return _question_rows(question_stats(page.pk, page.questions_data()))
    raise KeyError(table)


def _scene_rows(scenes: Iterable[SceneStat]) -> tuple[list[str], list[list]]:
    header = [
        _("Scene no."),
        _("Scene key"),
        _("Scene"),
        _("Learners who reached it"),
        _("Open attempts waiting here"),
        _("Choice no."),
        _("Choice"),
        _("Leads to"),
        _("Times chosen"),
        _("% of choices at this scene"),
        _("Engagement"),
        _("Education"),
        _("Empowerment"),
        _("Sentiment"),
        _("Of which made on an earlier version"),
        _("Ending outcome"),
        _("Attempts finished here"),
    ]
    rows = []
    for scene in scenes:
        head = [scene.number, scene.key, scene.title, scene.learners, scene.waiting]
        if scene.ending:
            rows.append(head + [None] * 10 + [scene.ending.outcome, scene.ending.attempts])
            continue
        for choice in scene.choices:
            rows.append(
                head
                + [
                    choice.number,
                    choice.label,
                    choice.next_title,
                    choice.count,
                    _rounded(choice.percent),
                    *(choice.scores[name] for name in SCORE_NAMES),
                    choice.earlier_version_count,
                    None,
                    None,
                ]
            )
    return header, rows


def _path_rows(paths: Iterable[PoorPath]) -> tuple[list[str], list[list]]:
    header = [_("Rank"), _("Path"), _("Poor ending"), _("Attempts"), _("% of poor endings")]
    rows = [
        [
            path.rank,
            " → ".join(f"{step.scene_title}: {step.choice_label}" for step in path.steps),
            path.ending_title,
            path.count,
            _rounded(path.percent),
        ]
        for path in paths
    ]
    return header, rows


def _question_rows(questions: Iterable[QuestionStat]) -> tuple[list[str], list[list]]:
    header = [
        _("Question no."),
        _("Question"),
        _("Answered (first attempts)"),
        _("Correct"),
        _("% correct"),
        _("Most chosen wrong option"),
        _("Times chosen"),
        _("% of answered"),
    ]
    rows = [
        [
            q.number,
            q.prompt,
            q.answered,
            q.correct,
            _rounded(q.percent_correct),
            q.wrong_option,
            q.wrong_count,
            _rounded(q.wrong_percent),
        ]
        for q in questions
    ]
    return header, rows
