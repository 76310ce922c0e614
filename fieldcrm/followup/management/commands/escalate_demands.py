from django.core.management.base import BaseCommand

from fieldcrm.followup.actions import escalate_overdue


class Command(BaseCommand):
    help = "Escalate to the supervisor every unresolved need past its deadline (each once)."

    def handle(self, *args, **options):
        self.stdout.write(f"{escalate_overdue()} needs escalated")
