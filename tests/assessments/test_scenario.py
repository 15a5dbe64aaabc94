import copy
import pickle

import pytest

from assessments.scenario import (
    Choice,
    Ending,
    InvalidChoice,
    Problem,
    Scenario,
    ScenarioError,
    ScenarioFinished,
    Scene,
    Scores,
    StaleStep,
    State,
    map_graph,
    validate_scenario,
)


def choice(label, next_key, **scores):
    return {"label": label, "next": next_key, "feedback": f"Because {label.lower()}.", **scores}


def ending(key, outcome, **extra):
    return {
        "key": key,
        "title": key.title(),
        "narrative": f"<p>{key}</p>",
        "ending": {"outcome": outcome, "debrief": f"The call ended {outcome}."},
        **extra,
    }


def scene(key, *choices, **extra):
    return {
        "key": key,
        "title": key.title(),
        "narrative": f"<p>{key}</p>",
        "choices": list(choices),
        **extra,
    }


def sample():
    """An angry caller: a loop back to the start, and one choice per route that matters."""
    return [
        scene(
            "greeting",
            choice("Apologise and listen", "listen", engagement=2, sentiment=2),
            choice("Read the policy", "policy", education=-1, sentiment=-2),
            mood="angry",
        ),
        scene(
            "listen",
            choice("Offer a refund", "refund", empowerment=2, sentiment=3),
            choice("Escalate to a manager", "escalate", empowerment=-1, sentiment=-1),
        ),
        scene(
            "policy",
            choice("Start over", "greeting", engagement=1),
            choice("Hang up", "hang-up", engagement=-2, sentiment=-3),
        ),
        scene("escalate", choice("Wait on hold", "manager", sentiment=-1)),
        ending("refund", "good"),
        ending("manager", "mixed"),
        ending("hang-up", "poor"),
    ]


def messages(problems):
    return [str(p) for p in problems]


@pytest.fixture
def scenario():
    return Scenario.from_data(sample())


# --- values -------------------------------------------------------------------------------------


def test_scores_add_and_as_dict():
    total = Scores(engagement=1, sentiment=-2) + Scores(engagement=1, education=2, empowerment=-1)
    assert total == Scores(engagement=2, education=2, empowerment=-1, sentiment=-2)
    assert total.as_dict() == {
        "engagement": 2,
        "education": 2,
        "empowerment": -1,
        "sentiment": -2,
    }
    assert Scores().as_dict() == dict.fromkeys(
        ["engagement", "education", "empowerment", "sentiment"], 0
    )


def test_scores_do_not_add_to_other_types():
    with pytest.raises(TypeError):
        Scores() + 1


def test_values_are_frozen(scenario):
    with pytest.raises(AttributeError):
        scenario.start().step = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Scores().engagement = 1  # type: ignore[misc]


def test_problem_prints_as_path_and_message():
    assert str(Problem("scenes[3].choices[1].next", 'no scene "refund"')) == (
        'scenes[3].choices[1].next: no scene "refund"'
    )


# --- building -----------------------------------------------------------------------------------


def test_sample_is_valid_and_builds(scenario):
    assert validate_scenario(sample()) == []
    assert scenario.start_key == "greeting"
    assert [s.key for s in scenario.scenes] == [
        "greeting",
        "listen",
        "policy",
        "escalate",
        "refund",
        "manager",
        "hang-up",
    ]


def test_scene_fields_and_defaults(scenario):
    greeting = scenario.scene("greeting")
    assert greeting == Scene(
        key="greeting",
        title="Greeting",
        narrative="<p>greeting</p>",
        mood="angry",
        choices=(
            Choice(
                index=0,
                label="Apologise and listen",
                next="listen",
                feedback="Because apologise and listen.",
                deltas=Scores(engagement=2, sentiment=2),
            ),
            Choice(
                index=1,
                label="Read the policy",
                next="policy",
                feedback="Because read the policy.",
                deltas=Scores(education=-1, sentiment=-2),
            ),
        ),
        ending=None,
    )
    assert not greeting.is_ending
    refund = scenario.scene("refund")
    assert refund.is_ending
    assert refund.mood == ""  # missing mood
    assert refund.choices == ()
    assert refund.ending == Ending(outcome="good", debrief="The call ended good.")


