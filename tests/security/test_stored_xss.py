"""Stored XSS: payloads in every authored field render as text, on every page that shows them.

The company of `xss_world` is built over HTTP (HR's org import and campaign, the trainer's
course edit and module file, learners playing, reflecting and telling a story), every text
carrying script, event-handler, attribute-breakout and `</textarea>` payloads. Each page is
fetched as the person who would see it and goes through `assert_no_injection`.
"""

import io
import json
from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from courses.models import ModulePage, Story
from learning.models import Certificate, OrgUnit
from tests.security import xss_forms as forms
from tests.security.xss_checks import (
    ATTR,
    IMG,
    JS_URL,
    SCRIPT,
    SVG,
    TEXTAREA,
    assert_no_injection,
    chart_labels,
    csv_cells,
    evil,
    injection_problems,
    pdf_text,
    strings_in,
    xlsx_cells,
)
from tests.security.xss_world import build_world, ok, page, page_of

pytestmark = pytest.mark.django_db

M = forms.evil_module_data()
SCENES = {scene["key"]: scene for scene in M["scenario"]["scenes"]}
QUESTIONS = M["knowledge_check"]["questions"]
STORY = M["story"]
SAM, JO, NINA = forms.full_name("sam"), forms.full_name("jo"), forms.full_name("nina")
SAM_JOB = forms.PEOPLE["sam"][3]
TEAM_PATH = forms.PEOPLE["sam"][4]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One company for the module, built once (about 3 s) in a transaction rolled back after
    the last test. Each test runs in a savepoint inside it (pytest-django's `db`), so what a
    test changes, such as a revocation or an edit, is gone before the next one starts."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):  # as if committed
                built = build_world()
            built.emails = list(mail.outbox)  # pytest-django empties the outbox for each test
            yield built
        finally:
            TestCase._rollback_atomics(atomics)


def choices_of(key: str) -> list[str]:
    return [choice["label"] for choice in SCENES[key].get("choices", [])]


def prose(html: str):
    return BeautifulSoup(html, "html.parser").select_one(".prose")


# --- what learners read ------------------------------------------------------------------------


def test_module_page_shows_module_and_story_fields_as_text(world):
    html = page(world.client("sam"), world.module.url)
    assert_no_injection(
        html,
        expect=[
            forms.COURSE_TITLE,
            M["title"],
            M["introduction"],
            STORY["title"],
            STORY["summary"],
            *STORY["body"].split("\n\n"),
            *M["objectives"],
        ],
    )


def test_course_page_catalogue_and_home_show_titles_as_text(world):
    sam = world.client("sam")
    html = page(sam, world.course.url)
    expect = [forms.COURSE_TITLE, forms.COURSE_INTRO, forms.COURSE_AUDIENCE, M["title"]]
    assert_no_injection(html, expect=[*expect, forms.CERTIFICATE_TITLE, M["introduction"]])
    # the intro's link kept its text; Wagtail's whitelist dropped the javascript: address
    link = BeautifulSoup(html, "html.parser").find("a", string=forms.LINK_TEXT)
    assert link is not None and link.get("href") in (None, "")

    catalogue = ok(sam.get(reverse("courses:catalogue"), follow=True)).content.decode()
    assert_no_injection(catalogue, expect=[forms.COURSE_TITLE, forms.COURSE_AUDIENCE])
    assert_no_injection(page(sam, "/"), expect=[forms.PEOPLE["sam"][1]])


def test_player_scene_feedback_and_ending_show_authored_text_and_no_script(world):
    scene, feedback, ending = (world.pages[k] for k in ("scene", "feedback", "ending"))
    assert_no_injection(scene, expect=[M["title"], SCENES["call"]["title"], *choices_of("call")])
    narrative = prose(scene)
    assert "Narrative call starts." in narrative.get_text() and "Pay here" in narrative.get_text()
    # the whitelist keeps paragraphs and lists: no script, link, image, svg or handler
    assert not narrative.find_all(["script", "a", "img", "svg"])

    assert_no_injection(
        feedback,
        expect=[
            f"You chose: “{SCENES['call']['choices'][0]['label']}”",
            SCENES["call"]["choices"][0]["feedback"],
            SCENES["check"]["title"],
            *choices_of("check"),
        ],
    )
    assert_no_injection(
        ending,
        expect=[
            SCENES["kept"]["title"],
            SCENES["kept"]["ending"]["debrief"],
            SCENES["call"]["title"],  # the path taken: each scene and the choice made there
            SCENES["call"]["choices"][0]["label"],
            SCENES["check"]["choices"][0]["label"],
        ],
    )


def test_narrative_typed_in_the_editor_shows_as_text_and_its_link_is_dropped(world):
    # A trainer types payloads into each scene's narrative in Draftail and adds a link: the
    # editor posts its JSON, Wagtail converts it with the narrative's features (no links).
    trainer = world.client("trainer")
    typed = {
        key: forms.contentstate(f"Typed {key} {SCRIPT} {IMG}", link_text="Click me")
        for key in SCENES
    }
    form = forms.module_edit_form(world.module, M, typed)
    preview = reverse("wagtailadmin_pages:preview_on_edit", args=[world.module.pk])
    assert ok(trainer.post(preview, form), 200).json()["is_valid"]
    html = page(trainer, f"{preview}?mode=play")
    scene_texts = [
        text
        for key, scene in SCENES.items()
        for text in (scene["title"], f"Typed {key} {SCRIPT} {IMG}", *choices_of(key))
    ]
    feedback = [c["feedback"] for s in SCENES.values() for c in s.get("choices", [])]
    debriefs = [s["ending"]["debrief"] for s in SCENES.values() if "ending" in s]
    assert_no_injection(html, expect=[*scene_texts, *feedback, *debriefs])
    assert "Click me" not in html and JS_URL not in html

    edit = reverse("wagtailadmin_pages:edit", args=[world.module.pk])
    ok(trainer.post(edit, form), 302)
    assert_no_injection(page(trainer, edit), admin=True)

    boss = world.client("boss")  # starts now, on the published revision
    ok(boss.post(reverse("assessments:start", args=[world.module.pk])), 302)
    html = page(boss, reverse("assessments:play", args=[world.module.pk]))
    assert_no_injection(html, expect=[f"Typed call {SCRIPT} {IMG}"])
    assert not prose(html).find_all(["script", "a", "img"])
    assert "Click me" not in html and JS_URL not in html


def test_module_file_exported_and_imported_on_the_command_line_stays_text(world, tmp_path):
    trainer = world.client("trainer")
    export = reverse("courses_module_export", args=[world.module.pk])
    data = json.loads(ok(trainer.get(export, {"format": "json"}), 200).content)
    assert data["title"] == M["title"] and data["objectives"] == M["objectives"]
    data["slug"], data["title"] = "the-returned-car-again", evil("Again")
    path = tmp_path / "again.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command(
        "import_module", str(path), "--course", world.course.slug, "--publish", stdout=io.StringIO()
    )
    module = ModulePage.objects.get(slug="the-returned-car-again")
    sam = world.client("sam")
    assert_no_injection(page(sam, module.url), expect=[data["title"], STORY["title"]])
    ok(sam.post(reverse("assessments:start", args=[module.pk])), 302)
    html = page(sam, reverse("assessments:play", args=[module.pk]))
    assert_no_injection(html, expect=[data["title"], SCENES["call"]["title"], *choices_of("call")])
    assert not prose(html).find_all(["script", "a", "img", "svg"])


