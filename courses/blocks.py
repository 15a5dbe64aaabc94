from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from courses.quiz_rules import validate_knowledge_check
from courses.scenario_rules import validate_scenario

MOODS = [
    ("calm", _("Calm")),
    ("curious", _("Curious")),
    ("hopeful", _("Hopeful")),
    ("confused", _("Confused")),
    ("worried", _("Worried")),
    ("frustrated", _("Frustrated")),
    ("angry", _("Angry")),
    ("delighted", _("Delighted")),
]
OUTCOMES = [("good", _("Good")), ("mixed", _("Mixed")), ("poor", _("Poor"))]


class DeltaBlock(blocks.IntegerBlock):
    def __init__(self, low=-2, high=2, **kwargs):
        super().__init__(default=0, min_value=low, max_value=high, required=False, **kwargs)


class ChoiceBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=300, help_text=_("What the employee says or does."))
    next = blocks.RegexBlock(
        regex=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        max_length=60,
        label=_("Next scene key"),
        error_messages={"invalid": _("Use the key of a scene: lowercase letters, digits, -")},
    )
    feedback = blocks.TextBlock(help_text=_("Shown after the choice: teach why it helps or hurts."))
    engagement = DeltaBlock(help_text=_("-2 … +2"))
    education = DeltaBlock(help_text=_("-2 … +2"))
    empowerment = DeltaBlock(help_text=_("-2 … +2"))
    sentiment = DeltaBlock(low=-3, high=3, label=_("Customer sentiment"), help_text=_("-3 … +3"))

    class Meta:
        icon = "arrow-right"
        label = _("Choice")


class SceneBlock(blocks.StructBlock):
    key = blocks.RegexBlock(
        regex=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        max_length=60,
        help_text=_("Unique in this module, e.g. 'angry-call'. Choices point to it."),
        error_messages={"invalid": _("Lowercase letters, digits and hyphens only.")},
    )
    title = blocks.CharBlock(max_length=200)
    narrative = blocks.RichTextBlock(features=["bold", "italic", "ul", "ol"])  # see services
    mood = blocks.ChoiceBlock(choices=MOODS, required=False, label=_("Customer mood"))
    choices = blocks.ListBlock(ChoiceBlock(), min_num=0, max_num=6)
    outcome = blocks.ChoiceBlock(
        choices=OUTCOMES,
        required=False,
        label=_("Ending outcome"),
        help_text=_("Set only for an ending scene (which then has no choices)."),
    )
    debrief = blocks.TextBlock(required=False, help_text=_("Ending scenes: what happened next."))

    class Meta:
        icon = "doc-full"
        label = _("Scene")
        form_classname = "struct-block scene-block"


class ScenarioBlock(blocks.StreamBlock):
    """The scenes of a module; the first is the start. Publishing checks the whole graph."""

    scene = SceneBlock()

    class Meta:
        min_num = 1

    def clean(self, value):
        value = super().clean(value)
        if self.is_deferred_validation:
            return value  # drafts may be incomplete; publishing is checked in full
        problems = validate_scenario(scenario_to_data(value))
        if problems:
            raise _stream_errors(problems, "scenes")
        return value


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500)
    correct = blocks.BooleanBlock(required=False)

    class Meta:
        icon = "tick"
        label = _("Option")


class QuestionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock()
    kind = blocks.ChoiceBlock(
        choices=[("single", _("Single choice")), ("multiple", _("Multiple choice"))],
        default="single",
    )
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=8)
    explanation = blocks.TextBlock(help_text=_("Shown after the learner submits."))

    class Meta:
        icon = "help"
        label = _("Question")


class KnowledgeCheckBlock(blocks.StreamBlock):
    question = QuestionBlock()

    def clean(self, value):
        value = super().clean(value)
        if self.is_deferred_validation:
            return value
        problems = validate_knowledge_check(questions_to_data(value), pass_mark=0)
        if problems:
            raise _stream_errors(problems, "questions")
        return value


# --- plain data, shared with the module file format and the scenario engine -------------


def scene_to_data(scene) -> dict:
    """One scene block value as the plain dict of the cx-module/1 format."""
    data = {"key": scene["key"], "title": scene["title"], "narrative": scene["narrative"].source}
    if scene.get("mood"):
        data["mood"] = scene["mood"]
    if scene["choices"]:
        data["choices"] = [
            {
                "label": c["label"],
                "next": c["next"],
                "feedback": c["feedback"],
                "engagement": c["engagement"] or 0,
                "education": c["education"] or 0,
                "empowerment": c["empowerment"] or 0,
                "sentiment": c["sentiment"] or 0,
            }
            for c in scene["choices"]
        ]
    if scene.get("outcome"):
        data["ending"] = {"outcome": scene["outcome"], "debrief": scene["debrief"]}
    return data


