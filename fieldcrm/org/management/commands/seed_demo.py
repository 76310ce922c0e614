from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldcrm.demo import DEMO_PASSWORD, DemoBuilder
from fieldcrm.org.models import User

# What each kind of login can try first (printed after the logins).
TRY_FIRST = [
    ("manager1", gettext_lazy(
        "open /field/ on a phone (or a 360 px window): load today's route; the first stop's checklist tells the "
        "retailer how their need was resolved, and checklists warn of SKUs about to run out; go offline for a "
        "visit, then back online; Analysis: a retailer's page and its monthly guidance letter (PDF)")),
    ("supervisor1", gettext_lazy(
        "Visit plans: last week's plan against the visits made (done, off-site, missed); next week's plan a "
        "manager has submitted: review, then approve; Analysis: the team's six-duty scorecard, and sales from "
        "the company down to one retailer")),
    ("supply1", gettext_lazy("Needs to act on: accept and resolve the retailer's supply need")),
    ("monopoly1", gettext_lazy("Market reports: confirm the report waiting for the office; the manager is notified")),
    ("admin", gettext_lazy("Settings: the planning policy (working days, check-in radius), the tier rule; "
                           "Imports: customers, SKUs and orders from a spreadsheet")),
]


class Command(BaseCommand):
    help = ("Build a realistic demo county (沛县, Xuzhou): org, logins, retailers, SKUs, and a fortnight of work "
            "around today. Deterministic per seed.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=600)
        parser.add_argument("--managers", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--plan-seconds", type=float,
                            help="route planner time per manager for next week's demo plans (default 3, at most "
                                 "VISIT_PLAN_SECONDS); last and this week's worked plans get at most 0.3 s")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when users already exist")

    def handle(self, *args, **options):
        if options["if_empty"] and User.objects.exists():
            self.stdout.write(_("Demo data already present."))
            self.print_logins()
            return
        plan_seconds = options["plan_seconds"] or min(3, settings.VISIT_PLAN_SECONDS)
        builder = DemoBuilder(
            options["seed"], options["managers"], options["customers"], plan_seconds=plan_seconds
        ).build().analyse()
        self.stdout.write(_("Seeded %(customers)s customers for %(managers)s managers, with %(lines)s order lines "
                            "over two years.")
                          % {"customers": builder.customer_count, "managers": builder.manager_count,
                             "lines": builder.order_lines})
        if builder.customer_count:
            for line in builder.summary():
                self.stdout.write("  " + line)
        if options["verbosity"] >= 2:  # where the seed's time went (wall; CPU of this process, planner workers aside)
            for name, wall, cpu in builder.timings:
                self.stdout.write(f"  {name:<20} {wall:6.1f} s  ({cpu:.1f} s CPU)")
        self.print_logins()

    def print_logins(self):
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        for user in User.objects.order_by("pk"):
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()}")
        logins = set(User.objects.values_list("username", flat=True))
        tries = [(login, text) for login, text in TRY_FIRST if login in logins]
        if tries:
            self.stdout.write(_("Try first:"))
        for login, text in tries:
            self.stdout.write(f"  {login:<12} {text}")
