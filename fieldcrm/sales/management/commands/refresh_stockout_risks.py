from datetime import date

from django.core.management.base import BaseCommand

from fieldcrm.org.models import Company
from fieldcrm.sales.stockouts import refresh_stockout_risks


class Command(BaseCommand):
    help = ("Recompute the out-of-stock risks (断货预警) of every company from the latest stock observations and "
            "order velocities (what the nightly schedule runs).")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, help="the day, YYYY-MM-DD (default today)")

    def handle(self, *args, **options):
        for company in Company.objects.all():
            found = refresh_stockout_risks(company, as_of=options["as_of"])
            self.stdout.write(f"{company}: {found} SKU(s) at risk")
