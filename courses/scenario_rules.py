"""Authoring rules for branching scenarios: check plain scene data and map its graph.

Stdlib only on purpose: the same rules serve module files, the Wagtail editor and (through
assessments.scenario, the engine that walks a scenario) the learner views, and they stay
testable without a database.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("good", "mixed", "poor")
# Higher is better: used to compare what a learner can still achieve after a choice.
OUTCOME_RANK = {"poor": 0, "mixed": 1, "good": 2}
OUTCOME_BY_RANK = {rank: outcome for outcome, rank in OUTCOME_RANK.items()}
DELTA_LIMITS = {"engagement": 2, "education": 2, "empowerment": 2, "sentiment": 3}


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """Points on the three E's and customer sentiment: per choice, or summed over a run."""

    engagement: int = 0
    education: int = 0
    empowerment: int = 0
    sentiment: int = 0

    def __add__(self, other: object) -> Scores:
        if not isinstance(other, Scores):
            return NotImplemented
        return Scores(
            engagement=self.engagement + other.engagement,
            education=self.education + other.education,
            empowerment=self.empowerment + other.empowerment,
            sentiment=self.sentiment + other.sentiment,
        )

    def as_dict(self) -> dict[str, int]:
        """The scores as a plain dict, in the order of DELTA_LIMITS."""
        return {name: getattr(self, name) for name in DELTA_LIMITS}


@dataclass(frozen=True)
class Choice:
    """One option offered in a scene; index is its position in the scene's choices."""

    index: int
    label: str
    next: str
    feedback: str
    deltas: Scores


@dataclass(frozen=True)
class Ending:
    """How a scenario run ends: outcome is one of OUTCOMES."""

    outcome: str
    debrief: str


@dataclass(frozen=True)
class Scene:
    """One step of a scenario: either choices to make or an ending."""

    key: str
    title: str
    narrative: str
    mood: str
    choices: tuple[Choice, ...]
    ending: Ending | None

    @property
    def is_ending(self) -> bool:
        """True when the run stops here."""
        return self.ending is not None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with authored data; path points into it, e.g. scenes[3].choices[1].next."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class State:
    """Where a learner is in a run; path holds (scene_key, choice_index) per choice made."""

    scene_key: str
    step: int
    path: tuple[tuple[str, int], ...]
    totals: Scores
    finished: bool
    outcome: str


@dataclass(frozen=True)
class StepResult:
    """What one choice did: the new state, the choice, the scene it was made in and the next."""

    state: State
    choice: Choice
    scene: Scene
    next_scene: Scene


# --- errors -----------------------------------------------------------------------------------


