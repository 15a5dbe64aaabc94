"""Property tests: random valid scenarios pass and play; each kind of damage is caught."""

import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.scenario import (
    DELTA_LIMITS,
    OUTCOMES,
    Scenario,
    ScenarioError,
    map_graph,
    validate_scenario,
)

FAST = settings(max_examples=200, deadline=None)


@st.composite
def valid_scenarios(draw):
    """A random valid scenario: every scene reachable, an ending reachable from every scene."""
    n_choice = draw(st.integers(1, 8))
    n_end = draw(st.integers(1, 4))
    # Hypothesis shrinks the sizes; the wiring comes from a seeded Random, because drawing every
    # edge through Hypothesis made generation ten times slower than the checks themselves.
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    n = n_choice + n_end
    # Scene i has key keys[i]; choice scenes are 0..n_choice-1 (0 is the start), then endings.
    keys = ["start", *rng.sample([f"s{i}" for i in range(1, n)], n - 1)]
    edges: list[list[int]] = [[] for _ in range(n_choice)]
    # A spanning tree hung from the start, with only choice scenes as parents.
    for child in range(1, n):
        edges[rng.randrange(min(child, n_choice))].append(child)
    # Tree leaves that are choice scenes lead straight to an ending, so every scene can finish.
    for targets in edges:
        if not targets:
            targets.append(rng.randrange(n_choice, n))
    # Extra edges anywhere: back edges, self loops, shortcuts to endings.
    for _ in range(rng.randrange(13)):
        edges[rng.randrange(n_choice)].append(rng.randrange(n))
    for targets in edges:
        rng.shuffle(targets)
    outcomes = [rng.choice(OUTCOMES) for _ in range(n_end)]
    outcomes[rng.randrange(n_end)] = "good"
    scenes = []
    for i in range(n):
        scene = {"key": keys[i], "title": f"Scene {i}", "narrative": f"<p>{i}</p>"}
        if rng.random() < 0.5:
            scene["mood"] = rng.choice(["", "angry", "calm"])
        if i < n_choice:
            scene["choices"] = [
                {"label": f"To {keys[t]}", "next": keys[t], "feedback": "", **deltas(rng)}
                for t in edges[i]
            ]
            if rng.random() < 0.3:
                # What editors send for "no ending": all count as none.
                scene["ending"] = rng.choice([None, {}, {"outcome": "", "debrief": ""}])
        else:
            scene["ending"] = {"outcome": outcomes[i - n_choice], "debrief": "Done."}
            if rng.random() < 0.3:
                scene["choices"] = rng.choice([[], None])
        scenes.append(scene)
    # Only the start's place matters: shuffle the rest.
    rest = scenes[1:]
    rng.shuffle(rest)
    return [scenes[0], *rest]


def deltas(rng):
    """Scores for one choice, each key present or not (missing means 0)."""
    return {
        name: rng.randint(-limit, limit)
        for name, limit in DELTA_LIMITS.items()
        if rng.random() < 0.7
    }


def choice_scenes(data):
    return [i for i, scene in enumerate(data) if scene.get("choices")]


def ending_scenes(data):
    return [i for i, scene in enumerate(data) if not scene.get("choices")]


# --- valid scenarios ----------------------------------------------------------------------------


@FAST
@given(valid_scenarios())
def test_valid_scenarios_have_no_problems(data):
    assert validate_scenario(data) == []
    scenario = Scenario.from_data(data)
    assert [s.key for s in scenario.scenes] == [s["key"] for s in data]
    graph = map_graph(data)
    assert all(n["reachable"] and not n["dead_end"] for n in graph["nodes"])
    assert not any(e["dangling"] for e in graph["edges"])


@FAST
@given(valid_scenarios())
def test_shortest_paths_reach_an_ending_from_every_scene(data):
    scenario = Scenario.from_data(data)
    for scene in scenario.scenes:
        state = scenario.state_at(scene.key)
        for _ in range(len(scenario.scenes)):
            if state.finished:
                break
            path = scenario.shortest_path_to_ending_from(state.scene_key)
            assert path[0] == state.scene_key
            assert scenario.scene(path[-1]).is_ending
            current = scenario.scene(state.scene_key)
            index = next(c.index for c in current.choices if c.next == path[1])
            state = scenario.choose(
                state, scene_key=state.scene_key, choice_index=index, step=state.step
            ).state
        assert state.finished
        assert state.outcome in OUTCOMES


@FAST
@given(valid_scenarios(), st.lists(st.integers(0, 20), max_size=30))
def test_totals_are_the_sum_of_the_choices_taken(data, picks):
    scenario = Scenario.from_data(data)
    by_key = {scene["key"]: scene for scene in data}
    state = scenario.start()
    # Summed by hand, not with Scores.__add__, which is under test too.
    expected = dict.fromkeys(DELTA_LIMITS, 0)
    for pick in picks:
        if state.finished:
            break
        raw_choices = by_key[state.scene_key]["choices"]
        index = pick % len(raw_choices)
        for name in DELTA_LIMITS:
            expected[name] += raw_choices[index].get(name, 0)
        result = scenario.choose(
            state, scene_key=state.scene_key, choice_index=index, step=state.step
        )
        assert result.state.path[-1] == (state.scene_key, index)
        assert result.state.scene_key == raw_choices[index]["next"]
        state = result.state
    assert state.totals.as_dict() == expected
    assert state.step == len(state.path)
    assert scenario.replay(state.path) == state
    assert scenario.replay([list(pair) for pair in state.path]) == state


