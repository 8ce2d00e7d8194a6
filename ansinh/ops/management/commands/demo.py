from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ansinh.ops.demo import (
    DEFAULT_SYNTHETIC,
    DEMO_UNIT_CODE,
    DEMO_UNIT_KEY,
    MAX_SYNTHETIC,
    demo_logins,
    load_demo_data,
)
from ansinh.ops.partitions import ensure_partitions


class Command(BaseCommand):
    help = (
        "Load the demo data (DESIGN §5): offices, units, the demo citizens and staff, and "
        "synthetic persons. Safe to run again: missing rows are added, and the fixed demo "
        "records are restored to their documented values, including their documented "
        "passwords (failed logins and forced password changes are cleared). Creates no "
        "administrator; use `ansinh createsuperuser`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--synthetic",
            type=int,
            default=DEFAULT_SYNTHETIC,
            metavar="N",
            help=f"synthetic persons to load (default {DEFAULT_SYNTHETIC}, at most {MAX_SYNTHETIC})",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load even with ANSINH_PROFILE=production (benchmarks on a throw-away database)",
        )

    def handle(self, *args: Any, synthetic: int, allow_production: bool, **options: Any) -> None:
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                "The demo data has public passwords and a public unit API key: refusing to load "
                "it with ANSINH_PROFILE=production (use --allow-production on a throw-away "
                "database)."
            )
        if not 0 <= synthetic <= MAX_SYNTHETIC:
            raise CommandError(f"--synthetic must be between 0 and {MAX_SYNTHETIC}.")
        with transaction.atomic():
            counts = load_demo_data(synthetic=synthetic)
        # The demo's histories start in 2015: give their years partitions of their own
        # (PostgreSQL; docs/scaling.md "Partitioning") instead of the default partition.
        ensure_partitions()
        self.stdout.write(
            "Demo data loaded: {offices} offices, {units} units, {collection_organisations} "
            "collection organisation(s), {health_facilities} health facilities, {persons} persons, "
            "{citizen_accounts} citizen accounts, {staff_accounts} staff accounts.".format(**counts)
        )
        self.stdout.write("Demo logins:")
        for line in demo_logins():
            self.stdout.write(line)
        self.stdout.write(f"Unit API key of {DEMO_UNIT_CODE}: {DEMO_UNIT_KEY}")