class ScenarioError(ValueError):
    """The scenario data has problems; .problems lists all of them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))


class InvalidChoice(ValueError):
    """The choice does not exist in the current scene, or a stored path does not fit."""


class StaleStep(ValueError):
    """The choice was made for an earlier step (a replayed form or the back button)."""


class ScenarioFinished(ValueError):
    """The run has already reached an ending."""


# --- reading raw data ---------------------------------------------------------------------------


@dataclass
class _RawChoice:
    index: int
    label: str
    next: str | None  # None when missing, blank or not text
    feedback: str
    deltas: Scores


@dataclass
class _RawScene:
    index: int
    key: str | None  # None when missing, blank or not text
    title: str = ""
    narrative: str = ""
    mood: str = ""
    choices: list[_RawChoice] = field(default_factory=list)
    has_choices: bool = False
    ending: Ending | None = None  # None when absent or unusable
    has_ending: bool = False  # something ending-like was given, even if unusable


class _Reader:
    """Reads raw scene data leniently, collecting problems in scene order."""

    def __init__(self, data: Any):
        self.problems: list[tuple[tuple[int, int], Problem]] = []
        # Graph checks (traps) and the good-ending check are noise when the graph or the endings
        # are themselves broken, so each broken part switches its check off.
        self.graph_ok = True
        self.endings_ok = True
        self.scenes: list[_RawScene] = []
        self.key_index: dict[str, int] = {}
        if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
            self.add(-1, "scenes", "the scenario must be a list of scenes")
            self.graph_ok = self.endings_ok = False
            return
        if not data:
            self.add(-1, "scenes", "the scenario has no scenes")
            self.graph_ok = self.endings_ok = False
            return
        # Keys first, so that a choice may point forward to a later scene.
        for i, raw in enumerate(data):
            key = raw.get("key") if isinstance(raw, Mapping) else None
            if isinstance(key, str) and key.strip():
                self.key_index.setdefault(key, i)
        for i, raw in enumerate(data):
            self.scenes.append(self.read_scene(i, raw))

    def add(self, scene_index: int, path: str, message: str, phase: int = 0) -> None:
        self.problems.append(((scene_index, phase), Problem(path, message)))

    def sorted_problems(self) -> list[Problem]:
        return [p for _, p in sorted(self.problems, key=lambda item: item[0])]

    def text(self, i: int, raw: Mapping, name: str, path: str, what: str) -> str:
        value = raw.get(name)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        self.add(i, f"{path}.{name}", f"{what} must be text, not {type(value).__name__}")
        return ""

    def read_scene(self, i: int, raw: Any) -> _RawScene:
        path = f"scenes[{i}]"
        if not isinstance(raw, Mapping):
            self.add(
                i, path, "a scene must be a mapping with a key, a title and choices or an ending"
            )
            self.graph_ok = self.endings_ok = False
            return _RawScene(index=i, key=None)
        scene = _RawScene(index=i, key=self.read_key(i, raw))
        name = _scene_name(scene.key, raw.get("title"))
        scene.title = self.text(i, raw, "title", path, f"the title of {name}")
        scene.narrative = self.text(i, raw, "narrative", path, f"the narrative of {name}")
        scene.mood = self.text(i, raw, "mood", path, f"the mood of {name}")
        raw_choices = raw.get("choices")
        if raw_choices is None:
            raw_choices = []
        if isinstance(raw_choices, (str, bytes)) or not isinstance(raw_choices, Sequence):
            self.add(i, f"{path}.choices", f"the choices of {name} must be a list")
            self.graph_ok = False
            scene.has_choices = bool(raw_choices)
        else:
            scene.has_choices = bool(raw_choices)
            for j, raw_choice in enumerate(raw_choices):
                choice = self.read_choice(i, j, raw_choice, name)
                if choice is not None:
                    scene.choices.append(choice)
        self.read_ending(i, raw, scene, name)
        if scene.has_choices and scene.has_ending:
            self.add(i, path, f"{name} has both choices and an ending: keep one")
            self.graph_ok = self.endings_ok = False
        elif not scene.has_choices and not scene.has_ending:
            self.add(i, path, f"{name} has neither choices nor an ending")
            # The author may have meant this scene to be the good ending.
            self.graph_ok = self.endings_ok = False
        return scene

    def read_key(self, i: int, raw: Mapping) -> str | None:
        path = f"scenes[{i}].key"
        key = raw.get("key")
        title = raw.get("title")
        titled = f'the scene titled "{title}"' if isinstance(title, str) and title else "a scene"
        if _is_blank(key):
            self.add(i, path, f"{titled} has no key")
            self.graph_ok = False
            return None
        if not isinstance(key, str):
            self.add(i, path, f"the key of {titled} must be text, not {type(key).__name__}")
            self.graph_ok = False
            return None
        first = self.key_index[key]
        if first != i:
            self.add(i, path, f'duplicate key "{key}" (also scenes[{first}])')
            self.graph_ok = False
        return key

    def read_choice(self, i: int, j: int, raw: Any, scene_name: str) -> _RawChoice | None:
        path = f"scenes[{i}].choices[{j}]"
        if not isinstance(raw, Mapping):
            self.add(i, path, f"a choice in {scene_name} must be a mapping with a label and next")
            self.graph_ok = False
            return None
        label = self.text(i, raw, "label", path, f"the label of a choice in {scene_name}")
        if _is_blank(raw.get("label")):
            self.add(i, f"{path}.label", f"a choice in {scene_name} has no label")
        what = (
            f'the choice "{label}" in {scene_name}'
            if label.strip()
            else f"a choice in {scene_name}"
        )
        feedback = self.text(i, raw, "feedback", path, f"the feedback of {what}")
        next_key = self.read_next(i, path, raw.get("next"), what)
        deltas = {name: self.read_delta(i, path, raw, name, what) for name in DELTA_LIMITS}
        return _RawChoice(j, label, next_key, feedback, Scores(**deltas))

    def read_next(self, i: int, path: str, value: Any, what: str) -> str | None:
        if _is_blank(value):
            self.add(i, f"{path}.next", f"{what} has no next scene")
        elif not isinstance(value, str):
            self.add(i, f"{path}.next", f"the next scene of {what} must be a scene key")
        elif value not in self.key_index:
            self.add(i, f"{path}.next", f'no scene "{value}"')
        else:
            return value
        self.graph_ok = False
        return None

    def read_delta(self, i: int, path: str, raw: Mapping, name: str, what: str) -> int:
        value = raw.get(name)
        if value is None:
            return 0
        limit = DELTA_LIMITS[name]
        # bool is an int subclass, but True as a score is an authoring slip.
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(i, f"{path}.{name}", f"{name} of {what} must be a whole number")
            return 0
        if not -limit <= value <= limit:
            self.add(
                i,
                f"{path}.{name}",
                f"{name} of {what} must be between -{limit} and {limit}, not {value}",
            )
            return 0
        return value

    def read_ending(self, i: int, raw: Mapping, scene: _RawScene, name: str) -> None:
        path = f"scenes[{i}].ending"
        value = raw.get("ending")
        if _is_blank(value) or (
            isinstance(value, Mapping) and all(_is_blank(v) for v in value.values())
        ):
            # Editors hand over an all-blank ending for scenes with choices: that is no ending.
            return
        scene.has_ending = True
        if not isinstance(value, Mapping):
            self.add(
                i, path, f"the ending of {name} must be a mapping with an outcome and a debrief"
            )
            self.endings_ok = False
            return
        outcome = value.get("outcome")
        debrief = self.text(i, value, "debrief", path, f"the debrief of {name}")
        if outcome not in OUTCOMES:
            shown = f'"{outcome}"' if isinstance(outcome, str) else repr(outcome)
            if outcome is None or outcome == "":
                message = f"the ending of {name} has no outcome: use one of {', '.join(OUTCOMES)}"
            else:
                message = f"outcome {shown} of {name} must be one of {', '.join(OUTCOMES)}"
            self.add(i, f"{path}.outcome", message)
            self.endings_ok = False
            return
        scene.ending = Ending(outcome=outcome, debrief=debrief)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _scene_name(key: str | None, title: Any = None) -> str:
    if key:
        return f'scene "{key}"'
    if isinstance(title, str) and title:
        return f'the scene titled "{title}"'
    return "this scene"


# --- the graph -------------------------------------------------------------------------------


def _successors(reader: _Reader) -> list[list[int]]:
    """Scene indexes each scene's choices lead to, following only edges to existing keys."""
    return [
        [reader.key_index[c.next] for c in scene.choices if c.next is not None]
        for scene in reader.scenes
    ]