def test_missing_scores_mean_zero_and_none_too():
    data = [
        scene("start", choice("Go", "end", engagement=None, sentiment=-3)),
        ending("end", "good"),
    ]
    assert Scenario.from_data(data).scene("start").choices[0].deltas == Scores(sentiment=-3)


def test_scenario_survives_pickling(scenario):
    # Callers keep built scenarios in Django's cache, which pickles them.
    clone = pickle.loads(pickle.dumps(scenario))
    assert clone.scenes == scenario.scenes
    assert clone.replay([("greeting", 0)]) == scenario.replay([("greeting", 0)])


def test_unknown_scene_is_a_key_error(scenario):
    with pytest.raises(KeyError):
        scenario.scene("nowhere")


def test_from_data_raises_with_every_problem():
    data = sample()
    data[3]["choices"][0]["next"] = "refund-desk"
    data[1]["choices"][0]["engagement"] = 5
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_data(data)
    assert messages(caught.value.problems) == [
        'scenes[1].choices[0].engagement: engagement of the choice "Offer a refund" in scene '
        '"listen" must be between -2 and 2, not 5',
        'scenes[3].choices[0].next: no scene "refund-desk"',
        'scenes[5]: scene "manager" cannot be reached from the start scene "greeting"',
    ]
    assert isinstance(caught.value, ValueError)
    assert 'no scene "refund-desk"' in str(caught.value)


def test_scenario_error_message_is_shortened():
    error = ScenarioError([Problem(f"scenes[{i}]", "bad") for i in range(8)])
    assert str(error).endswith("scenes[4]: bad (and 3 more)")


def test_scenario_needs_scenes():
    with pytest.raises(ScenarioError):
        Scenario([])


# --- validation: one test per problem -------------------------------------------------------------


def test_empty_scenario():
    assert messages(validate_scenario([])) == ["scenes: the scenario has no scenes"]


@pytest.mark.parametrize("data", [None, "scenes", b"x", 42, {"key": "a"}])
def test_not_a_list(data):
    assert messages(validate_scenario(data)) == ["scenes: the scenario must be a list of scenes"]


def test_dangling_next_message_is_exact():
    data = [
        scene("start", choice("Listen", "listen")),
        scene("listen", choice("Thank them", "end")),
        ending("end", "good"),
        scene("offer", choice("Apologise", "end"), choice("Offer refund", "refund")),
    ]
    data[0]["choices"].append(choice("Offer", "offer"))
    problems = validate_scenario(data)
    assert messages(problems) == ['scenes[3].choices[1].next: no scene "refund"']
    assert problems[0].message == 'no scene "refund"'


def test_missing_next():
    data = sample()
    del data[3]["choices"][0]["next"]
    data[2]["choices"][1]["next"] = "   "
    assert messages(validate_scenario(data)) == [
        'scenes[2].choices[1].next: the choice "Hang up" in scene "policy" has no next scene',
        'scenes[3].choices[0].next: the choice "Wait on hold" in scene "escalate" has no next '
        "scene",
        'scenes[5]: scene "manager" cannot be reached from the start scene "greeting"',
        'scenes[6]: scene "hang-up" cannot be reached from the start scene "greeting"',
    ]


def test_next_must_be_text():
    data = sample()
    data[3]["choices"][0]["next"] = 7
    assert messages(validate_scenario(data))[0] == (
        'scenes[3].choices[0].next: the next scene of the choice "Wait on hold" in scene '
        '"escalate" must be a scene key'
    )


def test_duplicate_key():
    data = sample()
    data.append(copy.deepcopy(data[1]))
    assert messages(validate_scenario(data)) == [
        'scenes[7].key: duplicate key "listen" (also scenes[1])',
    ]


def test_duplicate_key_points_at_first_occurrence_and_suppresses_trap_check():
    data = sample()
    data[6]["key"] = "refund"  # hang-up renamed: "Hang up" now dangles
    assert messages(validate_scenario(data)) == [
        'scenes[2].choices[1].next: no scene "hang-up"',
        'scenes[6].key: duplicate key "refund" (also scenes[4])',
    ]


