"""Each demo module loads, and a learner can play it to an ending, pass and complete it."""

import pytest
from django.urls import reverse
from wagtail.models import Page

from assessments.models import ModuleProgress
from assessments.scenario import Scenario
from courses.demo import DEMO_MODULES, seed_course
from courses.models import ModulePage
from courses.module_format import load_module

pytestmark = pytest.mark.django_db

DEMO_FILES = sorted(DEMO_MODULES.glob("*.yaml"))


def test_there_are_five_demo_modules_that_follow_the_brief():
    assert len(DEMO_FILES) == 5
    missing = set()
    for path in DEMO_FILES:
        data = load_module(path.read_bytes(), path.name).data  # schema + rules
        scenes = data["scenario"]["scenes"]
        outcomes = {s["ending"]["outcome"] for s in scenes if "ending" in s}
        assert len(scenes) >= 8, path.name
        assert len(outcomes) >= 2, path.name
        assert all(c["feedback"].strip() for s in scenes for c in s.get("choices", []))
        assert 4 <= len(data["knowledge_check"]["questions"]) <= 6, path.name
        missing.add(data["story"]["missing_e"])
    assert missing == {"engagement", "education", "empowerment"}


def test_seeding_twice_keeps_one_copy_of_each_module():
    home = Page.objects.get(depth=2)
    seed_course(home)
    seed_course(home)
    assert ModulePage.objects.live().count() == 5


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.stem)
def test_learner_completes_each_demo_module_over_http(client, learner, path):
    seed_course(Page.objects.get(depth=2))
    data = load_module(path.read_bytes(), path.name).data
    module = ModulePage.objects.get(slug=data["slug"])
    scenario = Scenario.from_data(data["scenario"]["scenes"])
    client.force_login(learner)

    assert client.get(module.url).status_code == 200
    client.post(reverse("assessments:start", args=[module.pk]))
    state = scenario.start()
    while not state.finished:
        target = scenario.shortest_path_to_ending_from(state.scene_key)[1]
        index = next(c.index for c in scenario.scene(state.scene_key).choices if c.next == target)
        response = client.post(
            reverse("assessments:choose", args=[module.pk]),
            {"scene": state.scene_key, "choice": index, "step": state.step},
        )
        assert "feedback=" in response.url
        state = scenario.choose(
            state, scene_key=state.scene_key, choice_index=index, step=state.step
        ).state
    html = client.get(reverse("assessments:play", args=[module.pk])).content.decode()
    assert "The path you took" in html

    answers = {
        f"q{i}": [str(j) for j, o in enumerate(q["options"]) if o["correct"]]
        for i, q in enumerate(data["knowledge_check"]["questions"])
    }
    response = client.post(reverse("assessments:knowledge_check", args=[module.pk]), answers)
    assert "You passed" in response.content.decode()
    client.post(
        reverse("assessments:reflect", args=[module.pk]),
        {"text": "I will check the record myself before I quote the process."},
    )
    progress = ModuleProgress.objects.get(user=learner, module=module)
    assert progress.status == "completed"
    assert "Module complete" in client.get(module.url).content.decode()
