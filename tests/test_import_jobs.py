"""Imports as background jobs through the web pages: upload → progress → preview → confirm → written,
for orders (and the other kinds on the same path); header-only files, no valid rows, templates, access."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fieldcrm.imports import tasks
from fieldcrm.imports.models import ImportRun
from fieldcrm.sales.models import OrderLine
from tests.factories import make_customer, make_sku, make_user
from tests.sheets import write_csv

HEADER = ["订单日期", "订单号", "客户编码", "卷烟编码", "订货量(条)", "单价", "金额"]


def line(order_no="D0001", **overrides):
    row = {"订单日期": "2026-01-05", "订单号": order_no, "客户编码": "C1", "卷烟编码": "6901028000001",
           "订货量(条)": "10", "单价": "381.60", "金额": "3816.00"}
    row.update(overrides)
    return row


@pytest.fixture
def shop(cast):
    make_sku()
    return make_customer(cast["alice"], customer_code="C1")


def upload(client, path, kind="orders"):
    with open(path, "rb") as handle:
        data = SimpleUploadedFile(path.name, handle.read())
    return client.post(reverse("imports:upload"), {"kind": kind, "file": data})


@pytest.fixture
def queued(monkeypatch):
    """Jobs wait in the queue (as with a broker or the web process's thread) until the test runs them."""
    waiting: list[int] = []
    monkeypatch.setattr(tasks, "dispatch", waiting.append)
    return waiting


def test_upload_progress_preview_confirm_written(cast, shop, login, tmp_path, queued):
    client = login(cast["ada"])
    response = upload(client, write_csv(tmp_path / "o.csv", [line(), line("D0002")], header=HEADER))
    run = ImportRun.objects.get()
    assert (run.kind, run.status, queued) == ("orders", ImportRun.Status.QUEUED, [run.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page and reverse("imports:progress", args=[run.pk]) in page
    assert 'id="confirm"' not in page
    polled = client.get(reverse("imports:progress", args=[run.pk]))
    assert "HX-Refresh" not in polled and "等待检查" in polled.content.decode()

    assert tasks.import_job(queued.pop()) == ImportRun.Status.PREVIEWED  # the worker checks the file
    assert tasks.import_job(run.pk) is None  # delivered twice: nothing happens
    assert client.get(reverse("imports:progress", args=[run.pk]))["HX-Refresh"] == "true"
    page = client.get(reverse("imports:preview", args=[run.pk])).content.decode()
    assert 'id="count-new">2<' in page and 'id="confirm"' in page
    assert not OrderLine.objects.exists()

    client.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, queued) == (ImportRun.Status.CONFIRMED, [run.pk])
    assert client.post(reverse("imports:confirm", args=[run.pk])).status_code == 302  # a second confirm
    assert queued == [run.pk]  # … queues nothing
    assert tasks.import_job(queued.pop()) == ImportRun.Status.COMMITTED
    run.refresh_from_db()
    assert run.summary["written"] is True and run.staged_path == ""
    assert OrderLine.objects.count() == 2
    done = client.get(reverse("imports:preview", args=[run.pk])).content.decode()
    assert 'id="import-done"' in done and 'id="import-progress"' not in done


def test_inline_jobs_without_a_broker(cast, shop, login, tmp_path):
    """In tests and commands (no threads) the job runs inside the request, as before."""
    client = login(cast["ada"])
    upload(client, write_csv(tmp_path / "o.csv", [line()], header=HEADER))
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED
    client.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMMITTED and OrderLine.objects.count() == 1


def test_progress_shows_rows_read(cast, login, tmp_path, settings):
    run = ImportRun.objects.create(kind="orders", user=cast["ada"], file_name="o.csv",
                                   status=ImportRun.Status.CHECKING)
    tasks.staging_dir().mkdir(parents=True, exist_ok=True)
    tasks._Reporter(run.pk)(40000, 0.25)
    body = login(cast["ada"]).get(reverse("imports:progress", args=[run.pk])).content.decode()
    assert "已读取 40000 行" in body and 'aria-valuenow="25"' in body and "every 1s" in body


def test_valid_rows_only_through_the_page(cast, shop, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_csv(tmp_path / "o.csv", [line(), line("D0002", 客户编码="NOPE")], header=HEADER))
    run = ImportRun.objects.get()
    page = client.get(reverse("imports:preview", args=[run.pk])).content.decode()
    assert "没有这个客户编码的客户" in page and 'name="valid_only"' in page
    client.post(reverse("imports:confirm", args=[run.pk]), {"valid_only": "1"})
    run.refresh_from_db()
    assert (run.status, run.valid_only) == (ImportRun.Status.COMMITTED, True)
    assert list(OrderLine.objects.values_list("order_no", flat=True)) == ["D0001"]


def test_no_valid_row_offers_no_import(cast, shop, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_csv(tmp_path / "o.csv", [line(客户编码="NOPE")], header=HEADER))
    run = ImportRun.objects.get()
    page = client.get(reverse("imports:preview", args=[run.pk])).content.decode()
    assert 'name="valid_only"' not in page and 'id="no-valid-rows"' in page
    client.post(reverse("imports:confirm", args=[run.pk]), {"valid_only": "1"})
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED and not OrderLine.objects.exists()


@pytest.mark.parametrize("kind,header", [("orders", HEADER), ("skus", ["卷烟编码", "卷烟名称", "品牌", "批发价",
                                                                      "建议零售价", "调拨价"])])
def test_header_only_file_says_no_data_rows(cast, login, tmp_path, kind, header):
    client = login(cast["ada"])
    upload(client, write_csv(tmp_path / "o.csv", [], header=header), kind=kind)
    run = ImportRun.objects.get()
    page = client.get(reverse("imports:preview", args=[run.pk])).content.decode()
    assert "所有行都是空的" in page and 'id="confirm"' not in page
    assert run.summary["no_data"] is True


def test_a_big5_file_through_the_page(cast, login, tmp_path):
    client = login(cast["ada"])
    header = ["sku_code", "sku_name", "brand", "wholesale_price", "retail_price", "purchase_cost"]
    row = {"sku_code": "6901028000001", "sku_name": "中華(硬)", "brand": "中華", "wholesale_price": "381.6",
           "retail_price": "450", "purchase_cost": "340"}
    upload(client, write_csv(tmp_path / "s.csv", [row], header=header, encoding="big5"), kind="skus")
    run = ImportRun.objects.get()
    client.post(reverse("imports:confirm", args=[run.pk]))
    from fieldcrm.catalog.models import Sku

    assert Sku.objects.get().name == "中華(硬)"


def test_templates_and_columns_per_kind(cast, login):
    client = login(cast["ada"])
    page = client.get(reverse("imports:upload")).content.decode()
    for kind in ("customers", "skus", "orders"):
        assert reverse("imports:template", args=[kind]) in page
    assert "订货量" in page and "大于 0 的整数" in page
    response = client.get(reverse("imports:template", args=["orders"]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["*" + h for h in ["订单日期", "订单号", "客户编码", "卷烟编码", "订货量",
                                                             "单价", "金额"]]
    assert client.get(reverse("imports:template", args=["nothing"])).status_code == 404


def test_outsiders(cast, shop, login, tmp_path):
    client = login(cast["ada"])
    upload(client, write_csv(tmp_path / "o.csv", [line()], header=HEADER))
    run = ImportRun.objects.get()
    other = login(make_user("ada2", "admin", cast["company"]))
    for name in ("preview", "progress", "report"):
        assert other.get(reverse(f"imports:{name}", args=[run.pk])).status_code == 404
    assert other.post(reverse("imports:confirm", args=[run.pk])).status_code == 404
    manager = login(cast["alice"])
    for name in ("preview", "progress"):
        assert manager.get(reverse(f"imports:{name}", args=[run.pk])).status_code == 403
    assert manager.post(reverse("imports:confirm", args=[run.pk])).status_code == 403
    assert manager.get(reverse("imports:template", args=["orders"])).status_code == 403
    assert manager.get(reverse("imports:upload")).status_code == 403
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED and not OrderLine.objects.exists()


def test_a_failing_job_stops_the_waiting(cast, shop, login, tmp_path, queued):
    client = login(cast["ada"])
    upload(client, write_csv(tmp_path / "o.csv", [line()], header=HEADER))
    run = ImportRun.objects.get()
    tasks.staging_dir().joinpath(run.staged_path).unlink()  # the staged upload went away
    tasks.import_job(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.summary["error"]
    assert json.dumps(run.summary)
