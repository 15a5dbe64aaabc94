"""The form data the admin and the learner pages send, with payloads in every authored field."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date, timedelta

from wagtail.test.utils.form_data import inline_formset, nested_form_data

from tests.modules import SMALL_MODULE
from tests.modules import module_edit_form as shared_module_edit_form
from tests.security.xss_checks import (
    ATTR,
    IMG,
    JS_URL,
    NO_SLASH,
    SCRIPT,
    SVG,
    TEXTAREA,
    evil,
)

# --- rich text ---------------------------------------------------------------------------------

# What a trainer could paste into a scene's narrative or put in a module file: the whitelist
# keeps the paragraph and its text, and nothing that runs.
EVIL_NARRATIVE = (
    f'<p>Narrative {{key}} starts.{SCRIPT}<a href="{JS_URL}">Pay here</a>{IMG}</p>'
    f'<p onclick="alert(1)">Second paragraph<svg onload=alert(1)></svg></p>'
    "<script><img src=x onerror=alert(1)></script>"
    f"<ul><li><b>{SVG}</b></li></ul>"
)


def contentstate(*paragraphs: str, link_text: str = "", url: str = JS_URL) -> str:
    """Draftail's JSON, as the editor posts it: each paragraph as typed, then a link to `url`."""
    blocks = [
        {
            "key": f"p{n:04d}",
            "type": "unstyled",
            "depth": 0,
            "text": text,
            "inlineStyleRanges": [],
            "entityRanges": [],
        }
        for n, text in enumerate(paragraphs)
    ]
    entities = {}
    if link_text:
        blocks.append(
            {
                "key": "link0",
                "type": "unstyled",
                "depth": 0,
                "text": link_text,
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 0, "length": len(link_text), "key": 0}],
            }
        )
        entities["0"] = {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}
    return json.dumps({"blocks": blocks, "entityMap": entities})


# --- the module file ---------------------------------------------------------------------------


def evil_module_data() -> dict:
    """cx-module/1 data: the small test module with payloads in every string it holds."""
    data = copy.deepcopy(SMALL_MODULE)
    data["title"] = evil("Module title")
    data["introduction"] = evil("Module intro")
    story = data["story"]
    story["title"] = evil("Story title")
    story["summary"] = evil("Story summary")
    story["source"] = evil("Story source")
    story["body"] = f"{evil('Story body one')}\n\n{evil('Story body two')}"
    data["objectives"] = [evil("Objective one"), evil("Objective two")]
    for scene in data["scenario"]["scenes"]:
        key = scene["key"]
        scene["title"] = evil(f"Scene {key}")
        scene["narrative"] = EVIL_NARRATIVE.replace("{key}", key)
        for n, choice in enumerate(scene.get("choices", [])):
            choice["label"] = evil(f"Choice {key} {n}")
            choice["feedback"] = evil(f"Feedback {key} {n}")
        if "ending" in scene:
            scene["ending"]["debrief"] = evil(f"Debrief {key}")
    for q, question in enumerate(data["knowledge_check"]["questions"]):
        question["prompt"] = evil(f"Question {q}")
        question["explanation"] = evil(f"Explanation {q}")
        for o, option in enumerate(question["options"]):
            option["text"] = evil(f"Option {q} {o}")
    data["reflection"]["prompt"] = evil("Reflection prompt")
    return data


def module_edit_form(page, data: dict, narratives: dict[str, str]) -> dict:
    """The module edit view's POST (publish), with each scene's narrative as Draftail JSON."""
    return shared_module_edit_form(page, data, "action-publish", narratives)


# --- the course --------------------------------------------------------------------------------

COURSE_TITLE = evil("Course title")
COURSE_INTRO = evil("Course intro")
COURSE_AUDIENCE = evil("Course audience")
CERTIFICATE_TITLE = evil("Certificate title")
LINK_TEXT = "Read the policy"


