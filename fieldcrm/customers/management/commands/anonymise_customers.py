from django.conf import settings
from django.core.management.base import BaseCommand

from fieldcrm.customers.privacy import anonymise_due


class Command(BaseCommand):
    help = (
        "Anonymise the personal data (owner, phone, address, position, birthday; their history too) of closed "
        "or revoked retailers with no profile change for ANONYMISE_AFTER_DAYS. Codes, licence numbers and sales "
        "stay. A second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list who would be anonymised, change nothing")

    def handle(self, *args, **options):
        outcome = anonymise_due(dry_run=options["dry_run"])
        verb = "would anonymise" if outcome.dry_run else "anonymised"
        self.stdout.write(
            f"{verb} {len(outcome.customers)} customer(s) closed or revoked with no change since "
            f"{outcome.cutoff:%Y-%m-%d} (ANONYMISE_AFTER_DAYS={settings.ANONYMISE_AFTER_DAYS})"
        )
        for code in outcome.customers:
            self.stdout.write(f"  {code}")
        for table, count in outcome.rows.items():
            self.stdout.write(f"  {table}: {count} row(s)")
