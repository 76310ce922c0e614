"""The shared body of `import_customers`, `import_skus` and `import_orders` (batch jobs run from cron or by hand)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import override

from fieldcrm.imports.flow import NO_DATA, SheetImport, write_rejection_report
from fieldcrm.org.models import User


class ImportCommand(BaseCommand):
    importer_class: type[SheetImport]  # set by each command

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx, .xls or .csv")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--valid-only", action="store_true", help="write the valid rows, skip the rejected")
        parser.add_argument("--report", metavar="OUT.xlsx", help="write the rejected rows to this file")
        parser.add_argument("--json", action="store_true", help="print one JSON object with the outcome")
        parser.add_argument("--user", help="login recorded as the importer (default: the first admin)")
        parser.add_argument("--lang", default="zh-hans", help="language of the messages (zh-hans or en)")

    def importing_user(self, login):
        if login:
            user = User.objects.filter(username=login).first()
            if user is None:
                raise CommandError(f"No user {login!r}")
            return user
        user = User.objects.filter(role=User.Role.ADMIN).order_by("pk").first()
        user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("No admin user exists; pass --user LOGIN")
        return user

    def handle(self, *args, **options):
        user = self.importing_user(options["user"])
        importer = self.importer_class(user, options["lang"])
        try:
            result = importer.run(options["file"], commit=not options["dry_run"], valid_only=options["valid_only"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["report"]:
            write_rejection_report(options["report"], result, options["lang"])
        if options["json"]:
            summary = result.as_json()
            if result.no_data:
                with override(options["lang"]):
                    summary["no_data"] = str(NO_DATA)
            self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
        else:
            self.print_summary(result, options)
        if (result.rejected or result.no_data) and not result.written:
            sys.exit(1)

    def print_summary(self, result, options):
        with override(options["lang"]):
            self.stdout.write(
                _("new %(new)s, updated %(updated)s, unchanged %(unchanged)s, rejected rows %(rejected)s")
                % {"new": result.new, "updated": result.updated, "unchanged": result.unchanged,
                   "rejected": result.rejected_rows}
            )
            for r in result.rejected[:200]:
                self.stdout.write(f"  {_('row')} {r.row} · {r.column} · {r.value!r}: {r.reason}")
            if len(result.rejected) > 200:
                self.stdout.write(f"  … {len(result.rejected) - 200}")
            if result.ignored_columns:
                self.stdout.write(_("ignored columns: %(cols)s") % {"cols": ", ".join(result.ignored_columns)})
            if result.no_data:
                self.stdout.write(str(NO_DATA))
            self.stdout.write(_("written") if result.written else _("nothing written"))