def test_unreachable_scene():
    data = sample()
    data.append(scene("orphan", choice("Go back", "greeting")))
    assert messages(validate_scenario(data)) == [
        'scenes[7]: scene "orphan" cannot be reached from the start scene "greeting"'
    ]


def test_unreachable_follows_only_valid_edges():
    data = sample()
    data[0]["choices"][1]["next"] = "polcy"  # a typo: policy and hang-up drop off the graph
    assert messages(validate_scenario(data)) == [
        'scenes[0].choices[1].next: no scene "polcy"',
        'scenes[2]: scene "policy" cannot be reached from the start scene "greeting"',
        'scenes[6]: scene "hang-up" cannot be reached from the start scene "greeting"',
    ]


def test_trap():
    data = sample()
    # policy's exits both loop back into a pair of scenes with no way out.
    data[2]["choices"].append(choice("Put on hold", "hold"))
    data += [
        scene("hold", choice("Keep waiting", "music")),
        scene("music", choice("Keep waiting", "hold"), choice("Listen again", "music")),
    ]
    assert messages(validate_scenario(data)) == [
        'scenes[7]: no ending can be reached from scene "hold"',
        'scenes[8]: no ending can be reached from scene "music"',
    ]


def test_trap_is_reported_for_unreachable_scenes_too():
    data = sample() + [scene("limbo", choice("Stay", "limbo"))]
    assert messages(validate_scenario(data)) == [
        'scenes[7]: scene "limbo" cannot be reached from the start scene "greeting"',
        'scenes[7]: no ending can be reached from scene "limbo"',
    ]


def test_no_good_ending():
    data = sample()
    data[4]["ending"]["outcome"] = "mixed"
    assert messages(validate_scenario(data)) == ["scenes: no ending with a good outcome"]


def test_whole_scenario_problems_come_first():
    data = sample()
    data[4]["ending"]["outcome"] = "poor"
    data[3]["choices"][0]["sentiment"] = -4
    assert messages(validate_scenario(data))[0] == "scenes: no ending with a good outcome"


def test_both_choices_and_ending():
    data = sample()
    data[3]["ending"] = {"outcome": "mixed", "debrief": "Long wait."}
    assert messages(validate_scenario(data)) == [
        'scenes[3]: scene "escalate" has both choices and an ending: keep one'
    ]


@pytest.mark.parametrize("choices", [[], None, "missing"])
def test_neither_choices_nor_ending(choices):
    data = sample()
    if choices == "missing":
        del data[3]["choices"]
    else:
        data[3]["choices"] = choices
    assert messages(validate_scenario(data)) == [
        'scenes[3]: scene "escalate" has neither choices nor an ending',
        'scenes[5]: scene "manager" cannot be reached from the start scene "greeting"',
    ]


@pytest.mark.parametrize(
    "blank", [{}, {"outcome": "", "debrief": ""}, {"outcome": None, "debrief": "  "}, "", None]
)
def test_a_blank_ending_is_no_ending(blank):
    data = sample()
    data[0]["ending"] = blank  # what the editor sends for a scene with choices
    assert validate_scenario(data) == []
    assert Scenario.from_data(data).scene("greeting").ending is None


def test_bad_outcome():
    data = sample()
    data[5]["ending"]["outcome"] = "great"
    assert messages(validate_scenario(data)) == [
        'scenes[5].ending.outcome: outcome "great" of scene "manager" must be one of good, '
        "mixed, poor"
    ]


def test_missing_outcome():
    data = sample()
    data[5]["ending"] = {"debrief": "It ended."}
    assert messages(validate_scenario(data)) == [
        'scenes[5].ending.outcome: the ending of scene "manager" has no outcome: use one of '
        "good, mixed, poor"
    ]


def test_bad_outcome_turns_off_good_ending_check():
    data = sample()
    data[4]["ending"]["outcome"] = "Good"
    problems = messages(validate_scenario(data))
    assert problems == [
        'scenes[4].ending.outcome: outcome "Good" of scene "refund" must be one of good, mixed, '
        "poor"
    ]


