"""The browser import flow: upload → preview (nothing written) → confirm, with the rejected-rows report."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fieldcrm.customers.models import Customer
from fieldcrm.imports.models import ImportRun
from tests.factories import make_customer
from tests.sheets import good_row, write_xlsx


def upload(client, path, kind="customers"):
    with open(path, "rb") as handle:
        data = SimpleUploadedFile(path.name, handle.read())
    return client.post(reverse("imports:upload"), {"kind": kind, "file": data})


def test_the_pages_keep_their_paths():
    """The import pages moved to their own app; bookmarks and old notes still find them."""
    assert reverse("imports:upload") == "/imports/"
    assert reverse("imports:preview", args=[7]) == "/imports/7/"
    assert reverse("imports:confirm", args=[7]) == "/imports/7/confirm"
    assert reverse("imports:report", args=[7]) == "/imports/7/report.xlsx"


def test_preview_writes_nothing_then_confirm_imports(cast, login, tmp_path):
    client = login(cast["ada"])
    response = upload(client, write_xlsx(tmp_path / "c.xlsx", [good_row(1), good_row(2)]))
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:preview", args=[run.pk])
    assert Customer.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-new">2<' in page
    client.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMMITTED
    assert Customer.objects.count() == 2
    assert run.staged_path == ""  # the uploaded personal data does not linger
    again = client.post(reverse("imports:confirm", args=[run.pk]), follow=True)
    assert Customer.objects.count() == 2
    assert again.status_code == 200


def test_rejections_shown_reported_and_valid_only(cast, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_xlsx(tmp_path / "c.xlsx", [good_row(1), good_row(2, 联系电话="123")]))
    run = ImportRun.objects.get()
    page = client.get(reverse("imports:preview", args=[run.pk])).content.decode()
    assert "不是有效的大陆手机号" in page  # Chinese by default
    report = client.get(reverse("imports:report", args=[run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in sheet[2]][:3] == [3, "联系电话", "123"]
    client.post(reverse("imports:confirm", args=[run.pk]))  # without valid_only: nothing written
    assert Customer.objects.count() == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.NOTHING_WRITTEN


def test_valid_only_confirm(cast, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_xlsx(tmp_path / "c.xlsx", [good_row(1), good_row(2, 联系电话="123")]))
    run = ImportRun.objects.get()
    client.post(reverse("imports:confirm", args=[run.pk]), {"valid_only": "1"})
    assert list(Customer.objects.values_list("customer_code", flat=True)) == ["320322000001"]


def test_confirm_rechecks_what_changed_since_the_preview(cast, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_xlsx(tmp_path / "c.xlsx", [good_row(1), good_row(2)]))
    run = ImportRun.objects.get()
    # Meanwhile someone else registers a customer holding row 3's licence.
    make_customer(cast["bob"], customer_code="OTHER1", license_no=good_row(2)["许可证号"])
    client.post(reverse("imports:confirm", args=[run.pk]))
    assert not Customer.objects.filter(customer_code="320322000002").exists()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.NOTHING_WRITTEN
    assert run.summary["rejected"][0]["row"] == 3


def test_unreadable_file_gets_a_clear_message(cast, login, tmp_path):
    client = login(cast["ada"])
    bad = tmp_path / "c.xlsx"
    bad.write_bytes(b"<html><table><tr><td>x</td></tr></table></html>")
    response = upload(client, bad)
    assert response.status_code == 302
    page = client.get(reverse("imports:upload")).content.decode()
    assert "文件无法读取" in page
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_wrong_extension_is_refused_by_the_form(cast, login, tmp_path):
    client = login(cast["ada"])
    path = tmp_path / "c.pdf"
    path.write_bytes(b"%PDF")
    response = upload(client, path)
    assert response.status_code == 200
    assert not ImportRun.objects.exists()


def test_sku_import_through_the_page(cast, login, tmp_path):
    client = login(cast["ada"])
    header = ["卷烟编码", "卷烟名称", "品牌", "批发价", "建议零售价", "调拨价"]
    path = write_xlsx(tmp_path / "s.xlsx", [["6901028000001", "中华(硬)", "中华", 381.6, 450, 340]], header=header)
    upload(client, path, kind="skus")
    run = ImportRun.objects.get()
    assert run.summary["new"] == 1


def test_another_admin_cannot_see_my_import(cast, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_xlsx(tmp_path / "c.xlsx", [good_row(1)]))
    run = ImportRun.objects.get()
    from tests.factories import make_user

    other_admin = make_user("ada2", "admin", cast["company"])
    other = login(other_admin)
    assert other.get(reverse("imports:preview", args=[run.pk])).status_code == 404
    assert other.post(reverse("imports:confirm", args=[run.pk])).status_code == 404
    assert other.get(reverse("imports:report", args=[run.pk])).status_code == 404
    assert login(cast["alice"]).get(reverse("imports:preview", args=[run.pk])).status_code == 403


def test_oversized_upload_is_refused(cast, login, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = upload(login(cast["ada"]), write_xlsx(tmp_path / "c.xlsx", [good_row(1)]))
    assert response.status_code == 200
    assert "MB" in response.content.decode()
    assert not ImportRun.objects.exists()
