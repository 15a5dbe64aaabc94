"""The scenario engine: walk a checked scenario one choice at a time.

Stdlib only. The authoring rules (values, validation, the graph map) live in
courses.scenario_rules and are re-exported here, so callers need one import.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from courses.scenario_rules import (  # noqa: F401 - re-exported
    DELTA_LIMITS,
    OUTCOME_BY_RANK,
    OUTCOME_RANK,
    OUTCOMES,
    Choice,
    Ending,
    InvalidChoice,
    Problem,
    ScenarioError,
    ScenarioFinished,
    Scene,
    Scores,
    StaleStep,
    State,
    StepResult,
    map_graph,
    read_scenario,
    validate_scenario,
)

# --- running a scenario ------------------------------------------------------------------------


class Scenario:
    """A checked scenario that learners walk through; build it with Scenario.from_data."""

    def __init__(self, scenes: Iterable[Scene]):
        self.scenes: tuple[Scene, ...] = tuple(scenes)
        if not self.scenes:
            raise ScenarioError([Problem("scenes", "the scenario has no scenes")])
        self.start_key: str = self.scenes[0].key
        self._by_key = {scene.key: scene for scene in self.scenes}

    @classmethod
    def from_data(cls, data: list[dict]) -> Scenario:
        """Build a scenario from plain scene dicts; raises ScenarioError listing all problems."""
        reader, problems = read_scenario(data)
        if problems:
            raise ScenarioError(problems)
        return cls(
            Scene(
                key=s.key or "",
                title=s.title,
                narrative=s.narrative,
                mood=s.mood,
                choices=tuple(
                    Choice(c.index, c.label, c.next or "", c.feedback, c.deltas) for c in s.choices
                ),
                ending=s.ending,
            )
            for s in reader.scenes
        )

    def __repr__(self) -> str:
        return f"<Scenario start={self.start_key!r} scenes={len(self.scenes)}>"

    def scene(self, key: str) -> Scene:
        """The scene with this key; KeyError if there is none."""
        return self._by_key[key]

    def start(self) -> State:
        """A fresh run at the start scene (finished at once only if the start is an ending)."""
        return self.state_at(self.start_key)

    def state_at(self, scene_key: str) -> State:
        """A fresh run placed at any scene: no choices made, no scores yet."""
        scene = self.scene(scene_key)
        return State(
            scene_key=scene.key,
            step=0,
            path=(),
            totals=Scores(),
            finished=scene.is_ending,
            outcome=scene.ending.outcome if scene.ending else "",
        )

    def choose(self, state: State, *, scene_key: str, choice_index: int, step: int) -> StepResult:
        """Make one choice; scene_key and step must match the state the form was shown for."""
        if state.finished:
            raise ScenarioFinished(f"the run already ended with a {state.outcome} outcome")
        if step != state.step or scene_key != state.scene_key:
            raise StaleStep(
                f"choice for step {step} in scene {scene_key!r}, "
                f"but the run is at step {state.step} in scene {state.scene_key!r}"
            )
        scene = self._by_key.get(state.scene_key)
        if scene is None:
            # The content changed under a stored run: its scene no longer exists.
            raise InvalidChoice(f"no scene {state.scene_key!r} in this scenario")
        valid = isinstance(choice_index, int) and not isinstance(choice_index, bool)
        if not valid or not 0 <= choice_index < len(scene.choices):
            raise InvalidChoice(f"scene {scene.key!r} has no choice {choice_index!r}")
        choice = scene.choices[choice_index]
        next_scene = self.scene(choice.next)
        new_state = State(
            scene_key=next_scene.key,
            step=state.step + 1,
            path=state.path + ((scene.key, choice_index),),
            totals=state.totals + choice.deltas,
            finished=next_scene.is_ending,
            outcome=next_scene.ending.outcome if next_scene.ending else "",
        )
        return StepResult(state=new_state, choice=choice, scene=scene, next_scene=next_scene)

    def replay(self, path: Iterable[Sequence[Any]]) -> State:
        """Rebuild a run from stored (scene_key, choice_index) pairs; InvalidChoice on a misfit."""
        state = self.start()
        for n, pair in enumerate(path):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise InvalidChoice(f"path[{n}]: {pair!r} is not a (scene_key, choice_index) pair")
            scene_key, choice_index = pair
            try:
                state = self.choose(
                    state, scene_key=scene_key, choice_index=choice_index, step=state.step
                ).state
            except (StaleStep, ScenarioFinished, InvalidChoice) as exc:
                raise InvalidChoice(f"path[{n}]: {exc}") from exc
        return state

    def shortest_path_to_ending_from(self, key: str) -> list[str]:
        """Scene keys from key to the nearest ending, both included (BFS, choices in order)."""
        self.scene(key)  # KeyError for an unknown key
        parent: dict[str, str | None] = {key: None}
        queue = deque([key])
        while queue:
            current = queue.popleft()
            if self._by_key[current].is_ending:
                path = [current]
                while (prev := parent[path[-1]]) is not None:
                    path.append(prev)
                return path[::-1]
            for choice in self._by_key[current].choices:
                if choice.next not in parent:
                    parent[choice.next] = current
                    queue.append(choice.next)
        return []

    def best_outcome_from(self, key: str) -> str:
        """The best ending outcome still reachable from a scene ("" if none)."""
        best = -1
        seen = {key}
        queue = deque([key])
        while queue:
            scene = self._by_key[queue.popleft()]
            if scene.ending is not None:
                best = max(best, OUTCOME_RANK[scene.ending.outcome])
            for choice in scene.choices:
                if choice.next not in seen:
                    seen.add(choice.next)
                    queue.append(choice.next)
        return OUTCOME_BY_RANK.get(best, "")

    def key_scenes(self) -> list[str]:
        """Keys of scenes where a choice changes the best outcome still reachable, in order.

        A scene counts when it has two or more choices and their next scenes differ in the best
        ending outcome reachable from them: a choice there can shut the good ending off for good.
        """
        best = {scene.key: self.best_outcome_from(scene.key) for scene in self.scenes}
        return [
            scene.key
            for scene in self.scenes
            if len(scene.choices) >= 2 and len({best[c.next] for c in scene.choices}) > 1
        ]
