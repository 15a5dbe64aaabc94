"""Trainer item analysis: hand-checked figures, who may see them, exports and query counts."""

import copy
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from assessments import services
from assessments.item_analysis import module_item_analysis
from assessments.models import ChoiceRecord, KnowledgeCheckAttempt, ScenarioAttempt
from courses.models import ModulePage
from courses.services import module_import
from home import roles
from home.models import User
from tests.modules import make_module, module_data

pytestmark = pytest.mark.django_db

HANG_UP_V2 = '=HYPERLINK("http://evil.example","Hang up")'


def scenes_with_a_manager():
    """SMALL_MODULE plus a third choice at "insist" to a mixed ending no learner takes."""
    scenes = copy.deepcopy(module_data()["scenario"]["scenes"])
    insist = next(s for s in scenes if s["key"] == "insist")
    insist["choices"].append(
        {
            "label": "Call your manager",
            "next": "manager",
            "feedback": "Help is allowed.",
            "engagement": 1,
            "education": 1,
            "empowerment": -1,
            "sentiment": 0,
        }
    )
    scenes.append(
        {
            "key": "manager",
            "title": "The manager steps in",
            "narrative": "<p>It gets fixed, slowly.</p>",
            "ending": {"outcome": "mixed", "debrief": "Fixed, but not by you."},
        }
    )
    return scenes


def data_with(scenes):
    return module_data(scenario={"scenes": scenes})


def play(user, module, *choices, restart=False):
    """Start (or restart) and make choices through the real services."""
    attempt = services.attempt_start(user=user, module_id=module.pk, restart=restart)
    for step, (scene, index) in enumerate(choices):
        services.attempt_choose(
            module_id=module.pk, user=user, scene_key=scene, choice_index=index, step=step
        )
    return attempt


@pytest.fixture
def module(db):
    return make_module(scenario={"scenes": scenes_with_a_manager()})


@pytest.fixture
def learners(make_user):
    return [
        make_user(roles.LEARNERS, first_name=f"Secret{n}", last_name="Learnername")
        for n in range(1, 7)
    ]


@pytest.fixture
def played(module, learners):
    """Six learners, seven attempts, one relabelled choice, four first knowledge checks.

    L1: call→check→kept (good), then again call→insist→check→kept (good)
    L2, L3: call→insist→lost, "Hang up" (poor)     L4: call→check→lost (poor)
    L5: call→insist, still open                     L6 (after "Hang up" was relabelled):
    call→insist→lost (poor)
    """
    l1, l2, l3, l4, l5, l6 = learners
    play(l1, module, ("call", 0), ("check", 0))
    play(l1, module, ("call", 1), ("insist", 0), ("check", 0), restart=True)
    play(l2, module, ("call", 1), ("insist", 1))
    play(l3, module, ("call", 1), ("insist", 1))
    play(l4, module, ("call", 0), ("check", 1))
    play(l5, module, ("call", 1))
    # a trainer relabels "Hang up" and publishes: the old records are matched by position
    scenes = scenes_with_a_manager()
    next(s for s in scenes if s["key"] == "insist")["choices"][1]["label"] = HANG_UP_V2
    module = module_import(data=data_with(scenes), publish=True).page
    play(l6, module, ("call", 1), ("insist", 1))

    page = ModulePage.objects.get(pk=module.pk)
    # Q1 single: [lied ✗, record ✓]; Q2 multiple: [listening ✓, fixing ✓, quoting ✗]
    services.quiz_submit(user=l1, module=page, answers=[[1], [0, 1]])  # both right
    services.quiz_submit(user=l2, module=page, answers=[[0], [0, 2]])  # both wrong
    services.quiz_submit(user=l2, module=page, answers=[[1], [0, 1]])  # 2nd try: ignored
    services.quiz_submit(user=l3, module=page, answers=[[0], [0, 1]])  # Q1 wrong
    services.quiz_submit(user=l4, module=page, answers=[[1], [0, 1]])  # both right
    return page


@pytest.fixture
def trainer_client(client, trainer, with_mfa):
    with_mfa(trainer)
    client.force_login(trainer)
    return client


def url(module, **query):
    base = reverse("item_analysis", args=[module.pk])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


# --- figures ------------------------------------------------------------------------------------


