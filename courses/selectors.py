"""Read queries over course content."""

from courses.models import CoursePage, ModulePage


def module_to_data(page: ModulePage) -> dict:
    """A module (as given: live or a revision's copy) as cx-module/1 data."""
    story = page.story
    return {
        "format": "cx-module/1",
        "slug": page.slug,
        "title": page.title,
        "introduction": page.introduction,
        "story": {
            "title": story.title,
            "summary": story.summary,
            "source": story.source,
            "touchpoint": story.touchpoint,
            "missing_e": story.missing_e,
            "body": story.body,
        },
        "objectives": page.objective_list(),
        "estimated_minutes": page.estimated_minutes,
        "scenario": {"scenes": page.scenario_data()},
        "knowledge_check": {
            "pass_mark": page.pass_mark,
            "max_attempts": page.max_attempts,
            "questions": page.questions_data(),
        },
        "reflection": {"prompt": page.reflection_prompt, "required": page.reflection_required},
    }


def module_latest(slug: str) -> ModulePage | None:
    """The module with this slug, as its latest revision (draft or live)."""
    page = ModulePage.objects.filter(slug=slug).first()
    if page is None:
        return None
    return page.get_latest_revision_as_object()


def course_by_slug(slug: str) -> CoursePage | None:
    return CoursePage.objects.filter(slug=slug).first()
