"""Backups of an installation: the database and the stored files (photos, under MEDIA_ROOT) in one tar file.

- PostgreSQL: `pg_dump --format=custom` into the archive; restored with `pg_restore --clean --if-exists`, which
  replaces every table of the dump (stop the app servers and workers first: they hold connections).
- SQLite: SQLite's online backup API (a consistent copy while the app runs); restored the same way onto the
  live database.
- Files: every file under MEDIA_ROOT; a restore moves the current folder aside (`media.before-restore-<time>`)
  and puts the archived one in its place. Photos kept in an S3-compatible store are not in the archive: the
  bucket keeps its own versions.

The archive holds `manifest.json` (what it is, when, from which engine and migrations), `database.dump` or
`database.sqlite3`, and `media/`.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "fieldcrm-backup/1"


class BackupError(Exception):
    """A backup or restore that cannot be done, said plainly."""


@dataclass
class Summary:
    engine: str
    tables_bytes: int
    media_files: int
    created_at: str


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432),
            "--username", db.get("USER") or "postgres", "--dbname", db["NAME"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # The command is pg_dump or pg_restore with arguments from the settings, never from a request.
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup(target: Path) -> Summary:
    """Write the database and MEDIA_ROOT into the tar file `target` (written beside it, then renamed: a
    failed backup never leaves a file that looks whole)."""
    engine = _engine()
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / ("database.dump" if engine == "postgresql" else "database.sqlite3")
        if engine == "postgresql":
            args, env = _pg_env()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *args], env)
        else:
            connection.ensure_connection()
            copy = sqlite3.connect(dump)
            connection.connection.backup(copy)
            copy.close()
        media = _media_root()
        media_files = [p for p in media.rglob("*") if p.is_file()] if media.is_dir() else []
        manifest = Summary(engine=engine, tables_bytes=dump.stat().st_size, media_files=len(media_files),
                           created_at=datetime.now(UTC).isoformat())
        migrations = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
        with tarfile.open(partial, "w") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(
                {"format": FORMAT, **manifest.__dict__, "migrations": migrations}, ensure_ascii=False,
                indent=1).encode())
            archive.add(dump, arcname=dump.name)
            for path in media_files:
                archive.add(path, arcname=f"media/{path.relative_to(media).as_posix()}")
    os.replace(partial, target)
    return manifest


def read_manifest(source: Path) -> dict:
    try:
        with tarfile.open(source) as archive:
            member = archive.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else {}
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a FieldCRM backup ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a FieldCRM backup (format {manifest.get('format')!r})")
    return manifest


def restore(source: Path) -> dict:
    """Put the database and MEDIA_ROOT back as they were in the backup `source`. The database engine must be
    the one the backup was taken from."""
    source = Path(source)
    manifest = read_manifest(source)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"the backup is of a {manifest['engine']} database; this installation uses {engine}")
    with tempfile.TemporaryDirectory() as work, tarfile.open(source) as archive:
        archive.extractall(work, filter="data")
        if engine == "postgresql":
            connections.close_all()  # pg_restore drops the tables: nothing of ours may hold them
            args, env = _pg_env()
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  *args, str(Path(work) / "database.dump")], env)
        else:
            connection.ensure_connection()
            copy = sqlite3.connect(Path(work) / "database.sqlite3")
            copy.backup(connection.connection)
            copy.close()
        _restore_media(Path(work) / "media")
    return manifest


def _restore_media(archived: Path) -> None:
    media = _media_root()
    if media.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        media.rename(media.with_name(f"{media.name}.before-restore-{stamp}"))
    if archived.is_dir():
        shutil.copytree(archived, media)
    else:
        media.mkdir(parents=True)