def course_edit_form(course) -> dict:
    """The course edit view's POST (publish): payloads in the title, intro and certificate."""
    form = nested_form_data(
        {
            "title": COURSE_TITLE,
            "slug": course.slug,
            "introduction": contentstate(COURSE_INTRO, link_text=LINK_TEXT),
            "audience": COURSE_AUDIENCE,
            "certificate_title": CERTIFICATE_TITLE,
            "validity_months": "12",
            "comments": inline_formset([]),
        }
    )
    form["action-publish"] = "action-publish"
    return form


# --- the org chart (HR's CSV) -----------------------------------------------------------------

DIVISION = evil("Sales", NO_SLASH)
TEAM = evil("North", IMG)
PEOPLE = {
    # key: (employee id, first name, last name, job title, unit path, manager)
    "boss": ("E1", "Leah", "Donovan", "Managing Director", "Northwind", "yes"),
    "nina": (
        "E2",
        evil("Nina", SCRIPT),
        evil("Lead", IMG),
        evil("Head of sales", f"{SVG} {ATTR}"),
        f"Northwind/{DIVISION}",
        "yes",
    ),
    "sam": (
        "E3",
        evil("Sam", f"{SCRIPT} {IMG}"),
        evil("Carter", f"{SVG} {ATTR} {TEXTAREA}"),
        evil("Rep", f"{SCRIPT} {IMG} {SVG} {ATTR}"),
        f"Northwind/{DIVISION}/{TEAM}",
        "",
    ),
    "jo": (
        "E4",
        evil("Jo", TEXTAREA),
        evil("Bennett", ATTR),
        evil("Rep", IMG),
        f"Northwind/{DIVISION}/{TEAM}",
        "",
    ),
}


def email_of(key: str) -> str:
    return f"{key}@northwind.example"


def org_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["employee_id", "email", "first_name", "last_name", "job_title", "unit_path", "manager"]
    )
    for key, (employee_id, first, last, job, unit_path, manager) in PEOPLE.items():
        writer.writerow([employee_id, email_of(key), first, last, job, unit_path, manager])
    return out.getvalue().encode()


def full_name(key: str) -> str:
    return f"{PEOPLE[key][1]} {PEOPLE[key][2]}"


# --- rollout and learners' own words -----------------------------------------------------------

CAMPAIGN_NAME = evil("Campaign")
WAVE_NAMES = (
    evil("Leaders wave", f"{SCRIPT} {IMG} {SVG}"),
    evil("Everyone wave", f"{IMG} {SVG} {ATTR}"),
)


def campaign_form(course, unit, today: date) -> dict:
    opens, due = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=30)).isoformat()
    waves = [
        {"name": WAVE_NAMES[0], "band": "leadership"},
        {"name": WAVE_NAMES[1], "band": "everyone"},
    ]
    data = {
        "name": CAMPAIGN_NAME,
        "course": course.pk,
        "unit": unit.pk,
        "reminder_days": 3,
        "late_joiner_days": 14,
        "active": "on",
        "waves-TOTAL_FORMS": len(waves),
        "waves-INITIAL_FORMS": 0,
        "waves-MIN_NUM_FORMS": 1,
        "waves-MAX_NUM_FORMS": 1000,
    }
    for i, wave in enumerate(waves):
        row = {**wave, "id": "", "opens_on": opens, "due_on": due, "gate_percent": ""}
        data |= {f"waves-{i}-{k}": v for k, v in row.items()}
        data |= {f"waves-{i}-ORDER": i + 1, f"waves-{i}-DELETE": ""}
    return data


REFLECTION = evil("My reflection on the car")
STORY_FORM = {
    "title": evil("Told story title"),
    "summary": evil("Told story summary"),
    "source": evil("Told story source"),
    "touchpoint": "service",
    "missing_e": "engagement",
    "body": evil("Told story body"),
}
REVOKE_REASON = evil("Revoked because")
