from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from fieldcrm.org.models import ApiToken, User


class Command(BaseCommand):
    help = (
        "Create a personal API token for LOGIN and print it on stdout (it is shown only once). The user's other "
        "tokens are kept unless --replace, which revokes them; stderr says which."
    )

    def add_arguments(self, parser):
        parser.add_argument("login")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--days", type=int, default=None, help="days it works (default: API_TOKEN_DAYS)")
        parser.add_argument("--replace", action="store_true", help="revoke the user's other tokens")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["login"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['login']!r}")
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days must be at least 1")
        now = timezone.now()
        with transaction.atomic():
            others = ApiToken.objects.filter(user=user).alive(now)
            if options["replace"]:
                replaced = others.update(revoked=True, revoked_at=now)
                fate = f"revoked {replaced} other token(s) of {user.username}"
            else:
                kept = others.count()
                fate = f"kept {kept} other token(s) of {user.username} (--replace revokes them)"
            token = ApiToken.issue(user, options["name"], days=options["days"])
        expires = ApiToken.objects.get(token_hash=ApiToken.hash(token)).expires_at
        self.stdout.write(token)
        self.stderr.write(f"New token {token[5:13]}… expires {timezone.localtime(expires):%Y-%m-%d %H:%M}; {fate}.")
