import pytest

from assessments.quiz import (
    InvalidAnswer,
    Problem,
    QuestionResult,
    QuizResult,
    score_quiz,
    validate_knowledge_check,
)
from assessments.scenario import Problem as ScenarioProblem


def single(prompt, correct, n=3):
    return {
        "prompt": prompt,
        "kind": "single",
        "options": [{"text": f"Option {j}", "correct": j == correct} for j in range(n)],
        "explanation": "Because.",
    }


def multiple(prompt, correct, n=4):
    return {
        "prompt": prompt,
        "kind": "multiple",
        "options": [{"text": f"Option {j}", "correct": j in correct} for j in range(n)],
        "explanation": "Because.",
    }


def questions():
    return [
        single("Which E was missing?", 1),
        multiple("Which of these empower the agent?", {0, 2}),
        single("What first?", 0, n=2),
    ]


def messages(problems):
    return [str(p) for p in problems]


# --- scoring ------------------------------------------------------------------------------------


def test_all_correct():
    result = score_quiz(questions(), {0: [1], 1: [2, 0], 2: [0]}, pass_mark=80)
    assert result == QuizResult(
        score_percent=100,
        passed=True,
        results=(
            QuestionResult(index=0, correct=True, chosen=(1,), correct_options=(1,)),
            QuestionResult(index=1, correct=True, chosen=(0, 2), correct_options=(0, 2)),
            QuestionResult(index=2, correct=True, chosen=(0,), correct_options=(0,)),
        ),
        correct_count=3,
        total=3,
    )


def test_answers_as_a_list():
    result = score_quiz(questions(), [[1], [0, 2], [1]], pass_mark=50)
    assert [r.correct for r in result.results] == [True, True, False]
    assert result.score_percent == 66  # 2/3 rounds down
    assert result.passed


def test_partial_multiple_choice_is_wrong():
    result = score_quiz(questions(), {1: [0]}, pass_mark=0)
    assert result.results[1] == QuestionResult(
        index=1, correct=False, chosen=(0,), correct_options=(0, 2)
    )


def test_extra_option_in_multiple_choice_is_wrong():
    result = score_quiz(questions(), {1: [0, 1, 2]}, pass_mark=0)
    assert not result.results[1].correct


def test_duplicate_options_count_once():
    result = score_quiz(questions(), {0: [1, 1], 1: [2, 0, 2]}, pass_mark=0)
    assert result.results[0].chosen == (1,)
    assert result.results[0].correct
    assert result.results[1].correct


def test_unanswered_questions_are_wrong():
    result = score_quiz(questions(), {0: [1], 1: []}, pass_mark=0)
    assert result.results[1] == QuestionResult(
        index=1, correct=False, chosen=(), correct_options=(0, 2)
    )
    assert result.results[2].chosen == ()
    assert not result.results[2].correct
    assert result.correct_count == 1
    assert result.score_percent == 33


def test_none_is_unanswered():
    assert score_quiz(questions(), {0: None}, pass_mark=0).results[0].chosen == ()
    assert score_quiz(questions(), [None, None], pass_mark=0).correct_count == 0


def test_score_rounds_down():
    many = [single(f"Q{i}", 0, n=2) for i in range(7)]
    answers = {i: [0] for i in range(5)}  # 5/7 = 71.43 %
    assert score_quiz(many, answers, pass_mark=0).score_percent == 71
    answers = {i: [0] for i in range(6)}  # 6/7 = 85.71 %: not rounded up to 86
    assert score_quiz(many, answers, pass_mark=86).score_percent == 85
    assert not score_quiz(many, answers, pass_mark=86).passed


@pytest.mark.parametrize(
    ("pass_mark", "passed"), [(0, True), (65, True), (66, True), (67, False), (100, False)]
)
def test_pass_mark_boundary(pass_mark, passed):
    result = score_quiz(questions(), [[1], [0, 2], []], pass_mark=pass_mark)
    assert result.score_percent == 66
    assert result.passed is passed


def test_full_marks_pass_a_pass_mark_of_100():
    assert score_quiz(questions(), [[1], [0, 2], [0]], pass_mark=100).passed


def test_no_questions_is_full_marks():
    assert score_quiz([], {}, pass_mark=80) == QuizResult(
        score_percent=100, passed=True, results=(), correct_count=0, total=0
    )
    assert score_quiz([], [], pass_mark=100).passed


def test_missing_kind_means_single():
    question = single("Q", 0)
    del question["kind"]
    with pytest.raises(InvalidAnswer):
        score_quiz([question], {0: [0, 1]}, pass_mark=0)
    assert validate_knowledge_check([question], pass_mark=50) == []


def test_json_string_keys_are_accepted():
    # A JSONField turns {0: [1]} into {"0": [1]}.
    result = score_quiz(questions(), {"0": [1], "2": [0]}, pass_mark=0)
    assert result.correct_count == 2