def test_knowledge_check_and_result_show_questions_as_text(world):
    questions = [q["prompt"] for q in QUESTIONS]
    options = [o["text"] for q in QUESTIONS for o in q["options"]]
    assert_no_injection(world.pages["quiz"], expect=[M["title"], *questions, *options])
    explanations = [q["explanation"] for q in QUESTIONS]
    assert_no_injection(world.pages["result"], expect=[*questions, *options, *explanations])


def test_reflection_prompt_and_the_learners_text_stay_text(world):
    html = world.pages["reflection"]
    assert_no_injection(html, expect=[M["reflection"]["prompt"]])
    # "</textarea>" in the saved text does not close the box it is shown in again
    textarea = BeautifulSoup(html, "html.parser").find("textarea")
    assert textarea.get_text().strip() == forms.REFLECTION


def test_my_learning_and_my_certificates_show_titles_as_text(world):
    sam = world.client("sam")
    assert_no_injection(page(sam, reverse("learning:my_learning")), expect=[forms.COURSE_TITLE])
    html = page(sam, reverse("learning:certificates"))
    assert_no_injection(html, expect=[forms.CERTIFICATE_TITLE])


def test_refresher_shows_scene_choices_and_feedback_as_text(world):
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        sam = Client()
        sam.force_login(world.users["sam"])
        html = page(sam, reverse("learning:my_learning"))
        assert_no_injection(html, expect=[M["title"]])
        refresher = BeautifulSoup(html, "html.parser").select_one(".ml-refresher--due a")
        html = page(sam, refresher["href"])
        key = BeautifulSoup(html, "html.parser").find("input", {"name": "scene"})["value"]
        assert_no_injection(html, expect=[M["title"], SCENES[key]["title"], *choices_of(key)])
        assert not prose(html).find_all(["script", "a", "img", "svg"])

        answer = ok(sam.post(refresher["href"], {"scene": key, "choice": 1}), 200)
        chosen = SCENES[key]["choices"][1]
        expect = [chosen["label"], chosen["feedback"]]
        assert_no_injection(answer.content.decode(), expect=expect)