def test_ending_must_be_a_mapping():
    data = sample()
    data[5]["ending"] = "mixed"
    assert messages(validate_scenario(data)) == [
        'scenes[5].ending: the ending of scene "manager" must be a mapping with an outcome and '
        "a debrief"
    ]


@pytest.mark.parametrize("key", [None, "", "   ", "missing"])
def test_missing_or_blank_key(key):
    data = sample()
    if key == "missing":
        del data[3]["key"]
    else:
        data[3]["key"] = key
    assert messages(validate_scenario(data)) == [
        'scenes[1].choices[1].next: no scene "escalate"',
        'scenes[3].key: the scene titled "Escalate" has no key',
        'scenes[5]: scene "manager" cannot be reached from the start scene "greeting"',
    ]


def test_key_must_be_text():
    data = sample() + [{"key": 2024, "choices": [choice("Go", "refund")]}]
    assert messages(validate_scenario(data)) == [
        "scenes[7].key: the key of a scene must be text, not int",
    ]


def test_start_without_key_still_checks_reachability():
    data = sample()
    del data[0]["key"]
    data[2]["choices"][0]["next"] = "listen"
    assert messages(validate_scenario(data)) == [
        'scenes[0].key: the scene titled "Greeting" has no key',
    ]
    data[0]["choices"] = [choice("Hang up", "hang-up")]
    assert messages(validate_scenario(data)) == [
        'scenes[0].key: the scene titled "Greeting" has no key',
        'scenes[1]: scene "listen" cannot be reached from the start scene',
        'scenes[2]: scene "policy" cannot be reached from the start scene',
        'scenes[3]: scene "escalate" cannot be reached from the start scene',
        'scenes[4]: scene "refund" cannot be reached from the start scene',
        'scenes[5]: scene "manager" cannot be reached from the start scene',
    ]


@pytest.mark.parametrize(
    ("name", "value", "limit"),
    [
        ("engagement", 3, 2),
        ("education", -3, 2),
        ("empowerment", 99, 2),
        ("sentiment", 4, 3),
        ("sentiment", -4, 3),
    ],
)
def test_delta_out_of_range(name, value, limit):
    data = sample()
    data[3]["choices"][0][name] = value
    assert messages(validate_scenario(data)) == [
        f'scenes[3].choices[0].{name}: {name} of the choice "Wait on hold" in scene "escalate" '
        f"must be between -{limit} and {limit}, not {value}"
    ]


@pytest.mark.parametrize("name", ["engagement", "education", "empowerment", "sentiment"])
def test_delta_at_the_limits_is_fine(name):
    data = sample()
    limit = 3 if name == "sentiment" else 2
    data[3]["choices"][0][name] = limit
    data[2]["choices"][0][name] = -limit
    assert validate_scenario(data) == []


@pytest.mark.parametrize("value", ["1", 1.0, True, [1]])
def test_delta_must_be_a_whole_number(value):
    data = sample()
    data[3]["choices"][0]["sentiment"] = value
    assert messages(validate_scenario(data)) == [
        'scenes[3].choices[0].sentiment: sentiment of the choice "Wait on hold" in scene '
        '"escalate" must be a whole number'
    ]


@pytest.mark.parametrize("label", ["", "  ", None, "missing"])
def test_choice_needs_a_label(label):
    data = sample()
    if label == "missing":
        del data[3]["choices"][0]["label"]
    else:
        data[3]["choices"][0]["label"] = label
    assert messages(validate_scenario(data)) == [
        'scenes[3].choices[0].label: a choice in scene "escalate" has no label'
    ]


def test_texts_must_be_text():
    data = sample()
    data[1]["title"] = 5
    data[1]["narrative"] = ["<p>"]
    data[1]["mood"] = {}
    data[1]["choices"][0]["label"] = 3
    data[1]["choices"][0]["feedback"] = 4.5
    data[4]["ending"]["debrief"] = 0
    assert messages(validate_scenario(data)) == [
        'scenes[1].title: the title of scene "listen" must be text, not int',
        'scenes[1].narrative: the narrative of scene "listen" must be text, not list',
        'scenes[1].mood: the mood of scene "listen" must be text, not dict',
        'scenes[1].choices[0].label: the label of a choice in scene "listen" must be text, not int',
        'scenes[1].choices[0].feedback: the feedback of a choice in scene "listen" must be '
        "text, not float",
        'scenes[4].ending.debrief: the debrief of scene "refund" must be text, not int',
    ]


