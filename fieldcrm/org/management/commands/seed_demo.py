from django.conf import settings
from django.core.management.base import BaseCommand

from fieldcrm.demo import DEMO_PASSWORD, DemoBuilder
from fieldcrm.org.models import User


class Command(BaseCommand):
    help = "Build a realistic demo county (沛县, Xuzhou): org, logins, retailers, SKUs. Deterministic per seed."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=600)
        parser.add_argument("--managers", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--plan-seconds", type=float,
                            help="route planner time per manager for next week's demo plans (default 5, at most "
                                 "VISIT_PLAN_SECONDS)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when users already exist")

    def handle(self, *args, **options):
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("Demo data already present.")
            self.print_logins()
            return
        plan_seconds = options["plan_seconds"] or min(5, settings.VISIT_PLAN_SECONDS)
        builder = DemoBuilder(
            options["seed"], options["managers"], options["customers"], plan_seconds=plan_seconds
        ).build()
        self.stdout.write(f"Seeded {builder.customer_count} customers for {builder.manager_count} managers.")
        self.print_logins()

    def print_logins(self):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in User.objects.order_by("pk"):
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()}")
