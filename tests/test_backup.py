"""The backup drill (issue 16, item 7): back up, change the data and the stored files, restore, and find the
original — on SQLite through its online backup API, on PostgreSQL through pg_dump / pg_restore."""

import shutil
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fieldcrm.customers.models import Customer
from fieldcrm.ops.backups import read_manifest
from tests.conftest import need_service
from tests.factories import make_cast, make_customer


@pytest.mark.django_db(transaction=True)
def test_backup_change_restore_finds_the_original(private_media, tmp_path, capsys):
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        need_service("the PostgreSQL client tools (pg_dump, pg_restore)")
    cast = make_cast()
    shop = make_customer(cast["alice"], name="老王烟酒店")
    photo = private_media / "photos" / "2026" / "shelf.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8original\xff\xd9")
    backup_file = tmp_path / "fieldcrm.tar"

    call_command("backup", str(backup_file))
    assert "Backed up" in capsys.readouterr().out
    manifest = read_manifest(backup_file)
    assert manifest["media_files"] == 1 and any(m.startswith("customers.") for m in manifest["migrations"])

    Customer.objects.filter(pk=shop.pk).update(name="改过的名字")
    make_customer(cast["alice"], name="备份之后才有的店")
    photo.write_bytes(b"changed")
    (private_media / "photos" / "later.jpg").write_bytes(b"later")

    call_command("restore", str(backup_file), "--yes")
    assert list(Customer.objects.values_list("name", flat=True)) == ["老王烟酒店"]
    assert photo.read_bytes() == b"\xff\xd8original\xff\xd9"
    assert not (private_media / "photos" / "later.jpg").exists()
    kept_aside = list(tmp_path.glob("media.before-restore-*"))
    assert len(kept_aside) == 1 and (kept_aside[0] / "photos" / "later.jpg").read_bytes() == b"later"


def test_a_file_that_is_no_backup_is_refused_clearly(tmp_path):
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w"):
        pass
    with pytest.raises(CommandError, match="is not a FieldCRM backup"):
        call_command("restore", str(junk), "--yes")
    with pytest.raises(CommandError, match="is not a FieldCRM backup"):
        call_command("restore", str(tmp_path / "missing.tar"), "--yes")
