import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from courses.models import ModulePage, Story
from courses.module_format import ModuleFileError, dump_module, load_module
from tests.modules import SMALL_MODULE, make_course, module_data

pytestmark = pytest.mark.django_db


def write(tmp_path, data, name="module.yaml"):
    path = tmp_path / name
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text)
    return path


def import_file(path, *args):
    call_command("import_module", str(path), *args)


def test_import_creates_a_published_module_and_its_story(tmp_path):
    make_course()
    import_file(write(tmp_path, SMALL_MODULE), "--course", "everyones-day-job", "--publish")
    page = ModulePage.objects.get(slug="the-returned-car")
    assert page.live
    assert page.story.missing_e == "empowerment"
    assert [s["key"] for s in page.scenario_data()] == ["call", "check", "insist", "kept", "lost"]
    assert len(page.knowledge_check) == 2


def test_import_without_publish_saves_a_draft(tmp_path):
    make_course()
    import_file(write(tmp_path, SMALL_MODULE), "--course", "everyones-day-job")
    page = ModulePage.objects.get(slug="the-returned-car")
    assert not page.live
    assert page.get_latest_revision() is not None


def test_reimport_updates_the_module_as_a_new_revision(tmp_path):
    make_course()
    import_file(write(tmp_path, SMALL_MODULE), "--publish")
    page = ModulePage.objects.get()
    revisions = page.revisions.count()
    import_file(write(tmp_path, module_data(title="The returned car, revised")), "--publish")
    page.refresh_from_db()
    assert page.title == "The returned car, revised"
    assert page.revisions.count() == revisions + 1
    assert ModulePage.objects.count() == 1


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_import_export_is_byte_identical(tmp_path, fmt):
    make_course()
    import_file(write(tmp_path, SMALL_MODULE), "--publish")
    first = tmp_path / f"first.{fmt}"
    call_command("export_module", "the-returned-car", "-o", str(first))
    ModulePage.objects.get().delete()
    Story.objects.all().delete()
    import_file(first, "--course", "everyones-day-job", "--publish")
    second = tmp_path / f"second.{fmt}"
    call_command("export_module", "the-returned-car", "-o", str(second))
    assert first.read_bytes() == second.read_bytes()
    exported = load_module(first.read_bytes(), first.name).data
    assert exported["scenario"]["scenes"][1] == SMALL_MODULE["scenario"]["scenes"][1]
    assert exported["knowledge_check"] == SMALL_MODULE["knowledge_check"]


def rejected(tmp_path, data, name="module.yaml", raw=None):
    make_course()
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path = write(tmp_path, data, name)
    with pytest.raises(CommandError) as exc:
        import_file(path, "--course", "everyones-day-job", "--publish")
    assert not ModulePage.objects.exists()
    assert not Story.objects.exists()
    return str(exc.value)


def test_dangling_next_is_rejected_with_its_path(tmp_path):
    data = module_data()
    data["scenario"]["scenes"][1]["choices"][1]["next"] = "refund"
    message = rejected(tmp_path, data)
    assert 'scenario.scenes[1].choices[1].next: no scene "refund"' in message
    assert "nothing was written" in message


def test_every_problem_is_listed_at_once(tmp_path):
    data = module_data()
    scenes = data["scenario"]["scenes"]
    scenes[1]["choices"][0]["next"] = "nowhere"
    scenes.append({**scenes[3], "key": "orphan"})  # unreachable
    scenes.append({**scenes[4]})  # duplicate key "lost"
    message = rejected(tmp_path, data)
    assert "scenes[1].choices[0].next" in message
    assert "orphan" in message
    assert "duplicate" in message


def test_no_ending_is_rejected(tmp_path):
    data = module_data()
    scenes = data["scenario"]["scenes"]
    data["scenario"]["scenes"] = [scenes[0], scenes[1], scenes[2]]
    for scene in data["scenario"]["scenes"]:
        for choice in scene["choices"]:
            choice["next"] = "call"
    message = rejected(tmp_path, data)
    assert "ending" in message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("title"), "'title' is a required property"),
        (lambda d: d.update(estimated_minutes="ten"), "estimated_minutes: 'ten' is not of type"),
        (lambda d: d.update(format="cx-module/2"), "format"),
        (lambda d: d.update(unknown_field=1), "unknown_field"),
        (lambda d: d["story"].update(missing_e="enthusiasm"), "story.missing_e"),
        (
            lambda d: d["scenario"]["scenes"][0].update(title="x" * 5000),
            "scenario.scenes[0].title",
        ),
        (
            lambda d: d["scenario"]["scenes"][0]["choices"][0].update(engagement=5),
            "scenario.scenes[0].choices[0].engagement",
        ),
        (
            lambda d: d["knowledge_check"]["questions"][0]["options"][0].update(correct=True),
            "knowledge_check.questions[0]",
        ),
    ],
)
def test_schema_and_rule_violations_are_rejected(tmp_path, mutate, expected):
    data = module_data()
    mutate(data)
    assert expected in rejected(tmp_path, data)


def test_invalid_yaml_is_rejected_with_its_line(tmp_path):
    message = rejected(tmp_path, None, raw=b"format: cx-module/1\ntitle: [unclosed\n")
    assert "invalid YAML at line" in message


def test_invalid_json_is_rejected(tmp_path):
    message = rejected(tmp_path, None, name="m.json", raw=b'{"format": "cx-module/1",')
    assert "invalid JSON" in message


def test_non_utf8_file_is_rejected(tmp_path):
    assert "UTF-8" in rejected(tmp_path, None, raw="title: café".encode("latin-1"))


def test_oversized_file_is_rejected(tmp_path):
    assert "limit is 2 MB" in rejected(tmp_path, None, raw=b"#" * (2 * 1024 * 1024 + 1))


def test_unknown_course_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match='no course with the slug "nope"'):
        import_file(write(tmp_path, SMALL_MODULE), "--course", "nope")
    with pytest.raises(CommandError, match="cannot read"):
        import_file(tmp_path / "missing.yaml")


def test_export_of_unknown_module_fails():
    with pytest.raises(CommandError, match='no module with the slug "ghost"'):
        call_command("export_module", "ghost")


def test_load_module_reports_problems_as_data():
    data = module_data()
    data["scenario"]["scenes"][0]["choices"][0]["next"] = "nope"
    with pytest.raises(ModuleFileError) as exc:
        load_module(dump_module(data).encode())
    assert [p.path for p in exc.value.problems] == ["scenario.scenes[0].choices[0].next"]


def test_imported_narratives_lose_scripts_and_event_handlers(tmp_path):
    make_course()
    data = module_data()
    data["scenario"]["scenes"][0]["narrative"] = (
        '<p onclick="steal()">Hello <b>there</b><script>alert(1)</script></p>'
        '<img src="x" onerror="steal()">'
    )
    import_file(write(tmp_path, data), "--publish")
    narrative = ModulePage.objects.get().scenario_data()[0]["narrative"]
    assert narrative == "<p>Hello <b>there</b>alert(1)</p>"