@pytest.mark.parametrize(
    "answers",
    [
        {0: [3]},  # no option 3
        {0: [-1]},
        {1: [4]},
        {0: ["1"]},
        {0: [True]},
        {0: [0, 1]},  # single choice, two options
        {3: [0]},  # no question 3
        {-1: [0]},
        {"x": [0]},
        {"1": [0], 1: [2]},  # the same question twice
        [[1], [0], [0], [0]],  # more answers than questions
        {0: 1},  # not a list
        {0: "1"},
        "1,2",
        None,
        7,
    ],
)
def test_invalid_answers_raise(answers):
    with pytest.raises(InvalidAnswer):
        score_quiz(questions(), answers, pass_mark=0)


def test_invalid_answer_is_a_value_error():
    assert issubclass(InvalidAnswer, ValueError)


# --- validation ---------------------------------------------------------------------------------


def test_valid_questions():
    assert validate_knowledge_check(questions(), pass_mark=80) == []
    assert validate_knowledge_check([], pass_mark=0) == []


def test_problem_is_shared_with_the_scenario_engine():
    assert Problem is ScenarioProblem


def test_needs_two_options():
    bad = single("Pick one", 0, n=1)
    assert messages(validate_knowledge_check([single("Fine", 0), bad], pass_mark=50)) == [
        'questions[1].options: question "Pick one" needs at least two options'
    ]


def test_no_options_at_all():
    question = single("Empty", 0)
    del question["options"]
    assert messages(validate_knowledge_check([question], pass_mark=0)) == [
        'questions[0].options: question "Empty" needs at least two options'
    ]


def test_needs_a_correct_option():
    question = multiple("Which?", set())
    assert messages(validate_knowledge_check([question], pass_mark=0)) == [
        'questions[0].options: question "Which?" has no correct option'
    ]


def test_single_needs_exactly_one_correct_option():
    question = multiple("Which?", {0, 1})
    question["kind"] = "single"
    assert messages(validate_knowledge_check([question], pass_mark=0)) == [
        'questions[0].options: question "Which?" is single choice but has 2 correct options: '
        "mark one, or make it multiple choice"
    ]
    question["kind"] = "multiple"
    assert validate_knowledge_check([question], pass_mark=0) == []


def test_multiple_with_one_correct_option_is_fine():
    assert validate_knowledge_check([multiple("Which?", {3})], pass_mark=0) == []


@pytest.mark.parametrize("pass_mark", [-1, 101, "80", 80.0, None, True])
def test_pass_mark_range(pass_mark):
    assert messages(validate_knowledge_check(questions(), pass_mark=pass_mark)) == [
        f"pass_mark: the pass mark must be a whole number from 0 to 100, not {pass_mark!r}"
    ]


@pytest.mark.parametrize("pass_mark", [0, 1, 100])
def test_pass_mark_limits(pass_mark):
    assert validate_knowledge_check(questions(), pass_mark=pass_mark) == []


def test_pass_mark_needs_a_question():
    assert messages(validate_knowledge_check([], pass_mark=70)) == [
        "pass_mark: a pass mark of 70% needs at least one question"
    ]


def test_bad_kind():
    question = single("Which?", 0)
    question["kind"] = "essay"
    assert messages(validate_knowledge_check([question], pass_mark=0)) == [
        "questions[0].kind: the kind of question \"Which?\" must be single or multiple, not 'essay'"
    ]


def test_prompt_and_option_text_are_needed():
    question = single("  ", 0)
    question["options"][1]["text"] = ""
    question["options"][2]["correct"] = "yes"
    assert messages(validate_knowledge_check([question], pass_mark=0)) == [
        "questions[0].prompt: a question has no prompt",
        "questions[0].options[1].text: an option of this question has no text",
        "questions[0].options[2].correct: correct must be true or false in this question",
    ]


def test_long_prompts_are_shortened_in_messages():
    question = single("Why " * 40, 0, n=1)
    [problem] = validate_knowledge_check([question], pass_mark=0)
    assert problem.message.startswith('question "Why Why')
    assert '..." needs at least two options' in problem.message
    assert len(problem.message) < 100


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, ["questions: the questions must be a list"]),
        ("Q", ["questions: the questions must be a list"]),
        (["Q"], ["questions[0]: a question must be a mapping with a prompt, a kind and options"]),
        (
            [{"prompt": "P", "options": "a,b"}],
            ['questions[0].options: the options of question "P" must be a list'],
        ),
        (
            [{"prompt": "P", "options": ["a", {"text": "b", "correct": True}]}],
            ['questions[0].options[0]: an option of question "P" must be a mapping'],
        ),
        (
            [{"prompt": "P", "explanation": 3, "options": [{"text": "a"}, {"text": "b"}]}],
            [
                'questions[0].explanation: the explanation of question "P" must be text',
                'questions[0].options: question "P" has no correct option',
            ],
        ),
    ],
)
def test_validation_is_robust(data, expected):
    assert messages(validate_knowledge_check(data, pass_mark=0)) == expected
