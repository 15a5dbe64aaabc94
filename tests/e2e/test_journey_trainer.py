"""Journey 3: a trainer builds a module in the Wagtail admin, is stopped from publishing a
dangling choice, fixes it, checks the scenario map, plays the draft in the preview, publishes."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import ModulePage, Story
from home import roles
from tests.e2e.steps import sign_in, sign_in_staff
from tests.modules import make_course

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCENE = re.compile(r"^Scene\b")
CHOICE = re.compile(r"^Choice\b")


# Wagtail 7.4 autosaves the editor: a draft revision about a second after a change, and once
# more right after a page comes back with errors. A button pressed while such a save is on its
# way races it (a refused publish then comes back claiming that a newer version was saved in
# another window; an old autosave landing after "Save draft" would undo the fix). A person
# waits for "Saved"; these helpers wait for Wagtail's own events rather than on the clock.
WATCH_EDITS = """
document.addEventListener("w-unsaved:watch-edits", () => {
    document.documentElement.dataset.watchingEdits = "yes";
});
"""


def editor_watching(page):
    """The editor has its snapshot of the form: a couple of seconds after it loads, or once
    the autosave that a page with errors makes has landed. Edits from now on are noticed."""
    expect(page.locator("html")).to_have_attribute("data-watching-edits", "yes")


def autosaved(page, sent):
    """Wait for the autosave of the edit made inside the block; `sent(body)` tells its request
    from an earlier one."""
    editor_watching(page)
    return page.expect_response(
        lambda r: (
            r.request.method == "POST"
            and r.request.headers.get("accept") == "application/json"
            and "/editing-sessions/" not in r.url
            and r.ok
            and sent(r.request.post_data or "")
        )
    )


def add_scene(scenario, *, key, title, narrative, choices=(), ending=None):
    """Append a scene with the StreamField's last "Insert a block" button and fill it in.

    A new scene comes with one empty choice: an ending scene deletes it.
    """
    scenes = scenario.get_by_role("region", name=SCENE)
    before = scenes.count()
    scenario.get_by_role("button", name="Insert a block").last.click()
    expect(scenes).to_have_count(before + 1)
    scene = scenes.nth(before)
    scene.get_by_role("textbox", name="Key*", exact=True).fill(key)
    scene.get_by_role("textbox", name="Title*", exact=True).fill(title)
    narrative_editor = scene.locator("[contenteditable=true]")  # Draftail, the rich text
    narrative_editor.click()
    narrative_editor.press_sequentially(narrative)
    expect(narrative_editor).to_contain_text(narrative)
    items = scene.get_by_role("region", name=CHOICE)
    if ending:
        outcome, debrief = ending
        items.get_by_role("button", name="Delete").click()
        expect(items).to_have_count(0)
        scene.get_by_label("Ending outcome").select_option(label=outcome)
        scene.get_by_label("Debrief").fill(debrief)
    for j, (label, next_key, feedback) in enumerate(choices):
        if j >= items.count():
            scene.get_by_role("button", name="Add", exact=True).last.click()
            expect(items).to_have_count(j + 1)
        choice = items.nth(j)
        choice.get_by_label("Label*").fill(label)
        choice.get_by_label("Next scene key*").fill(next_key)
        choice.get_by_label("Feedback*").fill(feedback)
    return scene


def add_question(page, *, prompt, options, explanation):
    knowledge_check = page.get_by_role("region", name="Knowledge check")
    knowledge_check.get_by_role("button", name="Insert a block").click()
    question = knowledge_check.get_by_role("region", name=re.compile(r"^Question\b"))
    question.get_by_label("Prompt*").fill(prompt)
    items = question.get_by_role("region", name=re.compile(r"^Option\b"))
    for j, (text, correct) in enumerate(options):
        if j >= items.count():
            question.get_by_role("button", name="Add", exact=True).last.click()
            expect(items).to_have_count(j + 1)
        items.nth(j).get_by_label("Text*").fill(text)
        if correct:
            items.nth(j).get_by_label("Correct").check()
    question.get_by_label("Explanation*").fill(explanation)


def publish(page):
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()


def test_trainer_builds_fixes_previews_and_publishes_a_module(
    page, live_server, make_user, with_mfa, screenshot
):
    course = make_course()
    Story.objects.create(
        title="Billed for a returned car",
        summary="A loyal customer is billed for a car they already returned.",
        touchpoint="service",
        missing_e="empowerment",
    )
    trainer = make_user(roles.TRAINERS, email="theo@northwind.example", first_name="Theo")
    page.add_init_script(WATCH_EDITS)
    sign_in_staff(page, live_server, "theo@northwind.example", with_mfa(trainer))

    # the course in the page explorer, and a new module under it
    page.goto(f"{live_server.url}/admin/pages/{course.pk}/")
    page.get_by_role("link", name="Add child page").first.click()
    expect(page.get_by_role("heading", name="New: Module", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Title*").fill("The returned car")
    page.get_by_role("button", name="Choose story").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("link", name="Billed for a returned car").click()
    expect(chooser).to_be_hidden()
    expect(page.get_by_role("region", name="Story*")).to_contain_text("Billed for a returned car")
    page.get_by_role("textbox", name="Objectives*").fill("Own the problem\nFix the record")

    scenario = page.get_by_role("region", name="Scenario*")
    add_scene(
        scenario,
        key="call",
        title="The phone rings",
        narrative="You billed me for a car I returned, says Mrs Lee.",
        choices=[
            ("Check the record and apologise", "kept", "Listening first shows you care."),
            # a typo: the trainer meant "lost"
            ("Insist the system says she has the car", "lsot", "The system is not the customer."),
        ],
    )
    add_scene(
        scenario,
        key="kept",
        title="A customer kept",
        narrative="She thanks you.",
        ending=("Good", "You fixed the record in one call."),
    )
    add_scene(
        scenario,
        key="lost",
        title="A customer lost",
        narrative="She buys her next car elsewhere.",
        ending=("Poor", "One check box cost a loyal customer."),
    )
    add_question(
        page,
        prompt="What went wrong?",
        options=[("The customer lied", False), ("A record was never closed", True)],
        explanation="The return was never ticked off.",
    )
    reflection = "Which rule in your job could trap a customer?"
    with autosaved(page, lambda body: reflection in body):
        page.get_by_role("textbox", name="Reflection prompt*").fill(reflection)
    expect(page.get_by_text("Saved", exact=True)).to_be_visible()

    # publishing is refused, and the error sits on the choice that points nowhere
    publish(page)
    expect(
        page.get_by_text("The page could not be saved due to validation errors.")
    ).to_be_visible()
    expect(scenario.get_by_text('scenes[0].choices[1].next: no scene "lsot"')).to_be_visible()
    bad_choice = scenario.get_by_role("region", name="Scene call").get_by_role(
        "region", name="Choice Insist the system says she has the car"
    )
    expect(bad_choice.get_by_text('no scene "lsot"', exact=True)).to_be_visible()
    expect(bad_choice.get_by_label("Next scene key*")).to_have_attribute("aria-invalid", "true")
    bad_choice.scroll_into_view_if_needed()
    screenshot("trainer-publish-refused")
    module = ModulePage.objects.get(slug="the-returned-car")
    assert not module.live

    # fix the typo and save a draft (once the autosave of the page with errors has landed)
    editor_watching(page)
    bad_choice.get_by_label("Next scene key*").fill("lost")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Page 'The returned car' has been updated.")).to_be_visible()
    draft = ModulePage.objects.get(pk=module.pk).get_latest_revision_as_object()
    assert [s["key"] for s in draft.scenario_data()] == ["call", "kept", "lost"]
    assert draft.scenario_data()[0]["choices"][1]["next"] == "lost"
    assert draft.questions_data()[0]["options"][1] == {
        "text": "A record was never closed",
        "correct": True,
    }
    assert not ModulePage.objects.get(pk=module.pk).live

    # the scenario map of the draft
    page.get_by_role("navigation", name="Actions", exact=True).get_by_role(
        "button", name="Actions", exact=True
    ).click()
    page.get_by_role("link", name="Scenario map").click()
    expect(page.get_by_role("heading", name="Scenario map", level=1)).to_be_visible()
    expect(
        page.get_by_text("Every scene is reachable and every scene can reach an ending.")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Scenario map with 3 scenes")).to_be_visible()
    scenes_table = page.get_by_role("table", name="Scenes and choices")
    expect(scenes_table.get_by_role("rowheader")).to_have_text(
        ["call (start)", "kept (good ending)", "lost (poor ending)"]
    )
    expect(scenes_table.get_by_role("row", name=re.compile(r"^call"))).to_contain_text(
        "Insist the system says she has the car → lost"
    )
    screenshot("trainer-scenario-map")

    # play the draft in the editor's preview panel, to the poor ending
    page.get_by_role("link", name="Back to the editor").click()
    page.get_by_role("button", name="Toggle preview").click()
    # while it reloads, the panel holds a second, hidden "proxy" iframe: use the shown one
    preview = page.frame_locator("iframe[title=Preview]:not(.w-preview__proxy)")
    expect(preview.get_by_role("heading", name="The returned car", level=1)).to_be_visible()
    page.get_by_label("Preview mode").select_option(label="Play the draft")
    expect(preview.get_by_role("heading", name="The phone rings")).to_be_visible()
    expect(preview.get_by_text("You billed me for a car I returned")).to_be_visible()
    preview.get_by_role("link", name="Insist the system says she has the car").click()
    expect(preview.get_by_text("The system is not the customer.")).to_be_visible()
    preview.get_by_role("link", name="Continue").click()
    expect(preview.get_by_role("heading", name="A customer lost")).to_be_visible()
    expect(preview.get_by_text("Ending: poor")).to_be_visible()
    expect(preview.get_by_text("One check box cost a loyal customer.")).to_be_visible()
    screenshot("trainer-preview-ending")

    # publish for real
    publish(page)
    expect(page.get_by_text("Page 'The returned car' has been published.")).to_be_visible()
    screenshot("trainer-published")
    live = ModulePage.objects.live().get(pk=module.pk)
    assert live.get_parent().pk == course.pk
    assert live.scenario_data()[0]["choices"][1]["next"] == "lost"

    # a learner opens it on the site
    page.context.clear_cookies()
    make_user(roles.LEARNERS, email="sam@northwind.example", first_name="Sam")
    sign_in(page, live_server, "sam@northwind.example")
    response = page.goto(f"{live_server.url}{live.url}")
    assert response.status == 200
    expect(page.get_by_role("heading", name="The returned car", level=1)).to_be_visible()