def test_figures_are_counted_by_hand(played):
    analysis = module_item_analysis(played)
    headline = analysis.headline
    assert (headline.attempts_started, headline.attempts_finished) == (7, 6)
    assert (headline.learners_started, headline.learners_finished) == (6, 5)
    assert dict(headline.outcomes) == {"good": 2, "mixed": 0, "poor": 4}
    assert round(headline.outcome_percent("poor"), 1) == 66.7
    assert (headline.quiz_takers, headline.learners_passed) == (4, 4)

    scenes = {scene.key: scene for scene in analysis.scenes}
    assert [s.key for s in analysis.scenes] == [
        "call",
        "check",
        "insist",
        "kept",
        "lost",
        "manager",
    ]

    call = scenes["call"]
    assert (call.learners, call.choices_made, call.waiting) == (6, 7, 0)
    assert [(c.count, round(c.percent, 1)) for c in call.choices] == [(2, 28.6), (5, 71.4)]

    insist = scenes["insist"]
    assert (insist.learners, insist.choices_made, insist.waiting) == (4, 4, 1)  # L5 waits
    stop, hang_up, manager = insist.choices
    assert (stop.count, stop.percent) == (1, 25.0)
    assert (hang_up.label, hang_up.count, hang_up.percent) == (HANG_UP_V2, 3, 75.0)
    assert hang_up.earlier_version_count == 2  # L2 and L3 chose "Hang up"
    assert dict(hang_up.scores) == {
        "engagement": -2,
        "education": 0,
        "empowerment": 0,
        "sentiment": -3,
    }
    assert (manager.count, manager.percent) == (0, 0.0)

    check = scenes["check"]
    assert check.learners == 2
    assert [(c.count, round(c.percent, 1)) for c in check.choices] == [(2, 66.7), (1, 33.3)]

    assert (scenes["kept"].learners, scenes["kept"].ending.attempts) == (1, 2)
    assert dict(scenes["kept"].ending.by_outcome) == {"good": 2, "mixed": 0, "poor": 0}
    assert (scenes["lost"].learners, scenes["lost"].ending.attempts) == (4, 4)
    assert [s.key for s in analysis.unreached_scenes] == ["manager"]

    assert analysis.poor_total == 4
    top, second = analysis.poor_paths
    assert [(s.scene_title, s.choice_label) for s in top.steps] == [
        ("The phone rings", "Insist the system says she has the car"),
        ("She raises her voice", HANG_UP_V2),
    ]
    assert (top.ending_title, top.count, top.percent) == ("A customer lost", 3, 75.0)
    assert [s.choice_label for s in second.steps] == [
        "Check the record and apologise",
        "Ask her to bring the car back",
    ]
    assert (second.count, second.percent) == (1, 25.0)

    q1, q2 = analysis.questions
    assert (q1.answered, q1.correct, q1.percent_correct) == (4, 2, 50.0)
    assert (q1.wrong_option, q1.wrong_count, q1.wrong_percent) == ("The customer lied", 2, 50.0)
    assert (q2.answered, q2.correct, q2.percent_correct) == (4, 3, 75.0)
    assert (q2.wrong_option, q2.wrong_count, q2.wrong_percent) == ("Quoting policy", 1, 25.0)


def test_trainer_sees_the_figures_but_no_names(trainer_client, played):
    response = trainer_client.get(url(played))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Item analysis" in html
    assert "Reached by 6 learners." in html  # the start scene
    assert "1 open attempt is waiting here." in html
    assert "includes 2 choices made on an earlier version" in html
    assert "No learner has reached this scene." in html  # the manager ending
    assert 'href="#ia-scene-6"' in html  # listed among the unreached
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;Hang up&quot;)" in html
    assert "71.4 %" in html and "75 %" in html  # Insist at the start; Hang up
    assert "4 attempts ended poorly." in html
    assert "(Good: 2)." in html and "(Poor: 4)." in html  # attempts per ending
    assert "Mixed ending" in html  # the manager's ending, tagged with its outcome
    assert "The customer lied" in html and "Quoting policy" in html
    assert "first attempts only" in html.lower()
    # charts, each with its data table
    assert 'id="ia-outcomes"' in html and 'id="ia-questions"' in html
    assert html.count("<summary>Data table</summary>") == 2
    assert "66.7 % (4 attempts)" in html
    # never a person
    assert "Secret" not in html and "Learnername" not in html
    assert "@northwind.example" not in html.replace("trainer@northwind.example", "")


def test_an_untouched_module_flags_every_scene(trainer_client, module):
    html = trainer_client.get(url(module)).content.decode()
    assert html.count("No learner has reached this scene.") == 6
    assert "No attempt has ended poorly." in html
    assert "No learner has reached 6 scenes yet:" in html


# --- who may see it -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, module):
    response = client.get(url(module))
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("role_names", [(roles.LEARNERS,), (roles.LEARNERS, roles.MANAGERS)])
def test_learners_and_managers_are_turned_away(client, make_user, played, role_names):
    client.force_login(make_user(*role_names))
    for address in [
        url(played),
        url(played, format="csv", table="scenes"),
        reverse("item_analysis_index"),
    ]:
        response = client.get(address)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "login" in response.url
        assert b"The phone rings" not in response.content
        assert b"Hang up" not in response.content


