from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.module_format import dump_module
from courses.selectors import module_latest, module_to_data


class Command(BaseCommand):
    help = "Export a module (its latest revision) as a cx-module/1 file."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", type=Path, help="File to write (default: stdout).")
        parser.add_argument(
            "--format", choices=["yaml", "json"], help="Default: from -o, else yaml."
        )

    def handle(self, *args, slug, output=None, format=None, **options):
        page = module_latest(slug)
        if page is None:
            raise CommandError(f'no module with the slug "{slug}"')
        fmt = format or ("json" if output and output.suffix.lower() == ".json" else "yaml")
        text = dump_module(module_to_data(page), fmt)
        if output:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
        else:
            self.stdout.write(text, ending="")