def test_told_story_shows_as_text_to_its_teller_manager_and_trainers(world):
    trainer = world.client("trainer")
    told = forms.STORY_FORM
    assert_no_injection(
        page(world.client("sam"), reverse("learning:my_stories")), expect=[told["title"]]
    )
    html = page(world.client("nina"), reverse("learning:my_stories"))
    assert_no_injection(html, expect=[told["title"], told["summary"], SAM, TEAM_PATH])

    story = Story.objects.get(title=told["title"])
    listing = page(trainer, reverse("wagtailsnippets_courses_story:list"))
    assert_no_injection(listing, expect=[told["title"], STORY["title"]], admin=True)
    edit = page(trainer, reverse("wagtailsnippets_courses_story:edit", args=[story.pk]))
    assert_no_injection(edit, admin=True)
    boxes = {
        t["name"]: t.get_text() for t in BeautifulSoup(edit, "html.parser").find_all("textarea")
    }
    assert boxes["summary"].strip() == told["summary"] and boxes["body"].strip() == told["body"]
    # the trainer previews the draft as the site would show it
    preview = reverse("wagtailsnippets_courses_story:preview_on_edit", args=[story.pk])
    fields = {k: told[k] for k in ("title", "summary", "source", "touchpoint", "missing_e", "body")}
    assert ok(trainer.post(preview, fields), 200).json()["is_valid"]
    expect = [told[k] for k in ("title", "summary", "source", "body")]
    assert_no_injection(page(trainer, preview), expect=expect)


# --- what managers read ------------------------------------------------------------------------


def test_team_dashboard_heatmap_charts_and_reflections_show_names_as_text(world):
    nina = world.client("nina")
    html = page(nina, reverse("learning:team_dashboard"))
    assert_no_injection(
        html,
        expect=[SAM, JO, SAM_JOB, forms.TEAM, M["title"], forms.REFLECTION, forms.CAMPAIGN_NAME],
    )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".hm__module span[title]")["title"] == M["title"]
    # the completion chart: the bar's whole label in its SVG <title> and in the data table
    label = f"{M['title']} ({forms.COURSE_TITLE})"
    charts = chart_labels(html)
    assert label in charts["svg"] and label in charts["table"]

    team = OrgUnit.objects.get(full_name=TEAM_PATH)
    filtered = page(
        nina, f"{reverse('learning:team_dashboard')}?unit={team.pk}&campaign={world.campaign.pk}"
    )
    assert_no_injection(filtered, expect=[TEAM_PATH, f"Campaign: {forms.CAMPAIGN_NAME}."])


