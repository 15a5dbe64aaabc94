"""Build the benchmark company: a 5-level org of 10,000 people, 20 modules, months of history."""

import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from learning import bench_data, dashboard_cache


class Command(BaseCommand):
    help = (
        "Create the benchmark company (Benchcorp, people @bench.example) with bulk inserts. "
        "Refuses on a database that already holds learner data, unless --force (which replaces "
        "an earlier benchmark company and leaves everything else alone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=10_000, help="People (default 10000).")
        parser.add_argument("--modules", type=int, default=20, help="Modules, 5 a course.")
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument(
            "--fanout",
            type=int,
            default=None,
            help="Units below each unit (1-5; default: the widest the people fill).",
        )
        parser.add_argument(
            "--password",
            default=None,
            help="One password for every bench account (default: none can sign in with one).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run on a database with learner data; an earlier benchmark company is replaced.",
        )

    def handle(self, *args, learners, modules, seed, fanout, password, force, **options):
        quiet = options["verbosity"] == 0
        started = time.perf_counter()

        def log(line):
            if not quiet:
                self.stdout.write(line)

        with transaction.atomic():
            if bench_data.learner_data_exists():
                if not force:
                    raise CommandError(
                        "This database already holds people or learning records. seed_bench "
                        "is for benchmark databases: run it with --force to add the benchmark "
                        "company anyway (an earlier one is replaced)."
                    )
                deleted = bench_data.bench_delete()
                if any(deleted.values()):
                    log(
                        f"Removed the earlier benchmark company ({deleted.get('users', 0):,} "
                        f"accounts) in {time.perf_counter() - started:.1f} s."
                    )
            log(f"Seeding {learners:,} learners and {modules} modules (seed {seed}):")
            try:
                counts = bench_data.seed_bench(
                    learners=learners,
                    modules=modules,
                    seed=seed,
                    fanout=fanout,
                    password=password,
                    log=log,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        # dashboards cache their aggregates: none may outlive the data they summed
        cache.clear()
        dashboard_cache.changed()
        if connection.vendor == "postgresql":
            # the planner's statistics, as autovacuum would gather them on a live database
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.perf_counter() - started
        if not quiet:
            summary = ", ".join(f"{count:,} {label}" for label, count in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Benchmark company ready in {seconds:.1f} s."))
            self.stdout.write(summary)