def scenario_to_data(stream_value) -> list[dict]:
    """A scenario StreamField value as plain scene dicts, in order."""
    return [scene_to_data(child.value) for child in stream_value]


def questions_to_data(stream_value) -> list[dict]:
    """A knowledge-check StreamField value as plain question dicts."""
    return [
        {
            "prompt": q["prompt"],
            "kind": q["kind"],
            "options": [{"text": o["text"], "correct": bool(o["correct"])} for o in q["options"]],
            "explanation": q["explanation"],
        }
        for q in (child.value for child in stream_value)
    ]


def scenario_from_data(scenes: list[dict]) -> list[tuple[str, dict]]:
    """Plain scene dicts as raw StreamField data (the inverse of scenario_to_data)."""
    blocks_data = []
    for scene in scenes:
        ending = scene.get("ending") or {}
        blocks_data.append(
            (
                "scene",
                {
                    "key": scene["key"],
                    "title": scene["title"],
                    "narrative": scene["narrative"],
                    "mood": scene.get("mood", ""),
                    "choices": [
                        {
                            "label": c["label"],
                            "next": c["next"],
                            "feedback": c["feedback"],
                            "engagement": c.get("engagement", 0),
                            "education": c.get("education", 0),
                            "empowerment": c.get("empowerment", 0),
                            "sentiment": c.get("sentiment", 0),
                        }
                        for c in scene.get("choices", [])
                    ],
                    "outcome": ending.get("outcome", ""),
                    "debrief": ending.get("debrief", ""),
                },
            )
        )
    return blocks_data


def questions_from_data(questions: list[dict]) -> list[tuple[str, dict]]:
    """Plain question dicts as raw StreamField data."""
    return [("question", dict(q)) for q in questions]


# --- errors placed on the block they concern --------------------------------------------

_FIELD_NAMES = {"scenes": {"ending": "outcome"}, "questions": {}}


def _parse_path(path: str, root: str):
    """'scenes[3].choices[1].next' -> (3, [('choices', 1), ('next', None)])."""
    parts = path.split(".")
    head = parts[0]
    if not head.startswith(f"{root}["):
        return None, []
    index = int(head[len(root) + 1 : -1])
    rest = []
    for part in parts[1:]:
        if "[" in part:
            name, idx = part[:-1].split("[")
            rest.append((name, int(idx)))
        else:
            rest.append((_FIELD_NAMES[root].get(part, part), None))
    return index, rest


def _stream_errors(problems, root: str) -> blocks.StreamBlockValidationError:
    """Turn engine problems into nested block errors, so the editor marks the right block."""
    per_block: dict[int, dict] = {}
    for problem in problems:
        index, rest = _parse_path(problem.path, root)
        message = ValidationError(problem.message)
        if index is None:
            continue  # whole-scenario problems are in the summary below
        entry = per_block.setdefault(index, {"fields": {}, "lists": {}, "general": []})
        if not rest:
            entry["general"].append(message)
        elif rest[0][1] is None:
            entry["fields"].setdefault(rest[0][0], message)
        else:
            name, item = rest[0]
            field = rest[1][0] if len(rest) > 1 else None
            entry["lists"].setdefault(name, {}).setdefault(item, []).append((field, message))

    block_errors = {}
    for index, entry in per_block.items():
        fields = dict(entry["fields"])
        for name, items in entry["lists"].items():
            item_errors = {}
            list_general = []
            for item, errors in items.items():
                sub_fields = {f: m for f, m in errors if f}
                general = [m for f, m in errors if not f]
                item_errors[item] = StructBlockValidationError(
                    block_errors=sub_fields or None, non_block_errors=general or None
                )
            fields[name] = ListBlockValidationError(
                block_errors=item_errors, non_block_errors=list_general or None
            )
        block_errors[index] = StructBlockValidationError(
            block_errors=fields or None, non_block_errors=entry["general"] or None
        )
    # Also list every problem at the top, so nothing hides in a collapsed block.
    summary = [ValidationError(f"{p.path}: {p.message}") for p in problems]
    return blocks.StreamBlockValidationError(block_errors=block_errors, non_block_errors=summary)