def test_scene_must_be_a_mapping():
    data = sample() + ["not a scene"]
    assert messages(validate_scenario(data)) == [
        "scenes[7]: a scene must be a mapping with a key, a title and choices or an ending"
    ]


def test_choices_must_be_a_list_of_mappings():
    data = sample()
    data[3]["choices"] = {"label": "Wait", "next": "manager"}
    data[2]["choices"][0] = "Start over"
    assert messages(validate_scenario(data)) == [
        'scenes[2].choices[0]: a choice in scene "policy" must be a mapping with a label and next',
        'scenes[3].choices: the choices of scene "escalate" must be a list',
        'scenes[5]: scene "manager" cannot be reached from the start scene "greeting"',
    ]


def test_problems_are_in_scene_order():
    data = sample()
    data[6]["ending"]["outcome"] = "bad"
    data[0]["choices"][0]["sentiment"] = 9
    data[2]["choices"][1]["next"] = "gone"
    data.append(scene("orphan", choice("Back", "greeting")))
    paths = [p.path for p in validate_scenario(data)]
    assert paths == [
        "scenes[0].choices[0].sentiment",
        "scenes[2].choices[1].next",
        "scenes[6].ending.outcome",
        "scenes[6]",
        "scenes[7]",
    ]


@pytest.mark.parametrize(
    "data",
    [
        [None],
        [[]],
        [{}],
        [{"key": None, "choices": None, "ending": None}],
        [{"key": ["x"], "choices": [None, 1, {"next": ["y"]}], "ending": []}],
        [{"key": "a", "choices": [{"next": {"k": 1}, "engagement": "x"}], "ending": {"x": 1}}],
        [{"key": "a", "choices": "abc"}, {"key": "a", "ending": {"outcome": ["good"]}}],
        [{"key": "a", "choices": [{"label": "x", "next": "a"}]}],
        [{"title": None, "narrative": 1, "choices": [{}], "ending": {"outcome": "good"}}],
    ],
)
def test_validation_never_raises(data):
    problems = validate_scenario(data)
    assert problems
    assert all(isinstance(p, Problem) for p in problems)
    with pytest.raises(ScenarioError):
        Scenario.from_data(data)
    graph = map_graph(data)
    assert len(graph["nodes"]) == len(data)


def test_smallest_valid_scenario_starts_finished():
    scenario = Scenario.from_data([ending("only", "good")])
    state = scenario.start()
    assert state.finished
    assert state.outcome == "good"
    with pytest.raises(ScenarioFinished):
        scenario.choose(state, scene_key="only", choice_index=0, step=0)


# --- running ---------------------------------------------------------------------------------


def test_start(scenario):
    assert scenario.start() == State(
        scene_key="greeting", step=0, path=(), totals=Scores(), finished=False, outcome=""
    )


def test_choose_moves_on(scenario):
    state = scenario.start()
    result = scenario.choose(state, scene_key="greeting", choice_index=0, step=0)
    assert result.scene.key == "greeting"
    assert result.choice.label == "Apologise and listen"
    assert result.next_scene.key == "listen"
    assert result.state == State(
        scene_key="listen",
        step=1,
        path=(("greeting", 0),),
        totals=Scores(engagement=2, sentiment=2),
        finished=False,
        outcome="",
    )
    assert state.step == 0  # the old state is untouched


def test_choose_to_an_ending_finishes(scenario):
    state = scenario.start()
    state = scenario.choose(state, scene_key="greeting", choice_index=0, step=0).state
    result = scenario.choose(state, scene_key="listen", choice_index=0, step=1)
    assert result.next_scene.is_ending
    assert result.state.finished
    assert result.state.outcome == "good"
    assert result.state.totals == Scores(engagement=2, empowerment=2, sentiment=5)


