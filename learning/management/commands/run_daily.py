"""The daily job: campaigns catch up, recertifications are assigned, reminders go out.

Run it once a day from cron (or any scheduler), e.g. `15 6 * * * cd /srv/cx && make daily`.
By default the work is queued for the task workers; --inline does it in this process.
Safe to run twice: nobody is assigned twice and no email is sent twice the same day.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from learning.tasks import assign_recertifications, send_daily_notices, sync_campaigns

STEPS = (
    ("campaigns", sync_campaigns),
    ("recertifications", assign_recertifications),
    ("notices", send_daily_notices),
)


class Command(BaseCommand):
    help = "Open campaign waves, assign recertifications and send reminders and escalations."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--inline", action="store_true", help="Do the work here instead of queueing it."
        )

    def handle(self, *args, date=None, inline=False, **options):
        day = self._day(date)
        for label, step in STEPS:
            if inline:
                result = step.call(day)
                self.stdout.write(f"{label}: {result}")
            else:
                step.enqueue(day)
                self.stdout.write(f"{label}: queued for {day}")

    def _day(self, value) -> str:
        if not value:
            return timezone.localdate().isoformat()
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise CommandError(f"--date: {value!r} is not a date like 2026-11-23") from exc
