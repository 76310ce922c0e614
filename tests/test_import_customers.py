"""Customer import: every bad-row kind, the messy real-world export, idempotency, nothing half-way."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from fieldcrm.customers.models import ClassificationChange, Customer
from fieldcrm.imports.customers import CustomerImport
from fieldcrm.lib.coords import wgs84_to_gcj02
from tests.factories import make_customer
from tests.sheets import HEADER, good_row, write_csv, write_xlsx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_import(user, path, commit=True, valid_only=False, language="en"):
    return CustomerImport(user, language).run(path, commit=commit, valid_only=valid_only)


def rejected_at(result):
    return {(r.row, r.column) for r in result.rejected}


def test_clean_file_imports_everything(cast, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [good_row(1), good_row(2)])
    result = run_import(cast["ada"], path)
    assert (result.new, result.updated, result.unchanged, result.rejected) == (2, 0, 0, [])
    shop = Customer.objects.get(customer_code="320322000001")
    assert shop.order_day == 3
    assert shop.business_hours == "07:00-22:00"
    assert shop.owner_birthday == datetime.date(1975, 5, 4)
    assert shop.license_expiry == datetime.date(2028, 6, 30)
    assert shop.manager == cast["alice"]
    assert shop.territory.name == "汉城片区"
    assert shop.customer_class.name == "普通客户"
    assert shop.history.get().history_change_reason == "import"
    assert not ClassificationChange.objects.filter(customer=shop).exists()  # creation is not a change
    assert shop.classification_on("tier", timezone.now()) == "12"


BAD_ROWS = [
    # (overrides, column expected in the report)
    ({"客户名称": ""}, "客户名称"),
    ({"客户编码": "AB-12/34"}, "客户编码"),
    ({"客户编码": "A" * 21}, "客户编码"),
    ({"客户名称": "店" * 101}, "客户名称"),
    ({"许可证号": "1234"}, "许可证号"),
    ({"许可证号": "3203#22@1234"}, "许可证号"),
    ({"负责人": "张" * 51}, "负责人"),
    ({"联系电话": "12345678901"}, "联系电话"),
    ({"联系电话": "139123"}, "联系电话"),
    ({"经营地址": "路" * 201}, "经营地址"),
    ({"经度": None}, "经度"),
    ({"经度": 150.0, "纬度": 34.7}, "经度"),
    ({"坐标系": "MARS"}, "坐标系"),
    ({"业态": "菜市场"}, "业态"),
    ({"市场类型": "郊区"}, "市场类型"),
    ({"经营规模": "特大"}, "经营规模"),
    ({"档位": 31}, "档位"),
    ({"档位": "十二"}, "档位"),
    ({"客户分类": "金牌客户"}, "客户分类"),
    ({"订货日": "周八"}, "订货日"),
    ({"营业时间": "早上七点"}, "营业时间"),
    ({"营业时间": "08:00-08:00"}, "营业时间"),  # overnight hours (22:00-07:00) are valid
    ({"客户经理": "nobody"}, "客户经理"),
    ({"片区": "不存在片区"}, "片区"),
    ({"户主生日": "2026-02-30"}, "户主生日"),
    ({"许可证有效期至": "明年"}, "许可证有效期至"),
    ({"状态": "倒闭"}, "状态"),
]


@pytest.mark.parametrize("overrides,column", BAD_ROWS, ids=[c + str(i) for i, (_, c) in enumerate(BAD_ROWS)])
def test_each_bad_row_kind_is_rejected_with_row_column_and_reason(cast, tmp_path, overrides, column):
    path = write_xlsx(tmp_path / "bad.xlsx", [good_row(1), good_row(2, **overrides)])
    result = run_import(cast["ada"], path)
    assert (3, column) in rejected_at(result), result.rejected
    assert all(r.reason for r in result.rejected)
    assert not result.written
    assert Customer.objects.count() == 0  # nothing half-way


def test_repeated_key_rejects_later_row_naming_earlier(cast, tmp_path):
    path = write_xlsx(tmp_path / "dup.xlsx", [good_row(1), good_row(2), good_row(1, 许可证号="32032299999999")])
    result = run_import(cast["ada"], path)
    [rejection] = result.rejected
    assert (rejection.row, rejection.column) == (4, "客户编码")
    assert "2" in rejection.reason


def test_repeated_licence_rejected_in_file_and_against_live_customers(cast, tmp_path):
    make_customer(cast["alice"], customer_code="X1", license_no="32032288888888")
    path = write_xlsx(tmp_path / "lic.xlsx", [
        good_row(1, 许可证号="32032277777777"),
        good_row(2, 许可证号="32032277777777"),
        good_row(3, 许可证号="32032288888888"),
        good_row(4, 许可证号="32032288888888", 状态="注销"),  # revoked licences may repeat
    ])
    result = run_import(cast["ada"], path)
    assert rejected_at(result) == {(3, "许可证号"), (4, "许可证号")}


def test_valid_only_writes_good_rows_in_one_go(cast, tmp_path):
    path = write_xlsx(tmp_path / "mixed.xlsx", [good_row(1), good_row(2, 联系电话="123"), good_row(3)])
    result = run_import(cast["ada"], path, valid_only=True)
    assert result.written
    assert result.new == 2
    assert sorted(Customer.objects.values_list("customer_code", flat=True)) == ["320322000001", "320322000003"]


def test_import_twice_changes_nothing_the_second_time(cast, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [good_row(n) for n in range(1, 6)])
    run_import(cast["ada"], path)
    versions = list(Customer.objects.values_list("version", flat=True))
    again = run_import(cast["ada"], path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
    assert list(Customer.objects.values_list("version", flat=True)) == versions
    assert Customer.history.count() == 5


def test_update_lands_in_history_with_source_import_and_logs_tier(cast, tmp_path):
    run_import(cast["ada"], write_xlsx(tmp_path / "a.xlsx", [good_row(1)]))
    result = run_import(cast["ada"], write_xlsx(tmp_path / "b.xlsx", [good_row(1, 档位=14, 联系电话="13800001111")]))
    assert (result.new, result.updated) == (0, 1)
    shop = Customer.objects.get()
    assert (shop.tier, shop.phone, shop.version) == (14, "13800001111", 2)
    latest = shop.history.latest()
    assert latest.history_change_reason == "import" and latest.history_type == "~"
    assert ClassificationChange.objects.filter(customer=shop, field="tier", old_value="12", new_value="14").exists()


def test_update_marks_changed_volatile_fields_verified_by_the_importer(cast, tmp_path):
    """As an edit does: a phone the file changes counts as checked by whoever imports it; the address it
    leaves as it was keeps its last check."""
    run_import(cast["ada"], write_xlsx(tmp_path / "a.xlsx", [good_row(1)]))
    shop = Customer.objects.get()
    assert shop.phone_verified_at is None  # a new customer's fields are not marked
    checked_at = timezone.now() - datetime.timedelta(days=30)
    Customer.objects.update(address_verified_at=checked_at, address_verified_by=cast["alice"])
    run_import(cast["ada"], write_xlsx(tmp_path / "b.xlsx", [good_row(1, 联系电话="13800001111")]))
    shop.refresh_from_db()
    assert shop.phone == "13800001111"
    assert shop.phone_verified_by == cast["ada"] and shop.phone_verified_at > checked_at
    assert (shop.address_verified_at, shop.address_verified_by) == (checked_at, cast["alice"])
    assert shop.owner_name_verified_at is None and shop.business_scale_verified_at is None
    assert shop.history.latest().phone_verified_by_id == cast["ada"].pk


def test_missing_columns_are_left_alone_on_update(cast, tmp_path):
    run_import(cast["ada"], write_xlsx(tmp_path / "a.xlsx", [good_row(1)]))
    short_header = ["客户编码", "客户名称", "许可证号", "负责人", "联系电话", "经营地址", "业态", "市场类型", "客户经理"]
    row = good_row(1, 客户名称="新店名")
    result = run_import(cast["ada"], write_xlsx(tmp_path / "b.xlsx", [row], header=short_header))
    assert result.updated == 1
    shop = Customer.objects.get()
    assert (shop.name, shop.tier, shop.order_day) == ("新店名", 12, 3)


def test_messy_real_world_export(cast, tmp_path):
    """Title row, reordered mixed-language headers with units, full-width digits, +86 phones, Excel serial and
    Chinese dates, GCJ-02 coordinates, an unknown column, and bad rows mixed in."""
    header = ["Customer Code", "店名", "户主", "许可证号", "联系电话", "经营地址", "GCJ经度备注", "经度", "纬度", "坐标系",
              "业态", "market type", "档位（档）", "订货日", "营业时间", "客户经理", "户主生日", "许可证有效期至", " 状态 "]
    gcj_lon, gcj_lat = wgs84_to_gcj02(116.9372, 34.7216)
    rows = [
        ["３２０３２２０００００１", "老王烟酒店", "王五", "３２０３２２１０００００１", "+86 139-1234-5678", "沛县汤沐路1号", "x",
         gcj_lon, gcj_lat, "GCJ02", "烟酒店", "urban", "２０", "星期二", "07:00－22:00", "e0001", 27154,
         "2028年6月30日", "正常"],
        ["320322000002", "惠民超市", "李四", "32032210000002", "0516-8388 1234", "沛县龙固镇1号", None, None, None, None,
         "超市", "农网", 15, "Tue", "8:00-21:00", "alice", datetime.date(1980, 1, 2), "2027/1/5", "暂停"],
        ["320322000003", "坏电话店", "赵六", "32032210000003", "12345", "沛县1号", None, None, None, None,
         "食杂店", "城网", 10, 3, None, "E0001", None, None, None],
        ["320322000004", "坏档位店", "钱七", "32032210000004", "13900000004", "沛县2号", None, None, None, None,
         "食杂店", "城网", 40, 3, None, "E0001", None, None, None],
    ]
    path = write_xlsx(tmp_path / "messy.xlsx", rows, header=header, title="沛县零售客户信息表（2026年11月导出）")
    preview = run_import(cast["ada"], path, commit=False)
    assert (preview.new, preview.updated, preview.unchanged) == (2, 0, 0)
    assert rejected_at(preview) == {(5, "联系电话"), (6, "档位（档）")}
    assert "GCJ经度备注" in preview.ignored_columns
    assert Customer.objects.count() == 0

    result = run_import(cast["ada"], path, valid_only=True)
    assert result.written
    shop = Customer.objects.get(customer_code="320322000001")
    assert shop.phone == "13912345678"
    assert shop.license_no == "3203221000001"
    assert shop.tier == 20 and shop.order_day == 2
    assert shop.owner_birthday == datetime.date(1974, 5, 5)  # Excel serial 27154
    assert shop.license_expiry == datetime.date(2028, 6, 30)
    assert abs(shop.longitude - 116.9372) < 1e-6 and abs(shop.latitude - 34.7216) < 1e-6
    other = Customer.objects.get(customer_code="320322000002")
    assert other.phone == "051683881234"
    assert other.manager == cast["alice"] and other.status == "suspended"


def test_gb18030_csv(cast, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [good_row(1), good_row(2)], encoding="gb18030")
    result = run_import(cast["ada"], path)
    assert result.new == 2
    assert Customer.objects.get(customer_code="320322000001").name == "惠民食杂店1"


def test_missing_required_column_is_reported(cast, tmp_path):
    header = [h for h in HEADER if h != "联系电话"]
    result = run_import(cast["ada"], write_xlsx(tmp_path / "x.xlsx", [good_row(1)], header=header))
    assert [(r.row, r.column) for r in result.rejected] == [(1, "联系电话")]
    assert not result.written


def test_messages_follow_the_users_language(cast, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [good_row(1, 联系电话="123")])
    zh = CustomerImport(cast["ada"], "zh-hans").run(path, commit=False)
    en = CustomerImport(cast["ada"], "en").run(path, commit=False)
    assert zh.rejected[0].reason != en.rejected[0].reason
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.rejected[0].reason)


def test_command_json_output_and_exit_status(cast, tmp_path):
    bad = write_xlsx(tmp_path / "bad.xlsx", [good_row(1), good_row(2, 档位=99)])
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_customers", str(bad), "--json", "--user", "ada", "--lang", "en",
                     stdout=(out := _Capture()))
    assert exit_info.value.code == 1
    body = json.loads(out.text)
    assert body["new"] == 1 and body["updated"] == 0 and body["unchanged"] == 0
    assert body["rejected"] == [{"row": 3, "column": "档位", "value": "99", "reason": body["rejected"][0]["reason"]}]
    assert Customer.objects.count() == 0

    report = tmp_path / "report.xlsx"
    call_command("import_customers", str(bad), "--valid-only", "--report", str(report), "--user", "ada",
                 stdout=_Capture())
    assert Customer.objects.count() == 1
    assert report.exists()


def test_command_dry_run_writes_nothing(cast, tmp_path):
    ok = write_xlsx(tmp_path / "ok.xlsx", [good_row(1)])
    call_command("import_customers", str(ok), "--dry-run", "--json", "--user", "ada", stdout=(out := _Capture()))
    assert json.loads(out.text)["new"] == 1
    assert Customer.objects.count() == 0


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, value):
        self.text += value

    def flush(self):
        pass


@pytest.fixture(scope="module")
def batch_site(tmp_path_factory):
    """A migrated SQLite site with demo managers in its own DATA_DIR, for runs in separate processes."""
    data_dir = tmp_path_factory.mktemp("site")
    env = {**os.environ, "DATA_DIR": str(data_dir), "DEBUG": "true"}
    env.pop("DATABASE_URL", None)
    run = {"env": env, "cwd": ROOT, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, **run)
    subprocess.run([sys.executable, "manage.py", "seed_demo", "--customers", "0", "--managers", "1"], check=True, **run)
    return run


def test_command_runs_as_a_real_process(batch_site, tmp_path):
    """The command line a batch job uses, against its own SQLite database in a temporary DATA_DIR."""
    bad = write_xlsx(tmp_path / "bad.xlsx", [good_row(1, 客户经理="manager1", 片区=None, 客户分类=None),
                                             good_row(2, 客户经理="manager1", 片区=None, 联系电话="1")])
    done = subprocess.run([sys.executable, "manage.py", "import_customers", str(bad), "--json"], **batch_site)
    assert done.returncode == 1, done.stderr
    body = json.loads(done.stdout)
    assert body["new"] == 1 and [r["row"] for r in body["rejected"]] == [3]


IMPORT_IN_A_PROCESS = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
django.setup()
from fieldcrm.imports.customers import CustomerImport
from fieldcrm.org.models import User
path, cache, step = sys.argv[1:4]
importer = CustomerImport(User.objects.get(username="admin"), "en")
result = importer.run(path, commit=step == "confirm", cache=cache)
print(json.dumps({"new": result.new, "written": result.written, "phases": list(importer.timings)}))
"""