def test_person_page_shows_profile_paths_and_reflection_as_text(world):
    url = reverse("learning:person", args=[world.users["sam"].pk])
    html = page(world.client("nina"), url)
    expect = [SAM, SAM_JOB, TEAM_PATH, forms.COURSE_TITLE, M["title"], forms.REFLECTION]
    assert_no_injection(html, expect=[*expect, forms.CERTIFICATE_TITLE])


def test_campaigns_and_cascade_show_campaign_wave_and_unit_names_as_text(world):
    nina = world.client("nina")
    html = page(nina, reverse("learning:campaigns"))
    assert_no_injection(html, expect=[forms.CAMPAIGN_NAME, forms.COURSE_TITLE])
    url = reverse("learning:campaign_cascade", args=[world.campaign.pk])
    html = page(nina, url)
    assert_no_injection(html, expect=[forms.CAMPAIGN_NAME, forms.COURSE_TITLE, *forms.WAVE_NAMES])
    charts = chart_labels(html)
    for name in forms.WAVE_NAMES:  # the wave chart: truncated in the SVG, whole in <title>
        assert name in charts["svg"] and name in charts["table"]
    division = OrgUnit.objects.get(full_name=f"Northwind/{forms.DIVISION}")
    html = page(nina, f"{url}?unit={division.pk}")
    assert_no_injection(html, expect=[forms.DIVISION, forms.TEAM])


def test_exports_keep_payloads_as_plain_cell_text(world):
    nina = world.client("nina")
    for fmt, cells_of in (("csv", csv_cells), ("xlsx", xlsx_cells)):
        people = ok(nina.get(reverse("learning:team_export", args=["people", fmt]))).getvalue()
        cells = cells_of(people)
        for text in (SAM, JO, SAM_JOB, TEAM_PATH, M["title"]):
            assert text in cells, (fmt, text)
        modules = ok(nina.get(reverse("learning:team_export", args=["modules", fmt]))).getvalue()
        assert {forms.COURSE_TITLE, M["title"]} <= set(cells_of(modules))
        units = reverse("learning:campaign_cascade_export", args=[world.campaign.pk, fmt])
        assert f"Northwind/{forms.DIVISION}" in " ".join(cells_of(ok(nina.get(units)).getvalue()))
        waves = ok(nina.get(units + "?table=waves")).getvalue()
        assert set(forms.WAVE_NAMES) <= set(cells_of(waves))
        for cell in cells + cells_of(modules):
            assert "&lt;" not in cell and "&#x27;" not in cell  # text, not HTML


# --- what trainers read ------------------------------------------------------------------------


def test_scenario_map_shows_scene_titles_and_choice_labels_as_text(world):
    trainer = world.client("trainer")
    html = page(trainer, reverse("courses_module_map", args=[world.module.pk]))
    labels = [label for key in SCENES for label in choices_of(key)]
    assert_no_injection(html, expect=labels, admin=True)
    titles = [t.get_text() for t in BeautifulSoup(html, "html.parser").select("svg g title")]
    assert [f"{key}: {scene['title']}" for key, scene in SCENES.items()] == titles


def test_item_analysis_and_its_exports_show_authored_text_as_text(world):
    trainer = world.client("trainer")
    url = reverse("item_analysis", args=[world.module.pk])
    html = page(trainer, url)
    wrong = QUESTIONS[0]["options"][0]["text"]
    expect = [M["title"], *(s["title"] for s in SCENES.values()), *choices_of("insist")]
    assert_no_injection(
        html, expect=[*expect, *(q["prompt"] for q in QUESTIONS), wrong], admin=True
    )
    charts = chart_labels(html)
    for n, question in enumerate(QUESTIONS, start=1):
        label = f"Q{n}. {question['prompt']}"
        assert label in charts["svg"] and label in charts["table"]

    for table, wanted in (
        ("scenes", [SCENES["call"]["title"], *choices_of("call")]),
        ("paths", [SCENES["insist"]["choices"][1]["label"]]),
        ("questions", [QUESTIONS[0]["prompt"], wrong]),
    ):
        for fmt, cells_of in (("csv", csv_cells), ("xlsx", xlsx_cells)):
            export = ok(trainer.get(url, {"format": fmt, "table": table}))
            text = " ".join(cells_of(export.getvalue()))
            assert all(value in text for value in wanted), (table, fmt)