def test_loops_work_and_totals_are_sums(scenario):
    state = scenario.start()
    for _ in range(3):  # policy, then back to the start, three times over
        state = scenario.choose(state, scene_key="greeting", choice_index=1, step=state.step).state
        state = scenario.choose(state, scene_key="policy", choice_index=0, step=state.step).state
    assert state.scene_key == "greeting"
    assert state.step == 6
    assert state.totals == Scores(engagement=3, education=-3, sentiment=-6)
    assert state.path == (("greeting", 1), ("policy", 0)) * 3
    state = scenario.choose(state, scene_key="greeting", choice_index=1, step=6).state
    state = scenario.choose(state, scene_key="policy", choice_index=1, step=7).state
    assert state.finished
    assert state.outcome == "poor"
    assert state.totals == Scores(engagement=1, education=-4, sentiment=-11)


def test_stale_step(scenario):
    state = scenario.start()
    moved = scenario.choose(state, scene_key="greeting", choice_index=0, step=0).state
    with pytest.raises(StaleStep):  # the back button: the greeting form posted again
        scenario.choose(moved, scene_key="greeting", choice_index=0, step=0)
    with pytest.raises(StaleStep):  # right scene, wrong step
        scenario.choose(moved, scene_key="listen", choice_index=0, step=0)
    with pytest.raises(StaleStep):  # right step, wrong scene
        scenario.choose(moved, scene_key="policy", choice_index=0, step=1)


@pytest.mark.parametrize("index", [-1, 2, 99, "0", None, True, 0.0])
def test_invalid_choice(scenario, index):
    with pytest.raises(InvalidChoice):
        scenario.choose(scenario.start(), scene_key="greeting", choice_index=index, step=0)


def test_choice_in_a_scene_that_no_longer_exists(scenario):
    old = State(scene_key="removed", step=2, path=(), totals=Scores(), finished=False, outcome="")
    with pytest.raises(InvalidChoice):
        scenario.choose(old, scene_key="removed", choice_index=0, step=2)


def test_finished(scenario):
    state = scenario.replay([("greeting", 0), ("listen", 0)])
    assert state.finished
    with pytest.raises(ScenarioFinished):
        scenario.choose(state, scene_key="refund", choice_index=0, step=2)
    with pytest.raises(ScenarioFinished):  # even a stale form: finished is checked first
        scenario.choose(state, scene_key="greeting", choice_index=0, step=0)


def test_exceptions_are_value_errors():
    for error in (ScenarioError([]), InvalidChoice(), StaleStep(), ScenarioFinished()):
        assert isinstance(error, ValueError)


def test_replay_matches_choose(scenario):
    state = scenario.start()
    for key, index in [("greeting", 1), ("policy", 0), ("greeting", 0), ("listen", 1)]:
        state = scenario.choose(state, scene_key=key, choice_index=index, step=state.step).state
    assert scenario.replay(list(state.path)) == state
    assert state.scene_key == "escalate"


def test_replay_of_nothing_is_the_start(scenario):
    assert scenario.replay([]) == scenario.start()


def test_replay_accepts_json_lists(scenario):
    state = scenario.replay([["greeting", 0], ["listen", 1], ["escalate", 0]])
    assert state.finished
    assert state.outcome == "mixed"
    assert state.path == (("greeting", 0), ("listen", 1), ("escalate", 0))


@pytest.mark.parametrize(
    "path",
    [
        [("listen", 0)],  # not the start scene
        [("greeting", 2)],  # no such choice
        [("greeting", 0), ("greeting", 0)],  # out of step
        [("greeting", 0), ("listen", 0), ("refund", 0)],  # past the ending
        [("greeting",)],
        ["greeting"],
        [("greeting", 0, 1)],
        [None],
        [("greeting", "0")],
    ],
)
def test_replay_rejects_a_path_that_does_not_fit(scenario, path):
    with pytest.raises(InvalidChoice):
        scenario.replay(path)


def test_shortest_path_to_ending(scenario):
    assert scenario.shortest_path_to_ending_from("greeting") == ["greeting", "listen", "refund"]
    assert scenario.shortest_path_to_ending_from("policy") == ["policy", "hang-up"]
    assert scenario.shortest_path_to_ending_from("escalate") == ["escalate", "manager"]
    assert scenario.shortest_path_to_ending_from("refund") == ["refund"]
    with pytest.raises(KeyError):
        scenario.shortest_path_to_ending_from("nowhere")


