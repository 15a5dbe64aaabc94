"""The demo course: five modules drawn from the stories, loaded from cx-module/1 files."""

from pathlib import Path

from django.db import transaction

from courses.models import CourseIndexPage, CoursePage, ModulePage
from courses.module_format import load_module
from courses.services import module_import

DEMO_MODULES = Path(__file__).resolve().parent / "demo_modules"
COURSE_TITLE = "Customer experience is everyone's day job"


@transaction.atomic
def seed_course(home) -> CoursePage:
    """Create the catalogue, the demo course and its modules (existing ones are kept)."""
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = CourseIndexPage(
            title="Courses",
            slug="courses",
            introduction="<p>Every course starts from real customer stories.</p>",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    course = CoursePage.objects.child_of(index).filter(slug="everyones-day-job").first()
    if course is None:
        course = CoursePage(
            title=COURSE_TITLE,
            slug="everyones-day-job",
            introduction=(
                "<p>Five true stories of customers lost by one conversation, and how each "
                "could have gone the other way. Play each scenario, pass its check, and "
                "reflect on your own job.</p>"
            ),
            audience="Everyone at Northwind Motors, leadership first",
            certificate_title="Customer Experience Foundations",
            validity_months=12,
        )
        index.add_child(instance=course)
        course.save_revision().publish()
    for path in sorted(DEMO_MODULES.glob("*.yaml")):
        parsed = load_module(path.read_bytes(), path.name)
        if not ModulePage.objects.filter(slug=parsed.data["slug"]).exists():
            module_import(data=parsed.data, course=course, publish=True)
    return course