# --- certificates ------------------------------------------------------------------------------


def test_verification_page_and_credential_show_the_snapshot_as_text(world):
    code = world.certificate.code
    assert world.certificate.learner_name == SAM
    html = page(Client(), reverse("learning:verify", args=[code]))
    assert_no_injection(html, expect=[SAM, forms.CERTIFICATE_TITLE])

    response = ok(Client().get(reverse("learning:verify_credential", args=[code])), 200)
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed into HTML
    assert SAM in strings_in(json.loads(response.content))


def test_certificate_pdf_html_escapes_and_the_pdf_shows_the_literal_text(world):
    from django.template.loader import render_to_string

    from learning import certificates_pdf

    certificate = world.certificate
    context = certificates_pdf.certificate_pdf_context(
        certificate, certificates_pdf.certificate_branding()
    )
    html = render_to_string(certificates_pdf.TEMPLATE, context)
    assert_no_injection(html, expect=[SAM, forms.CERTIFICATE_TITLE])
    meta = BeautifulSoup(html, "html.parser").find("meta", {"name": "description"})
    assert SAM in meta["content"]  # the attribute holds the name whole: no breakout

    pdf = world.client("sam").get(reverse("learning:certificate_pdf", args=[certificate.code]))
    text = pdf_text(ok(pdf, 200).content)
    for value in (SAM, forms.CERTIFICATE_TITLE):
        assert "".join(value.split()) in text, value


def test_certificate_admin_revoke_and_reissue_show_reasons_and_names_as_text(world):
    hr, old = world.client("hr"), world.certificate
    index = page(hr, reverse("certificates:index"))
    assert_no_injection(index, expect=[SAM, forms.CERTIFICATE_TITLE, TEAM_PATH], admin=True)

    note = evil("Name corrected", f"{SCRIPT} {IMG} {ATTR}")
    reissue = reverse("certificates:reissue", args=[old.pk])
    assert_no_injection(page(hr, reissue), expect=[SAM], admin=True)
    ok(hr.post(reissue, {"reason": note}), 302)
    new = Certificate.objects.get(replaces=old)
    html = page(hr, reverse("certificates:inspect", args=[old.pk]))
    assert_no_injection(html, expect=[SAM, forms.CERTIFICATE_TITLE, note], admin=True)

    revoke = reverse("certificates:revoke", args=[new.pk])
    ok(hr.post(revoke, {"reason": forms.REVOKE_REASON}), 302)
    html = page(hr, reverse("certificates:inspect", args=[new.pk]))
    assert_no_injection(html, expect=[SAM, forms.REVOKE_REASON], admin=True)
    assert_no_injection(page(hr, revoke), expect=[forms.REVOKE_REASON], admin=True)

    public = page(Client(), reverse("learning:verify", args=[new.code]))
    assert_no_injection(public, expect=[SAM])
    assert forms.REVOKE_REASON not in public  # HR's reason stays in the admin
    sam = world.client("sam")
    withdrawn = page(sam, reverse("learning:certificate_pdf", args=[new.code]), 410)
    assert_no_injection(withdrawn, expect=[forms.CERTIFICATE_TITLE])
    assert_no_injection(
        page(sam, reverse("learning:certificates")), expect=[forms.CERTIFICATE_TITLE]
    )


# --- HR's screens ------------------------------------------------------------------------------


def test_org_import_preview_shows_names_and_units_as_text(world):
    hr = world.client("hr")
    assert_no_injection(world.pages["org_preview"], expect=[SAM, JO, NINA, TEAM_PATH], admin=True)
    # a second file changes Jo's title: the preview shows old and new as text
    rows = forms.org_csv().decode().replace(forms.PEOPLE["jo"][3], evil("Lead", SVG))
    upload = SimpleUploadedFile("org2.csv", rows.encode(), content_type="text/csv")
    response = ok(hr.post(reverse("learning_org_import"), {"file": upload}), 302)
    html = page(hr, response.url)
    assert_no_injection(html, expect=[forms.PEOPLE["jo"][3], evil("Lead", SVG)], admin=True)


