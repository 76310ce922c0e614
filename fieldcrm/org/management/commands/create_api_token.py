from django.core.management.base import BaseCommand, CommandError

from fieldcrm.org.models import ApiToken, User


class Command(BaseCommand):
    help = "Create a personal API token for LOGIN and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("login")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["login"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['login']!r}")
        self.stdout.write(ApiToken.issue(user, options["name"]))
