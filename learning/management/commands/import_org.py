from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learning.org_file import OrgFileError, read_org_file
from learning.services.org import org_import_apply, org_import_plan

SHOWN = 20  # names listed per kind of change; the counts are always complete


class Command(BaseCommand):
    help = (
        "Import the org chart from an HR export (CSV or XLSX): creates, updates and "
        "deactivates people and creates units. A file with any bad row is rejected whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )

    def handle(self, *args, file, dry_run=False, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            plan = org_import_plan(read_org_file(content, file.name))
            if plan.problems:
                raise OrgFileError(plan.problems)
        except OrgFileError as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{file}: rejected, nothing was written ({count} problem"
                f"{'s' if count != 1 else ''}):\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from exc

        summary = plan.summary()
        self.stdout.write(
            "{rows} rows: {new} new, {changed} changed, {unchanged} unchanged, "
            "{deactivated} to deactivate, {units_created} units to create.".format(**summary)
        )
        for row in plan.new[:SHOWN]:
            self.stdout.write(f"  + {row.employee_id} {row.email} ({row.unit_path})")
        for row, changes in plan.changed[:SHOWN]:
            what = "; ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changes.items())
            self.stdout.write(f"  ~ {row.employee_id} {row.email}: {what}")
        for profile in plan.leavers[:SHOWN]:
            self.stdout.write(f"  - {profile.employee_id} {profile.user.email}")
        for path in plan.units_to_create[:SHOWN]:
            self.stdout.write(f"  + unit {path}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
            return
        new_ids = org_import_apply(plan)
        self.stdout.write(
            self.style.SUCCESS(f"Imported. {len(new_ids)} invitation(s) will be sent.")
        )
