from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.module_format import ModuleFileError, load_module
from courses.selectors import course_by_slug
from courses.services import module_import


class Command(BaseCommand):
    help = "Import a cx-module/1 file (YAML or JSON). A bad file is rejected whole."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--course", help="Slug of the course a new module goes into.")
        parser.add_argument("--publish", action="store_true", help="Publish the new revision.")

    def handle(self, *args, file, course=None, publish=False, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        parent = None
        if course:
            parent = course_by_slug(course)
            if parent is None:
                raise CommandError(f'no course with the slug "{course}"')
        try:
            parsed = load_module(content, file.name)
            result = module_import(data=parsed.data, course=parent, publish=publish)
        except ModuleFileError as exc:
            lines = [f"  {p.path}: {p.message}" for p in exc.problems]
            raise CommandError(
                f"{file}: rejected, nothing was written ({len(lines)} problem"
                f"{'s' if len(lines) != 1 else ''}):\n" + "\n".join(lines)
            ) from exc
        verb = "created" if result.created else "updated"
        state = "published" if result.published else "saved as a draft"
        self.stdout.write(self.style.SUCCESS(f'Module "{result.page.slug}" {verb} and {state}.'))