def _reachable_from(start: int | list[int], successors: list[list[int]]) -> set[int]:
    """Indexes reachable from the start index (or indexes) along the given edges."""
    starts = [start] if isinstance(start, int) else start
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for nxt in successors[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _can_reach_ending(reader: _Reader, successors: list[list[int]]) -> set[int]:
    """Indexes of scenes from which some ending can be reached (endings included)."""
    predecessors: list[list[int]] = [[] for _ in successors]
    for source, targets in enumerate(successors):
        for target in targets:
            predecessors[target].append(source)
    return _reachable_from([s.index for s in reader.scenes if s.has_ending], predecessors)


def validate_scenario(data: list[dict]) -> list[Problem]:
    """Every problem in the scenario data, in scene order; never raises."""
    return read_scenario(data)[1]


def read_scenario(data: Any) -> tuple[_Reader, list[Problem]]:
    reader = _Reader(data)
    if not reader.scenes:
        return reader, reader.sorted_problems()
    successors = _successors(reader)
    reachable = _reachable_from(0, successors)
    start_key = reader.scenes[0].key
    start_name = f'the start scene "{start_key}"' if start_key else "the start scene"
    for scene in reader.scenes:
        # Keyless and duplicate scenes cannot be pointed at, and are reported already.
        if scene.key is None or reader.key_index[scene.key] != scene.index:
            continue
        if scene.index not in reachable:
            message = f'scene "{scene.key}" cannot be reached from {start_name}'
            reader.add(scene.index, f"scenes[{scene.index}]", message, phase=1)
    if reader.graph_ok:
        can_end = _can_reach_ending(reader, successors)
        for scene in reader.scenes:
            if scene.index not in can_end:
                message = f'no ending can be reached from scene "{scene.key}"'
                reader.add(scene.index, f"scenes[{scene.index}]", message, phase=2)
    if reader.endings_ok and not any(
        s.ending is not None and s.ending.outcome == "good" for s in reader.scenes
    ):
        reader.add(-1, "scenes", "no ending with a good outcome")
    return reader, reader.sorted_problems()


def map_graph(data: list[dict]) -> dict:
    """Nodes and edges for drawing a scenario map; works on invalid data too.

    Nodes: key, title, index, is_start, is_ending, outcome, reachable, dead_end (no ending can be
    reached). Edges: source, target, label, dangling (target is no scene), choice_index, plus
    source_index and target_index (None when dangling), since keys may be missing or repeated.
    """
    reader = _Reader(data)
    if not reader.scenes:
        return {"nodes": [], "edges": []}
    successors = _successors(reader)
    reachable = _reachable_from(0, successors)
    can_end = _can_reach_ending(reader, successors)
    nodes = []
    edges = []
    for scene in reader.scenes:
        raw = data[scene.index]
        raw_ending = raw.get("ending") if isinstance(raw, Mapping) else None
        outcome = raw_ending.get("outcome") if isinstance(raw_ending, Mapping) else None
        nodes.append(
            {
                "key": scene.key or "",
                "title": scene.title,
                "index": scene.index,
                "is_start": scene.index == 0,
                "is_ending": scene.has_ending,
                "outcome": outcome if scene.has_ending and isinstance(outcome, str) else "",
                "reachable": scene.index in reachable,
                "dead_end": scene.index not in can_end,
            }
        )
        raw_choices = raw.get("choices") if isinstance(raw, Mapping) else None
        if isinstance(raw_choices, (str, bytes)) or not isinstance(raw_choices, Sequence):
            continue
        for j, raw_choice in enumerate(raw_choices):
            if not isinstance(raw_choice, Mapping):
                continue
            target = raw_choice.get("next")
            target_index = reader.key_index.get(target) if isinstance(target, str) else None
            label = raw_choice.get("label")
            edges.append(
                {
                    "source": scene.key or "",
                    "target": target if isinstance(target, str) else "",
                    "label": label if isinstance(label, str) else "",
                    "dangling": target_index is None,
                    "choice_index": j,
                    "source_index": scene.index,
                    "target_index": target_index,
                }
            )
    return {"nodes": nodes, "edges": edges}