@FAST
@given(valid_scenarios())
def test_key_scenes_are_choice_scenes_with_different_best_outcomes(data):
    scenario = Scenario.from_data(data)
    for key in scenario.key_scenes():
        scene = scenario.scene(key)
        assert len(scene.choices) >= 2
        best = {scenario.best_outcome_from(c.next) for c in scene.choices}
        assert len(best) >= 2
    assert scenario.best_outcome_from(scenario.start_key) == "good"


# --- damaged scenarios ---------------------------------------------------------------------------


def find(problems, path, text):
    return [p for p in problems if p.path == path and text in p.message]


def assert_caught(data, path, text):
    problems = validate_scenario(data)
    assert find(problems, path, text), problems
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_data(data)
    assert find(caught.value.problems, path, text)


@FAST
@given(valid_scenarios(), st.data())
def test_dangling_next_is_caught(data, draw):
    i = draw.draw(st.sampled_from(choice_scenes(data)))
    j = draw.draw(st.integers(0, len(data[i]["choices"]) - 1))
    data[i]["choices"][j]["next"] = "no-such-scene"
    assert_caught(data, f"scenes[{i}].choices[{j}].next", 'no scene "no-such-scene"')


@FAST
@given(valid_scenarios(), st.data())
def test_duplicate_key_is_caught(data, draw):
    original = draw.draw(st.integers(0, len(data) - 1))
    copied = copy.deepcopy(data[original])
    at = draw.draw(st.integers(original + 1, len(data)))
    data.insert(at, copied)
    key = copied["key"]
    assert_caught(data, f"scenes[{at}].key", f'duplicate key "{key}" (also scenes[{original}])')


@FAST
@given(valid_scenarios(), st.data())
def test_orphan_scene_is_caught(data, draw):
    target = draw.draw(st.sampled_from([s["key"] for s in data]))
    orphan = {"key": "orphan", "title": "Orphan", "narrative": "", "choices": []}
    orphan["choices"].append({"label": "Back", "next": target, "feedback": ""})
    at = draw.draw(st.integers(1, len(data)))
    data.insert(at, orphan)
    assert_caught(data, f"scenes[{at}]", 'scene "orphan" cannot be reached from the start')


@FAST
@given(valid_scenarios(), st.data())
def test_missing_good_ending_is_caught(data, draw):
    for i in ending_scenes(data):
        data[i]["ending"]["outcome"] = draw.draw(st.sampled_from(["mixed", "poor"]))
    assert_caught(data, "scenes", "no ending with a good outcome")


@FAST
@given(valid_scenarios(), st.data())
def test_trap_cycle_is_caught(data, draw):
    size = draw.draw(st.integers(1, 3))
    trap_keys = [f"trap-{k}" for k in range(size)]
    for k, key in enumerate(trap_keys):
        targets = [trap_keys[(k + 1) % size], *draw.draw(st.lists(st.sampled_from(trap_keys)))]
        data.append(
            {
                "key": key,
                "title": key,
                "narrative": "",
                "choices": [{"label": f"To {t}", "next": t, "feedback": ""} for t in targets],
            }
        )
    entry = draw.draw(st.sampled_from(choice_scenes(data[: len(data) - size])))
    data[entry]["choices"].append({"label": "Into the trap", "next": "trap-0", "feedback": ""})
    first = len(data) - size
    problems = validate_scenario(data)
    for k, key in enumerate(trap_keys):
        assert find(
            problems, f"scenes[{first + k}]", f'no ending can be reached from scene "{key}"'
        )
    # The trap is reachable: nothing else is wrong.
    assert len(problems) == size, problems
    assert_caught(data, f"scenes[{first}]", 'no ending can be reached from scene "trap-0"')


# --- junk -----------------------------------------------------------------------------------

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
keys = st.sampled_from(["a", "b", "c", "", None])
junk_choice = st.fixed_dictionaries(
    {},
    optional={
        "label": st.text(max_size=3) | junk,
        "next": keys | junk,
        "feedback": junk,
        "engagement": st.integers(-3, 3) | junk,
        "sentiment": st.integers(-4, 4) | junk,
    },
)
junk_scene = st.fixed_dictionaries(
    {},
    optional={
        "key": keys | junk,
        "title": st.text(max_size=3) | junk,
        "narrative": junk,
        "mood": junk,
        "choices": st.lists(junk_choice | junk, max_size=3) | junk,
        "ending": st.fixed_dictionaries(
            {}, optional={"outcome": st.sampled_from([*OUTCOMES, "", "best"]) | junk}
        )
        | junk,
    },
)


@FAST
@given(st.lists(junk_scene | junk, max_size=5) | junk)
def test_any_data_gets_problems_not_exceptions(data):
    problems = validate_scenario(data)
    graph = map_graph(data)
    if problems:
        with pytest.raises(ScenarioError):
            Scenario.from_data(data)
    else:
        scenario = Scenario.from_data(data)
        assert len(scenario.scenes) == len(data) == len(graph["nodes"])
