from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fieldcrm.care.actions import plan_services
from fieldcrm.org.models import Company


class Command(BaseCommand):
    help = "Create the service tasks due in a period (default: the next four weeks from Monday)."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--days", type=int, default=28)

    def handle(self, *args, **options):
        today = timezone.localdate()
        start = options["start"] or today + timedelta(days=(7 - today.weekday()) % 7)
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        end = start + timedelta(days=options["days"])
        for company in Company.objects.all():
            created = plan_services(company, start, end)
            self.stdout.write(f"{company}: {created} new service tasks for {start} – {end - timedelta(days=1)}")
