from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fieldcrm.ops.backups import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = ("Restore the database and the stored files from a backup made by `backup`. Stop the app servers "
            "and workers first. Everything since the backup is replaced.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the data")

    def handle(self, *args, file: Path, yes: bool, **options):
        try:
            manifest = read_manifest(file)
            if not yes:
                answer = input(f"Replace this installation's data with the backup of {manifest['created_at']} "
                               f"({manifest['engine']}, {manifest['media_files']} files)? Type 'yes': ")
                if answer.strip().lower() != "yes":
                    raise CommandError("Nothing was restored.")
            restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the backup of {manifest['created_at']} from {file}")