def test_campaign_admin_shows_names_as_text_and_in_form_values(world):
    # the add view's message names the campaign on HR's next page: the listing
    created = f"Campaign '{forms.CAMPAIGN_NAME}' created."
    expect = [forms.CAMPAIGN_NAME, forms.COURSE_TITLE, created]
    assert_no_injection(world.pages["hr_next"], expect=expect, admin=True)
    hr = world.client("hr")
    html = page(hr, reverse("campaigns:edit", args=[world.campaign.pk]))
    assert_no_injection(html, admin=True)
    values = {i.get("value") for i in BeautifulSoup(html, "html.parser").find_all("input")}
    assert {forms.CAMPAIGN_NAME, *forms.WAVE_NAMES} <= values  # whole: no attribute breakout


def test_emails_about_these_people_and_courses_escape_their_html_part(world):
    sent = [m for m in world.emails if m.alternatives]
    assert sent, "the world sends invitations and a certificate email"
    names = {forms.PEOPLE[k][1] for k in ("sam", "jo", "nina")}
    seen = set()
    for message in sent:
        html = message.alternatives[0][0]
        assert_no_injection(html)
        seen |= {name for name in names if name in BeautifulSoup(html, "html.parser").get_text()}
    assert seen == names


def test_rejected_files_echo_their_payloads_as_text(world):
    hr = world.client("hr")
    bad_email = f"jo{IMG}@northwind.example"
    rows = forms.org_csv().decode().replace(forms.email_of("jo"), bad_email)
    name = f"{IMG} {SVG}.csv"  # the file's own name is shown too
    upload = SimpleUploadedFile(name, rows.encode(), content_type="text/csv")
    response = ok(hr.post(reverse("learning_org_import"), {"file": upload}), 302)
    problem = f'"{bad_email}" is not an email address'
    assert_no_injection(page(hr, response.url), expect=[problem, name], admin=True)
    assert_no_injection(page(hr, reverse("learning_org_import")), expect=[name], admin=True)

    trainer, modules = world.client("trainer"), ModulePage.objects.count()
    data = forms.evil_module_data()
    data["slug"], data["story"]["missing_e"] = SCRIPT, IMG
    upload = SimpleUploadedFile("bad.json", json.dumps(data).encode(), "application/json")
    html = page_of(trainer.post(reverse("courses_module_import"), {"file": upload}))
    assert_no_injection(html, expect=["nothing was saved", SCRIPT, IMG], admin=True)
    assert ModulePage.objects.count() == modules


def test_trainer_admin_listing_and_import_message_show_titles_as_text(world):
    # the module file's import left a message naming the module, shown on the next admin page
    message = f'Module "{M["title"]}" imported.'
    assert_no_injection(world.pages["trainer_next"], expect=[M["title"], message], admin=True)
    trainer = world.client("trainer")
    assert_no_injection(page(trainer, reverse("wagtailadmin_home")), admin=True)


# --- the check itself --------------------------------------------------------------------------


RAW_CASES = [
    ("<p>{}</p>", SCRIPT),
    ("<p>{}</p>", IMG),
    ("<p>{}</p>", SVG),
    ("<textarea>{}</textarea>", TEXTAREA),
    ('<p title="{}">x</p>', SVG),
    ("<p title='{}'>x</p>", ATTR),
    ('<a href="{}">x</a>', JS_URL),
    ('<a href="{}">x</a>', " Jav\tascript:alert(1)"),
]


@pytest.mark.parametrize(("template", "payload"), RAW_CASES)
def test_the_check_catches_a_payload_left_raw(template, payload):
    assert injection_problems(template.format(payload)), "a raw payload went unnoticed"
    if "href" in template:
        return  # escaping does not make a script URL safe: only dropping it does
    escaped = template.format(escape(payload))
    soup = BeautifulSoup(escaped, "html.parser")
    if "title" in template:
        assert_no_injection(escaped)
        assert soup.p["title"] == payload
    else:
        assert_no_injection(escaped, expect=[payload])
