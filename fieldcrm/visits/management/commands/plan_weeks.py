from datetime import date

from django.core.management.base import BaseCommand, CommandError

from fieldcrm.errors import Refusal
from fieldcrm.lib.periods import week_start
from fieldcrm.org.models import User
from fieldcrm.visits.models import PlanningJob
from fieldcrm.visits.tasks import plan_next_week_for_all, start_run


class Command(BaseCommand):
    help = ("Generate draft visit plans: next week for every manager without one (what the weekly schedule "
            "runs), or --week and --manager for one. Jobs go to Celery when a broker is set, else run here.")

    def add_arguments(self, parser):
        parser.add_argument("--week", type=date.fromisoformat, help="a Monday, YYYY-MM-DD")
        parser.add_argument("--manager", action="append", default=[], help="a manager's login (repeatable)")

    def handle(self, *args, **options):
        from django.conf import settings

        settings.VISIT_JOBS_IN_THREAD = False  # a command must not exit before its in-process jobs finish
        if not options["week"] and not options["manager"]:
            runs = plan_next_week_for_all()
        else:
            if not options["week"] or options["week"] != week_start(options["week"]):
                raise CommandError("--week must be a Monday")
            managers = list(User.objects.filter(role=User.Role.MANAGER, username__in=options["manager"]))
            if options["manager"] and len(managers) != len(options["manager"]):
                raise CommandError("unknown manager login")
            if not managers:
                raise CommandError("name at least one --manager with --week")
            try:
                runs = [start_run(m.company, options["week"], [m], by=None).pk for m in managers]
            except Refusal as exc:  # e.g. a week beyond the planning horizon
                raise CommandError(str(exc)) from exc
        for job in PlanningJob.objects.filter(run_id__in=runs).select_related("manager"):
            self.stdout.write(f"{job.manager.username}: {job.status} {job.error}".rstrip())
        self.stdout.write(f"{len(runs)} planning run(s) started")
