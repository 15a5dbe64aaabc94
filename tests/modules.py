"""A small, valid cx-module/1 module for tests, and helpers to put it in the page tree."""

import copy

from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

SMALL_MODULE = {
    "format": "cx-module/1",
    "slug": "the-returned-car",
    "title": "The returned car",
    "introduction": "A customer is billed for a car they returned.",
    "story": {
        "title": "Billed for a returned car",
        "summary": "A loyal customer is billed for a car they already returned.",
        "source": "A customer's blog post",
        "touchpoint": "service",
        "missing_e": "empowerment",
        "body": "A loyal customer swapped cars.\n\nWeeks later the bill still came.",
    },
    "objectives": ["Own the problem", "Fix the record, not the customer"],
    "estimated_minutes": 10,
    "scenario": {
        "scenes": [
            {
                "key": "call",
                "title": "The phone rings",
                "narrative": '<p>"You billed me for a car I returned," says Mrs Lee.</p>',
                "mood": "frustrated",
                "choices": [
                    {
                        "label": "Check the record and apologise",
                        "next": "check",
                        "feedback": "Listening first shows you care.",
                        "engagement": 2,
                        "education": 1,
                        "empowerment": 0,
                        "sentiment": 1,
                    },
                    {
                        "label": "Insist the system says she has the car",
                        "next": "insist",
                        "feedback": "The system is not the customer.",
                        "engagement": -2,
                        "education": 0,
                        "empowerment": -1,
                        "sentiment": -2,
                    },
                ],
            },
            {
                "key": "check",
                "title": "The open check box",
                "narrative": "<p>The return was never ticked off.</p>",
                "choices": [
                    {
                        "label": "Tick it and cancel the bill",
                        "next": "kept",
                        "feedback": "You were empowered to fix it.",
                        "engagement": 1,
                        "education": 1,
                        "empowerment": 2,
                        "sentiment": 2,
                    },
                    {
                        "label": "Ask her to bring the car back",
                        "next": "lost",
                        "feedback": "The process beat the customer.",
                        "engagement": -1,
                        "education": 0,
                        "empowerment": -2,
                        "sentiment": -3,
                    },
                ],
            },
            {
                "key": "insist",
                "title": "She raises her voice",
                "narrative": '<p>"I have the receipt!"</p>',
                "mood": "angry",
                "choices": [
                    {
                        "label": "Stop and look again",
                        "next": "check",
                        "feedback": "Recovering is still possible.",
                        "engagement": 1,
                        "education": 0,
                        "empowerment": 0,
                        "sentiment": 1,
                    },
                    {
                        "label": "Hang up",
                        "next": "lost",
                        "feedback": "You lost a customer of twenty years.",
                        "engagement": -2,
                        "education": 0,
                        "empowerment": 0,
                        "sentiment": -3,
                    },
                ],
            },
            {
                "key": "kept",
                "title": "A customer kept",
                "narrative": "<p>She thanks you.</p>",
                "ending": {"outcome": "good", "debrief": "You fixed the record in one call."},
            },
            {
                "key": "lost",
                "title": "A customer lost",
                "narrative": "<p>She buys her next car elsewhere.</p>",
                "ending": {"outcome": "poor", "debrief": "One check box cost a loyal customer."},
            },
        ]
    },
    "knowledge_check": {
        "pass_mark": 50,
        "max_attempts": 2,
        "questions": [
            {
                "prompt": "What went wrong?",
                "kind": "single",
                "options": [
                    {"text": "The customer lied", "correct": False},
                    {"text": "A record was never closed", "correct": True},
                ],
                "explanation": "The intake step was skipped.",
            },
            {
                "prompt": "Which help?",
                "kind": "multiple",
                "options": [
                    {"text": "Listening", "correct": True},
                    {"text": "Fixing the record", "correct": True},
                    {"text": "Quoting policy", "correct": False},
                ],
                "explanation": "Engage, then empower yourself to fix it.",
            },
        ],
    },
    "reflection": {"prompt": "Which rule in your job could trap a customer?", "required": True},
}


def module_data(**changes):
    data = copy.deepcopy(SMALL_MODULE)
    data.update(changes)
    return data


def make_course(slug="everyones-day-job"):
    from courses.models import CourseIndexPage, CoursePage

    home = Page.objects.get(depth=2)
    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="Courses", slug="courses")
        home.add_child(instance=index)
        index.save_revision().publish()
    course = CoursePage(title="Everyone's day job", slug=slug, validity_months=12)
    index.add_child(instance=course)
    course.save_revision().publish()
    return course


def make_module(course=None, publish=True, **changes):
    from courses.services import module_import

    course = course or make_course()
    return module_import(data=module_data(**changes), course=course, publish=publish).page


def listblock(items):
    data = {
        str(i): {"value": item, "deleted": "", "order": str(i), "id": ""}
        for i, item in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def module_edit_form(page, data, action, narratives=None):
    """Form data of the module edit view, built from cx-module/1 data.

    `narratives` gives a scene's narrative as the editor posts it (Draftail JSON) by key;
    by default the file's HTML is converted.
    """
    narratives = narratives or {}
    scenes = []
    for scene in data["scenario"]["scenes"]:
        ending = scene.get("ending") or {}
        scenes.append(
            (
                "scene",
                {
                    "key": scene["key"],
                    "title": scene["title"],
                    "narrative": narratives.get(scene["key"]) or rich_text(scene["narrative"]),
                    "mood": scene.get("mood", ""),
                    "choices": listblock(
                        [{k: str(v) for k, v in c.items()} for c in scene.get("choices", [])]
                    ),
                    "outcome": ending.get("outcome", ""),
                    "debrief": ending.get("debrief", ""),
                },
            )
        )
    questions = [
        (
            "question",
            {
                "prompt": q["prompt"],
                "kind": q["kind"],
                "options": listblock(
                    [
                        {"text": o["text"], **({"correct": "on"} if o["correct"] else {})}
                        for o in q["options"]
                    ]
                ),
                "explanation": q["explanation"],
            },
        )
        for q in data["knowledge_check"]["questions"]
    ]
    form = nested_form_data(
        {
            "title": data["title"],
            "slug": data["slug"],
            "story": str(page.story_id),
            "introduction": data["introduction"],
            "objectives": "\n".join(data["objectives"]),
            "estimated_minutes": str(data["estimated_minutes"]),
            "scenario": streamfield(scenes),
            "pass_mark": str(data["knowledge_check"]["pass_mark"]),
            "max_attempts": str(data["knowledge_check"]["max_attempts"]),
            "knowledge_check": streamfield(questions),
            "reflection_prompt": data["reflection"]["prompt"],
            "reflection_required": "on",
            "comments": inline_formset([]),
        }
    )
    if action:
        form[action] = action
    return form