@pytest.mark.parametrize("role", ["trainer", "hr", "superuser"])
def test_trainers_hr_and_superusers_see_it(client, request, with_mfa, played, role):
    user = request.getfixturevalue(role)
    with_mfa(user)
    client.force_login(user)
    assert client.get(url(played)).status_code == 200
    assert client.get(url(played, format="csv", table="paths")).status_code == 200
    index = client.get(reverse("item_analysis_index"))
    assert index.status_code == 200
    assert url(played) in index.content.decode()


def test_only_the_scenario_map_link_needs_edit_rights(client, hr, trainer, with_mfa, played):
    map_url = reverse("courses_module_map", args=[played.pk])
    for user, shown in [(hr, False), (trainer, True)]:
        with_mfa(user)
        client.force_login(user)
        assert (map_url in client.get(url(played)).content.decode()) is shown


def test_unknown_page_or_a_page_that_is_not_a_module_is_404(trainer_client, module):
    course = module.get_parent()
    assert trainer_client.get(reverse("item_analysis", args=[course.pk])).status_code == 404
    assert trainer_client.get(reverse("item_analysis", args=[987654])).status_code == 404
    assert trainer_client.get(url(module, format="pdf", table="scenes")).status_code == 404
    assert trainer_client.get(url(module, format="csv", table="people")).status_code == 404


def test_the_module_has_an_item_analysis_button_in_the_admin(trainer_client, module):
    target = url(module)
    edit = trainer_client.get(reverse("wagtailadmin_pages:edit", args=[module.pk]))
    assert target in edit.content.decode()  # header button
    listing = trainer_client.get(reverse("wagtailadmin_explore", args=[module.get_parent().pk]))
    assert target in listing.content.decode()  # the module's "more" buttons
    course = module.get_parent()
    edit_course = trainer_client.get(reverse("wagtailadmin_pages:edit", args=[course.pk]))
    assert reverse("item_analysis", args=[course.pk]) not in edit_course.content.decode()
    home = trainer_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("item_analysis_index") in home  # menu item


# --- exports ------------------------------------------------------------------------------------


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_scenes_csv_equals_the_table_and_escapes_formulas(trainer_client, played):
    response = trainer_client.get(url(played, format="csv", table="scenes"))
    assert "item-analysis-the-returned-car-scenes.csv" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header[:4] == ["Scene no.", "Scene key", "Scene", "Learners who reached it"]
    assert len(rows) == 10  # 2 + 2 + 3 choices, 3 endings
    by_choice = {(r[1], r[5]): r for r in rows}
    assert by_choice[("call", "2")][3:10] == [
        "6",
        "0",
        "2",
        "Insist the system says she has the car",
        "She raises her voice",
        "5",
        "71.4",
    ]
    hang_up = by_choice[("insist", "2")]
    assert hang_up[6] == "'" + HANG_UP_V2  # a formula-looking label is escaped
    assert hang_up[8:15] == ["3", "75.0", "-2", "0", "0", "-3", "2"]
    lost = next(r for r in rows if r[1] == "lost")
    assert lost[3] == "4" and lost[-2:] == ["poor", "4"]
    manager = next(r for r in rows if r[1] == "manager")
    assert manager[3] == "0" and manager[-2:] == ["mixed", "0"]


def test_paths_and_questions_csv(trainer_client, played):
    header, *rows = read_csv(trainer_client.get(url(played, format="csv", table="paths")))
    assert header == ["Rank", "Path", "Poor ending", "Attempts", "% of poor endings"]
    assert rows == [
        [
            "1",
            "The phone rings: Insist the system says she has the car → "
            f"She raises her voice: {HANG_UP_V2}",
            "A customer lost",
            "3",
            "75.0",
        ],
        [
            "2",
            "The phone rings: Check the record and apologise → "
            "The open check box: Ask her to bring the car back",
            "A customer lost",
            "1",
            "25.0",
        ],
    ]
    header, *rows = read_csv(trainer_client.get(url(played, format="csv", table="questions")))
    assert rows == [
        ["1", "What went wrong?", "4", "2", "50.0", "The customer lied", "2", "50.0"],
        ["2", "Which help?", "4", "3", "75.0", "Quoting policy", "1", "25.0"],
    ]


