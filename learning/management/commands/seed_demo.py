"""Load the demo company, Northwind Motors: people for every role, the home page, the course."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.demo import seed_course
from home import roles
from home.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_home_page
from home.models import User
from home.services import user_create
from learning.demo import seed_campaign, seed_org


class Command(BaseCommand):
    help = "Create the fictional Northwind Motors demo (idempotent). Refuses without DEBUG."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo logins share one known password).",
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password. DEBUG is off, so this "
                "looks like production: run it with --force if you really mean it."
            )
        created = 0
        for person in DEMO_PEOPLE:
            if User.objects.filter(email__iexact=person.email).exists():
                continue
            user_create(
                email=person.email,
                password=DEMO_PASSWORD,
                first_name=person.first_name,
                last_name=person.last_name,
                role_names=person.roles,
                is_superuser=person.is_superuser,
            )
            created += 1
        home = seed_home_page()
        course = seed_course(home)
        seed_org()
        seed_campaign(course)
        if options["verbosity"] == 0:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {created} new accounts."))
        if settings.DEBUG:
            self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
            for person in DEMO_PEOPLE:
                label = ", ".join(person.roles) + (" + superuser" if person.is_superuser else "")
                self.stdout.write(f"  {person.email:<34} {person.description} ({label})")
            staff = ", ".join(sorted(roles.STAFF_ROLES))
            self.stdout.write(
                f"\n{staff} and superusers are asked to set up two-factor authentication "
                "(an authenticator app) before they reach /admin/."
            )
