from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fieldcrm.care.actions import replan_services
from fieldcrm.lib.periods import week_start
from fieldcrm.org.models import Company


class Command(BaseCommand):
    help = ("Plan the service tasks due in a period (default: this week and the next four) and re-plan the open "
            "ones: rewrite what they say, cancel those left with nothing to say.")

    def add_arguments(self, parser):
        parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD (default: this Monday)")
        parser.add_argument("--days", type=int, default=35)

    def handle(self, *args, **options):
        today = timezone.localdate()
        # From this week's Monday: news entered since the last run reaches this week's tasks too.
        start = options["start"] or week_start(today)
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        end = start + timedelta(days=options["days"])
        for company in Company.objects.all():
            counts = replan_services(company, start, end)
            self.stdout.write(
                f"{company}: {counts.created} new service tasks for {start} – {end - timedelta(days=1)}; "
                f"{counts.rewritten} rewritten ({counts.reopened} reopened), {counts.cancelled} cancelled")