def test_xlsx_export_holds_the_same_rows(trainer_client, played):
    response = trainer_client.get(url(played, format="xlsx", table="scenes"))
    assert response.status_code == 200
    assert "item-analysis-the-returned-car-scenes.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Scene no.", "Scene key", "Scene")
    hang_up = next(r for r in rows[1:] if r[1] == "insist" and r[5] == 2)
    assert hang_up[6] == "'" + HANG_UP_V2
    assert hang_up[8:10] == (3, 75.0)


def test_export_links_are_on_the_page(trainer_client, played):
    html = trainer_client.get(url(played)).content.decode()
    for table in ("scenes", "paths", "questions"):
        for fmt in ("csv", "xlsx"):
            assert f"?format={fmt}&amp;table={table}" in html


# --- scale --------------------------------------------------------------------------------------


def bulk_records(module, count):
    """count learners, each with one finished attempt (every third poor), two choices and a
    first knowledge check: bulk inserts, as the benchmark builds them."""
    users = User.objects.bulk_create(
        User(email=f"bulk{count}-{n}@northwind.example", first_name="Bulk") for n in range(count)
    )
    revision_id = ModulePage.objects.get(pk=module.pk).live_revision_id
    attempts = ScenarioAttempt.objects.bulk_create(
        ScenarioAttempt(
            user=user,
            module_id=module.pk,
            revision_id=revision_id,
            status=ScenarioAttempt.Status.FINISHED,
            current_scene_key="lost" if n % 3 == 0 else "kept",
            step=2,
            outcome="poor" if n % 3 == 0 else "good",
        )
        for n, user in enumerate(users)
    )
    ChoiceRecord.objects.bulk_create(
        ChoiceRecord(
            attempt=attempt,
            step=step,
            scene_key=scene,
            choice_index=index,
            choice_label=label,
            next_scene_key=next_key,
        )
        for n, attempt in enumerate(attempts)
        for step, (scene, index, label, next_key) in enumerate(
            [
                ("call", 0, "Check the record and apologise", "check"),
                ("check", 1, "Ask her", "lost")
                if n % 3 == 0
                else ("check", 0, "Tick it and cancel the bill", "kept"),
            ]
        )
    )
    KnowledgeCheckAttempt.objects.bulk_create(
        KnowledgeCheckAttempt(
            user=user,
            module_id=module.pk,
            number=1,
            answers=[[n % 2], [0, 1 + n % 2]],
            score_percent=50,
            passed=True,
        )
        for n, user in enumerate(users)
    )


@pytest.mark.parametrize("count", [3, 300])
def test_query_count_does_not_grow_with_learners(
    trainer_client, module, count, django_assert_max_num_queries
):
    bulk_records(module, count)
    trainer_client.get(url(module))  # warm the per-user caches (roles, session)
    with django_assert_max_num_queries(20):
        response = trainer_client.get(url(module))
    assert response.status_code == 200
    assert f"Reached by {count} learners." in response.content.decode()
    for table in ("scenes", "paths", "questions"):
        with django_assert_max_num_queries(10):
            export = trainer_client.get(url(module, format="csv", table=table))
            b"".join(export.streaming_content)
    with django_assert_max_num_queries(12):
        index = trainer_client.get(reverse("item_analysis_index"))
    assert index.status_code == 200
    analysis = module_item_analysis(ModulePage.objects.get(pk=module.pk))
    assert analysis.poor_total == len(range(0, count, 3))
    assert analysis.questions[0].answered == count


def test_choices_on_removed_options_and_scenes_are_reported(trainer_client, module, learners):
    first, second = learners[:2]
    play(first, module, ("call", 1), ("insist", 2))  # to the manager, later removed
    play(second, module, ("call", 0), ("check", 0))  # at "check", later renamed
    scenes = module_data()["scenario"]["scenes"]  # no manager
    for scene in scenes:
        if scene["key"] == "check":
            scene["key"] = "verify"
        for choice in scene.get("choices", []):
            if choice["next"] == "check":
                choice["next"] = "verify"
    module_import(data=data_with(scenes), publish=True)

    analysis = module_item_analysis(ModulePage.objects.get(pk=module.pk))
    insist = next(s for s in analysis.scenes if s.key == "insist")
    assert (insist.choices_made, insist.retired_choices) == (1, 1)
    assert [(c.count, c.percent) for c in insist.choices] == [(0, 0.0), (0, 0.0)]
    assert dict(analysis.retired_scenes) == {"check": 1}
    assert [s.key for s in analysis.unreached_scenes] == ["verify", "lost"]
    assert dict(analysis.headline.outcomes) == {"good": 1, "mixed": 1, "poor": 0}

    html = trainer_client.get(url(module)).content.decode()
    assert "1 choice here was made on an option this scene no longer has." in html
    assert "Choices made at scenes the module no longer has:" in html
    assert "<code>check</code>: 1" in html