def test_best_outcome_from(scenario):
    assert scenario.best_outcome_from("greeting") == "good"
    assert scenario.best_outcome_from("policy") == "good"  # via the loop back
    assert scenario.best_outcome_from("escalate") == "mixed"
    assert scenario.best_outcome_from("hang-up") == "poor"


def test_key_scenes(scenario):
    # greeting is forgiving (policy loops back); listen and policy each decide the outcome.
    assert scenario.key_scenes() == ["listen", "policy"]


def test_key_scenes_ignore_single_choices_and_equal_outcomes():
    data = [
        scene("start", choice("A", "middle"), choice("B", "middle")),
        scene("middle", choice("Only way", "end")),
        ending("end", "good"),
    ]
    assert Scenario.from_data(data).key_scenes() == []


# --- the map ----------------------------------------------------------------------------------


def test_map_of_a_valid_scenario():
    graph = map_graph(sample())
    assert graph["nodes"][0] == {
        "key": "greeting",
        "title": "Greeting",
        "index": 0,
        "is_start": True,
        "is_ending": False,
        "outcome": "",
        "reachable": True,
        "dead_end": False,
    }
    assert graph["nodes"][4]["is_ending"] is True
    assert graph["nodes"][4]["outcome"] == "good"
    assert all(n["reachable"] and not n["dead_end"] for n in graph["nodes"])
    assert [n["is_start"] for n in graph["nodes"]] == [True] + [False] * 6
    assert len(graph["edges"]) == 7
    assert graph["edges"][4] == {
        "source": "policy",
        "target": "greeting",
        "label": "Start over",
        "dangling": False,
        "choice_index": 0,
        "source_index": 2,
        "target_index": 0,
    }


def test_map_of_an_invalid_scenario():
    data = sample()
    data[3]["choices"][0]["next"] = "managr"  # escalate now dangles, so manager is orphaned
    data[3]["choices"].append(choice("Keep them on hold", "hold"))
    data += [scene("hold", choice("Still holding", "hold")), {"title": "No key"}]
    graph = map_graph(data)
    nodes = {n["index"]: n for n in graph["nodes"]}
    dangling = [e for e in graph["edges"] if e["dangling"]]
    assert dangling == [
        {
            "source": "escalate",
            "target": "managr",
            "label": "Wait on hold",
            "dangling": True,
            "choice_index": 0,
            "source_index": 3,
            "target_index": None,
        }
    ]
    assert not nodes[5]["reachable"]  # manager
    assert not nodes[5]["dead_end"]
    assert nodes[7]["key"] == "hold"
    assert nodes[7]["reachable"]
    assert nodes[7]["dead_end"]  # loops on itself for ever
    assert nodes[3]["dead_end"]  # escalate: dangling or on hold, no ending either way
    assert nodes[8] == {
        "key": "",
        "title": "No key",
        "index": 8,
        "is_start": False,
        "is_ending": False,
        "outcome": "",
        "reachable": False,
        "dead_end": True,
    }
    assert nodes[0]["reachable"] and not nodes[0]["dead_end"]


def test_map_with_missing_fields_and_bad_outcome():
    data = [
        {"key": "a", "choices": [{"next": "b"}, "junk", {"label": 3}]},
        {"key": "b", "ending": {"outcome": "great"}},
        7,
    ]
    graph = map_graph(data)
    assert [n["key"] for n in graph["nodes"]] == ["a", "b", ""]
    assert graph["nodes"][1]["is_ending"]
    assert graph["nodes"][1]["outcome"] == "great"  # drawn as given; validation reports it
    assert graph["nodes"][2]["dead_end"]
    assert graph["edges"] == [
        {
            "source": "a",
            "target": "b",
            "label": "",
            "dangling": False,
            "choice_index": 0,
            "source_index": 0,
            "target_index": 1,
        },
        {
            "source": "a",
            "target": "",
            "label": "",
            "dangling": True,
            "choice_index": 2,
            "source_index": 0,
            "target_index": None,
        },
    ]


@pytest.mark.parametrize("data", [[], None, "x", {"scenes": []}])
def test_map_of_nothing(data):
    assert map_graph(data) == {"nodes": [], "edges": []}