def test_confirm_in_another_process_reuses_the_previews_rows(batch_site, tmp_path):
    """The web preview and its confirm may be served by two workers, each with its own string-hash salt:
    the lookup fingerprint must agree between them, or the confirm reads and cleans the whole file again."""
    path = write_xlsx(tmp_path / "c.xlsx", [good_row(11, 客户经理="manager1", 片区=None, 客户分类=None)])
    cache = tmp_path / "checked.pickle"

    def step(name, seed):
        env = {**batch_site["env"], "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", IMPORT_IN_A_PROCESS, str(path), str(cache), name],
                              **{**batch_site, "env": env})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    preview = step("preview", "1")
    assert "file_checks" in preview["phases"] and cache.exists()
    confirm = step("confirm", "2")
    assert "file_checks" not in confirm["phases"], confirm  # the cached rows were used
    assert confirm["written"] and confirm["new"] == preview["new"] == 1


def test_export_reimports_unchanged(cast, tmp_path, login):
    """The export is in the import layout: a manager can edit it in Excel and bring it back."""
    run_import(cast["ada"], write_xlsx(tmp_path / "a.xlsx", [good_row(n) for n in range(1, 4)]))
    exported = tmp_path / "export.xlsx"
    exported.write_bytes(login(cast["ada"]).get("/customers/export.xlsx").content)
    result = run_import(cast["ada"], exported, commit=False)
    assert (result.new, result.updated, result.unchanged, result.rejected) == (0, 0, 3, [])


def test_legacy_xls(cast, tmp_path):
    from tests.sheets import write_xls

    path = write_xls(tmp_path / "old.xls", [good_row(1), good_row(2, 联系电话="123")])
    result = run_import(cast["ada"], path, commit=False)
    assert result.new == 1
    assert [(r.row, r.column) for r in result.rejected] == [(3, "联系电话")]


def test_bulk_load_rebuilds_the_search_index(cast, tmp_path, monkeypatch, login):
    from django.db import connection

    from fieldcrm.imports import customers as importing

    monkeypatch.setattr(importing, "REBUILD_INDEX_MIN_ROWS", 1)
    run_import(cast["ada"], write_xlsx(tmp_path / "a.xlsx", [good_row(1, 客户名称="汤沐烟酒店"), good_row(2)]))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'customer_search_trgm'")
            assert cursor.fetchone() is not None
    page = login(cast["ada"]).get("/customers/", {"q": "汤沐烟"}).content.decode()
    assert "汤沐烟酒店" in page and "惠民食杂店2" not in page
