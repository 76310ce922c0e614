"""Order import (contract: Orders, key 订单号 + 卷烟编码): every row rule, idempotent upsert with history,
unit cost from the SKU's price history at the order date, nothing half-way, the command's JSON, Big5."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from fieldcrm.catalog.models import Sku
from fieldcrm.imports.orders import OrderImport
from fieldcrm.imports.skus import SkuImport
from fieldcrm.sales.models import OrderLine, OrderLineChange
from tests.factories import make_customer, make_sku
from tests.sheets import write_csv, write_xlsx

HEADER = ["订单日期", "订单号", "客户编码", "卷烟编码", "订货量(条)", "单价", "金额"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def line(order_no="D0001", sku="6901028000001", **overrides):
    row = {"订单日期": "2026-01-05", "订单号": order_no, "客户编码": "C1", "卷烟编码": sku, "订货量(条)": "10",
           "单价": "381.60", "金额": "3816.00"}
    row.update(overrides)
    return row


@pytest.fixture
def shop(cast):
    make_sku()
    make_sku("6901028000002", "红塔山(硬经典)", purchase_cost=Decimal("67"))
    return make_customer(cast["alice"], customer_code="C1")


def run(user, path, **kwargs):
    kwargs.setdefault("commit", True)
    return OrderImport(user, "en").run(path, **kwargs)


def rejected_at(result):
    return {(r.row, r.column) for r in result.rejected}


def test_clean_file_imports_every_line(cast, shop, tmp_path):
    rows = [line(), line(sku="6901028000002", 单价="75", 金额="375")]
    rows[1]["订货量(条)"] = "5"
    result = run(cast["ada"], write_csv(tmp_path / "o.csv", rows, header=HEADER))
    assert (result.new, result.updated, result.unchanged, result.rejected, result.written) == (2, 0, 0, [], True)
    first = OrderLine.objects.get(order_no="D0001", sku__code="6901028000001")
    assert (first.customer, first.order_date, first.quantity) == (shop, datetime.date(2026, 1, 5), 10)
    assert (first.unit_price, first.amount, first.unit_cost, first.source) == (
        Decimal("381.60"), Decimal("3816.00"), Decimal("340.00"), "import")
    assert OrderLine.objects.get(sku__code="6901028000002").unit_cost == Decimal("67.00")


def test_xlsx_with_excel_values(cast, shop, tmp_path):
    rows = [[datetime.datetime(2026, 1, 5), "D0001", "C1", 6901028000001, 10.0, 381.6, 3816]]
    result = run(cast["ada"], write_xlsx(tmp_path / "o.xlsx", rows, header=HEADER))
    assert (result.new, result.rejected) == (1, [])
    assert OrderLine.objects.get().order_date == datetime.date(2026, 1, 5)


def test_second_import_changes_nothing_and_a_changed_quantity_updates(cast, shop, tmp_path):
    path = write_csv(tmp_path / "o.csv", [line(), line("D0002")], header=HEADER)
    run(cast["ada"], path)
    stamp = OrderLine.objects.values_list("changed_at", flat=True).first()
    again = run(cast["ada"], path)
    assert (again.new, again.updated, again.unchanged, again.written) == (0, 0, 2, False)
    assert OrderLine.objects.values_list("changed_at", flat=True).first() == stamp
    changed = write_csv(tmp_path / "p.csv", [line(**{"订货量(条)": "12", "金额": "4579.20"}), line("D0002")],
                        header=HEADER)
    result = run(cast["ada"], changed)
    assert (result.new, result.updated, result.unchanged) == (0, 1, 1)
    updated = OrderLine.objects.get(order_no="D0001")
    assert (updated.quantity, updated.amount) == (12, Decimal("4579.20"))
    history = OrderLineChange.objects.get()
    assert (history.line, history.old_quantity, history.old_amount, history.source, history.changed_by) == (
        updated, 10, Decimal("3816.00"), "import", cast["ada"])
    assert OrderLine.objects.count() == 2


def test_unit_cost_is_the_allocation_price_on_the_order_date(cast, tmp_path, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI))
    make_customer(cast["alice"], customer_code="C1")
    sku = make_sku(purchase_cost=Decimal("340"))
    time_machine.move_to(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI))
    sku.purchase_cost = Decimal("360")
    sku.save()
    time_machine.move_to(datetime.datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI))
    sku.purchase_cost = Decimal("380")
    sku.save()
    rows = [line("A", 订单日期="2026-03-09"), line("B", 订单日期="2026-03-10"), line("C", 订单日期="2026-03-19"),
            line("D", 订单日期="2026-02-01")]
    run(cast["ada"], write_csv(tmp_path / "o.csv", rows, header=HEADER))
    costs = dict(OrderLine.objects.values_list("order_no", "unit_cost"))
    # The price in force at the end of the order date; before any history, today's price.
    assert costs == {"A": Decimal("340.00"), "B": Decimal("360.00"), "C": Decimal("360.00"), "D": Decimal("380.00")}


BAD = [
    ({"订单日期": "2026-13-45"}, "订单日期"),
    ({"订单日期": ""}, "订单日期"),
    ({"订单号": ""}, "订单号"),
    ({"订单号": "D" * 41}, "订单号"),
    ({"客户编码": "NOPE"}, "客户编码"),
    ({"客户编码": ""}, "客户编码"),
    ({"卷烟编码": "000"}, "卷烟编码"),
    ({"订货量(条)": "0"}, "订货量(条)"),
    ({"订货量(条)": "-3"}, "订货量(条)"),
    ({"订货量(条)": "1.5"}, "订货量(条)"),
    ({"订货量(条)": ""}, "订货量(条)"),
    ({"单价": "abc"}, "单价"),
    ({"单价": "-1"}, "单价"),
    ({"金额": "3816.02"}, "金额"),
    ({"金额": ""}, "金额"),
    ({"金额": "x"}, "金额"),
]


@pytest.mark.parametrize("overrides,column", BAD)
def test_each_bad_row_is_reported_and_nothing_is_written(cast, shop, tmp_path, overrides, column):
    path = write_csv(tmp_path / "o.csv", [line(), line("D0002", **overrides)], header=HEADER)
    result = run(cast["ada"], path)
    assert (3, column) in rejected_at(result)
    assert all(r.row == 3 and r.reason for r in result.rejected)
    assert (result.new, result.written) == (1, False)
    assert not OrderLine.objects.exists()


def test_amount_within_a_cent_is_accepted(cast, shop, tmp_path):
    result = run(cast["ada"], write_csv(tmp_path / "o.csv", [line(金额="3816.01")], header=HEADER))
    assert result.written and not result.rejected


def test_reasons_in_the_users_language(cast, shop, tmp_path):
    path = write_csv(tmp_path / "o.csv", [line(客户编码="NOPE")], header=HEADER)
    result = OrderImport(cast["ada"], "zh-hans").run(path, commit=False)
    assert result.rejected[0].reason == "没有这个客户编码的客户"


def test_a_repeated_key_rejects_the_later_row(cast, shop, tmp_path):
    rows = [line(), line("D0002"), line(**{"订货量(条)": "3", "金额": "1144.80"})]
    result = run(cast["ada"], write_csv(tmp_path / "o.csv", rows, header=HEADER))
    assert [(r.row, r.column, r.value) for r in result.rejected] == [(4, "订单号", "D0001 / 6901028000001")]
    assert "row 2" in result.rejected[0].reason
    assert not OrderLine.objects.exists()
    valid = run(cast["ada"], write_csv(tmp_path / "o.csv", rows, header=HEADER), valid_only=True)
    assert (valid.new, valid.written) == (2, True)
    assert OrderLine.objects.get(order_no="D0001").quantity == 10  # the first row's line


def test_valid_rows_only(cast, shop, tmp_path):
    path = write_csv(tmp_path / "o.csv", [line(), line("D0002", 客户编码="NOPE")], header=HEADER)
    result = run(cast["ada"], path, valid_only=True)
    assert (result.new, result.rejected_rows, result.written) == (1, 1, True)
    assert list(OrderLine.objects.values_list("order_no", flat=True)) == ["D0001"]


def test_a_dry_run_writes_nothing(cast, shop, tmp_path):
    result = run(cast["ada"], write_csv(tmp_path / "o.csv", [line()], header=HEADER), commit=False)
    assert (result.new, result.written) == (1, False)
    assert not OrderLine.objects.exists()


def test_missing_column_and_header_only(cast, shop, tmp_path):
    result = run(cast["ada"], write_csv(tmp_path / "o.csv", [line()], header=HEADER[:-1]))
    assert [(r.row, r.column) for r in result.rejected] == [(1, "订单日期")] or rejected_at(result) == {(1, "金额")}
    empty = run(cast["ada"], write_csv(tmp_path / "e.csv", [], header=HEADER))
    assert empty.no_data and not empty.written and not empty.rejected


def command(path, *args):
    from io import StringIO

    out = StringIO()
    try:
        call_command("import_orders", str(path), "--json", "--lang", "en", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


def test_command_json_says_whether_it_wrote(cast, shop, tmp_path):
    good = write_csv(tmp_path / "o.csv", [line()], header=HEADER)
    assert command(good, "--dry-run") == (0, {"new": 1, "updated": 0, "unchanged": 0, "rejected": [],
                                              "written": False})
    assert command(good)[1]["written"] is True
    code, body = command(good)
    assert (code, body["unchanged"], body["written"]) == (0, 1, False)
    bad = write_csv(tmp_path / "b.csv", [line("D9"), line("D8", 客户编码="NOPE")], header=HEADER)
    code, body = command(bad, "--report", str(tmp_path / "r.xlsx"))
    assert (code, body["written"], body["rejected"][0]["row"]) == (1, False, 3)
    assert (tmp_path / "r.xlsx").exists()
    code, body = command(write_csv(tmp_path / "e.csv", [], header=HEADER))
    assert code == 1 and "no data rows" in body["no_data"] and body["written"] is False


def test_sku_and_customer_commands_say_written_too(cast, tmp_path):
    from io import StringIO

    header = ["卷烟编码", "卷烟名称", "品牌", "批发价", "建议零售价", "调拨价"]
    path = write_xlsx(tmp_path / "s.xlsx", [["6901028000001", "中华(硬)", "中华", 381.6, 450, 340]], header=header)
    out = StringIO()
    call_command("import_skus", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["written"] is True


SKU_HEADER = ["sku_code", "sku_name", "brand", "wholesale_price", "retail_price", "purchase_cost"]


@pytest.mark.parametrize("encoding", ["big5", "gb18030", "utf-8-sig"])
def test_chinese_text_files_in_any_common_encoding_read_right(cast, tmp_path, encoding):
    """A Big5 (traditional Chinese) file used to decode as GB18030 without error, and was written garbled."""
    name = "中華(硬)" if encoding == "big5" else "中华(硬)"
    row = {"sku_code": "6901028000001", "sku_name": name, "brand": name[:2], "wholesale_price": "381.6",
           "retail_price": "450", "purchase_cost": "340"}
    path = write_csv(tmp_path / "s.csv", [row], header=SKU_HEADER, encoding=encoding)
    result = SkuImport(cast["ada"], "en").run(path, commit=True)
    assert result.written, result.rejected
    assert Sku.objects.get().name == name


def test_order_file_in_gb18030(cast, shop, tmp_path):
    path = write_csv(tmp_path / "o.csv", [line()], header=HEADER, encoding="gb18030")
    assert run(cast["ada"], path).new == 1


def test_commit_refreshes_the_analytics_copy_and_the_risks(cast, shop, tmp_path, django_capture_on_commit_callbacks):
    """Once committed: the copy's months written (sales.tasks.refresh_after_import) and the out-of-stock risks
    recomputed (a stale risk goes: the store was never observed); a dry run or an unchanged file does neither."""
    from fieldcrm.sales.analytics import analyses, sources, store
    from fieldcrm.sales.analytics.periods import Period
    from fieldcrm.sales.models import StockoutRisk

    day = datetime.date(2026, 1, 5)
    StockoutRisk.objects.create(customer=shop, sku=Sku.objects.get(code="6901028000001"), stock=1, ordered_4w=10,
                                days_of_cover=2.8, observed_on=day, run_out_on=day, computed_on=day)
    path = write_csv(tmp_path / "o.csv", [line(), line("D0002", 订单日期="2026-02-03")], header=HEADER)
    with django_capture_on_commit_callbacks(execute=True) as dry:
        run(cast["ada"], path, commit=False)
    assert dry == [] and store.fact_months("orders") == []
    with django_capture_on_commit_callbacks(execute=True) as done:
        run(cast["ada"], path)
    assert len(done) == 1
    assert store.fact_months("orders") == ["2026-01", "2026-02"]
    (company,) = analyses.sales(sources.tables("duckdb"), Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 1)))
    assert company["volume_cartons"] == 20
    assert not StockoutRisk.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as again:
        run(cast["ada"], path)
    assert again == []
