from datetime import date

from django.core.management.base import BaseCommand, CommandError

from fieldcrm.org.models import Company
from fieldcrm.sales.tiers import apply_tier_rule


class Command(BaseCommand):
    help = ("Review every retailer's tier now by the company's tier rule (the schedule does it when the review "
            "period has passed): small moves are applied and logged, large jumps wait for the supervisor.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="change nothing; print what would happen")
        parser.add_argument("--as-of", type=date.fromisoformat, help="the review day, YYYY-MM-DD (default today)")
        parser.add_argument("--company", help="a company's code (default: every company)")

    def handle(self, *args, **options):
        companies = Company.objects.all()
        if options["company"]:
            companies = companies.filter(code=options["company"])
            if not companies.exists():
                raise CommandError("unknown company code")
        for company in companies:
            run = apply_tier_rule(company, as_of=options["as_of"], dry_run=options["dry_run"])
            summary = run.summary()
            self.stdout.write(
                f"{company}: {'would apply' if run.dry_run else 'applied'} {summary['applied']}, "
                f"held for review {summary['held_for_review']}, unchanged {summary['unchanged']} "
                f"(as of {summary['as_of']})")
            for proposal in run.applied + run.held if run.dry_run else []:
                self.stdout.write(f"  {proposal.customer_id}: {proposal.old_tier} → {proposal.new_tier}  "
                                  f"{proposal.reason}")
