"""`manage.py refresh_analytics [--full] [--month YYYY-MM ...]`: bring the analytics copy up to date."""

from django.core.management.base import BaseCommand

from fieldcrm.sales.analytics import store


class Command(BaseCommand):
    help = "Refresh the analytics copy (Parquet) of orders and visit observations: changed months only."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rewrite every month and drop vanished ones")
        parser.add_argument("--month", action="append", default=[], help="also rewrite this month (YYYY-MM)")

    def handle(self, *args, full=False, month=(), **options):
        report = store.refresh(full=full, months=month)
        for fact in sorted(set(report.rewritten) | set(report.removed)):
            self.stdout.write(f"{fact}: rewrote {', '.join(report.rewritten.get(fact, [])) or '-'}; "
                              f"removed {', '.join(report.removed.get(fact, [])) or '-'}")
        if not report.rewritten and not report.removed:
            self.stdout.write("Nothing changed.")
