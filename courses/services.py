"""Operations that change course content; each is one transaction."""

from dataclasses import dataclass

from django.db import transaction
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from courses.blocks import questions_from_data, scenario_from_data
from courses.models import CoursePage, ModulePage, Story
from courses.module_format import ModuleFileError
from courses.scenario_rules import Problem


@dataclass(frozen=True)
class ImportResult:
    page: ModulePage
    created: bool
    published: bool


def story_upsert(*, data: dict, user=None) -> Story:
    """Create or update a story by title, as a new published revision."""
    story = Story.objects.filter(title=data["title"]).first() or Story(title=data["title"])
    story.summary = data["summary"]
    story.source = data.get("source", "")
    story.touchpoint = data["touchpoint"]
    story.missing_e = data["missing_e"]
    story.body = data.get("body", "")
    story.full_clean()
    story.save()
    story.save_revision(user=user).publish(user=user)
    return story


def story_create_draft(*, data: dict, submitted_by) -> Story:
    """A new story as a draft (not live) with its first revision, for trainers to take up.

    Raises ValidationError (a duplicate title among them); the caller holds the transaction.
    """
    story = Story(
        title=data["title"],
        summary=data["summary"],
        source=data.get("source", ""),
        touchpoint=data["touchpoint"],
        missing_e=data["missing_e"],
        body=data.get("body", ""),
        submitted_by=submitted_by,
        live=False,
    )
    story.full_clean()
    story.save()
    # The snippet listing shows drafts through their latest revision, as Wagtail's own create
    # view does for a DraftStateMixin snippet saved as a draft.
    story.save_revision(user=submitted_by, log_action="wagtail.create")
    return story


NARRATIVE_FEATURES = ["bold", "italic", "ul", "ol"]


def clean_narrative(html: str) -> str:
    """Keep only what the editor allows: an imported file must not smuggle in scripts."""
    return EditorHTMLConverter(features=NARRATIVE_FEATURES).whitelister.clean(html)


def _apply(page: ModulePage, data: dict, story: Story) -> None:
    check = data["knowledge_check"]
    scenes = [
        {**scene, "narrative": clean_narrative(scene["narrative"])}
        for scene in data["scenario"]["scenes"]
    ]
    page.title = data["title"]
    page.draft_title = data["title"]
    page.slug = data["slug"]
    page.story = story
    page.introduction = data.get("introduction", "")
    page.objectives = "\n".join(data["objectives"])
    page.estimated_minutes = data["estimated_minutes"]
    page.scenario = scenario_from_data(scenes)
    page.pass_mark = check["pass_mark"]
    page.max_attempts = check.get("max_attempts", 3)
    page.knowledge_check = questions_from_data(check["questions"])
    page.reflection_prompt = data["reflection"]["prompt"]
    page.reflection_required = data["reflection"]["required"]


@transaction.atomic
def module_import(
    *, data: dict, course: CoursePage | None = None, publish: bool = False, user=None
) -> ImportResult:
    """Create a module, or update the one with this slug as a new revision.

    `data` must already have passed `module_format.check_module_data`.
    """
    existing = ModulePage.objects.filter(slug=data["slug"]).first()
    if existing is None and course is None:
        courses = list(CoursePage.objects.all()[:2])
        if len(courses) != 1:
            raise ModuleFileError(
                [Problem("slug", f'no module "{data["slug"]}" yet: name the course to add it to')]
            )
        course = courses[0]
    if existing is not None and course is not None and not existing.is_child_of(course):
        raise ModuleFileError(
            [
                Problem(
                    "slug",
                    f'module "{data["slug"]}" already exists in course '
                    f'"{existing.get_parent().slug}", not "{course.slug}"',
                )
            ]
        )

    story = story_upsert(data=data["story"], user=user)
    if existing is None:
        page = ModulePage(live=False)
        _apply(page, data, story)
        course.add_child(instance=page)
        created = True
    else:
        page = existing.get_latest_revision_as_object()
        _apply(page, data, story)
        created = False
    revision = page.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return ImportResult(page=ModulePage.objects.get(pk=page.pk), created=created, published=publish)
