from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fieldcrm.ops.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the stored files (MEDIA_ROOT) into one tar file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the backup to write, e.g. fieldcrm-2026-12-08.tar")

    def handle(self, *args, file: Path, **options):
        try:
            summary = backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up the {summary.engine} database ({summary.tables_bytes:,} bytes) and "
                          f"{summary.media_files} stored files to {file}")
