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


# --- the bulk path (Arrow columns) says exactly what the row path says ------------------------------------

class RowPathImport(OrderImport):
    bulk = False  # every row through the row path, as before the bulk path existed


MESSY_CELLS = {
    "订单日期": ["2026-01-05", "2026/1/6", "2026年1月7日", "20260108", "2026.1.9", "2026-02-30", "", " 2026-01-05 ",
             "２０２６-01-05", "2026-01-05 08:30", "yesterday", "46027"],
    "订单号": ["D{n}", "D{n}", "D{n}", " D{n} ", "Ｄ{n}", "订{n}", "", "D" * 41, "D,{n}", "d{n}x", "D\t{n}"],
    "客户编码": ["C1", "C1", "C2", " C1", "Ｃ1", "", "NOPE", "c1"],
    "卷烟编码": ["6901028000001", "6901028000002", "6901028000001", "６９01028000002", "", "000", " 6901028000001"],
    "订货量(条)": ["10", "10", "3", "1", "0", "-3", "1.5", "", "１０", "10.0", "2147483648", " 4 ", "1e1"],
    "单价": ["381.60", "75", "75.00", "", "abc", "-1", "¥75", "75元", "1,234.50", "75.004", "７５", "99999999999"],
    "金额": ["{q}", "{q}", "{q}", "{q}.01", "{q}.02", "", "x", "-5", "{q}.0", " {q} ", "{q}元", "1e3",
           "0{q}", "{q}.", "9999999999999"],
}


def messy_file(path, rows=1500, seed=7, multiline_at=None, encoding="utf-8"):
    """Order lines from the cells above (amounts from quantity × price when both are plain), with a title
    row, empty lines, rows of empty cells, quoted cells and repeated keys."""
    import random

    rng = random.Random(seed)
    lines = ["2026年1月订单明细,,,,,,", "订单日期,订单号,客户编码,卷烟编码,订货量（条）,单价(元/条),金额"]
    for n in range(rows):
        cells = {h: rng.choice(v) if rng.random() < 0.3 else v[0] for h, v in MESSY_CELLS.items()}
        cells["订单号"] = cells["订单号"].format(n=n // 2 if rng.random() < 0.9 else n // 3)
        try:
            total = Decimal(cells["订货量(条)"]) * Decimal(cells["单价"])
        except Exception:  # noqa: BLE001 - not a plain number: any amount
            total = Decimal("3816.00")
        cells["金额"] = cells["金额"].format(q=total.quantize(Decimal("0.01")))
        if rng.random() < 0.5:
            cells["卷烟编码"] = ("6901028000002" if n % 2 else cells["卷烟编码"])
        if cells["卷烟编码"] == "6901028000002" and cells["单价"] == "381.60":
            cells["单价"] = "75"
        if multiline_at == n:  # a line break inside a quoted cell: the csv module reads on from here
            cells["订单号"] = f"D{n}\nX"
        values = [cells[h] for h in MESSY_CELLS]
        lines.append(",".join(f'"{v}"' if ("," in v or "\n" in v or rng.random() < 0.05) else v for v in values))
        if rng.random() < 0.02:
            lines.append(rng.choice(["", ",,,,,,", " , ,,,,,"]))
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def outcome(importer, path):
    result = importer.run(path, commit=True, valid_only=True)
    lines = sorted(OrderLine.objects.values_list("order_no", "sku__code", "customer__customer_code", "order_date",
                                                "quantity", "unit_price", "amount", "unit_cost"))
    OrderLine.objects.all().delete()
    return ([(r.row, r.column, r.value, r.reason) for r in result.rejected], result.new, result.updated,
            result.unchanged, result.total_rows, lines)


@pytest.mark.parametrize("chunk,multiline_at,encoding", [
    (256, None, "utf-8"), (4096, None, "utf-8-sig"), (1 << 20, None, "utf-8"), (4096, 900, "utf-8"),
    (4096, None, "gb18030"),
])
def test_bulk_path_gives_the_row_paths_verdicts_row_by_row(cast, shop, tmp_path, monkeypatch, chunk,
                                                            multiline_at, encoding):
    from fieldcrm.lib import sheets

    make_customer(cast["alice"], customer_code="C2")
    monkeypatch.setattr(sheets, "CHUNK_BYTES", chunk)
    path = messy_file(tmp_path / "o.csv", multiline_at=multiline_at, encoding=encoding)
    bulk = outcome(OrderImport(cast["ada"], "zh-hans"), path)
    rows = outcome(RowPathImport(cast["ada"], "zh-hans"), path)
    assert bulk[0] == rows[0]
    assert bulk[1:] == rows[1:]
    assert bulk[1] > 200 and len(bulk[0]) > 200  # both kinds of row are there in numbers
    assert {r[1] for r in bulk[0]} == {"订单日期", "订单号", "客户编码", "卷烟编码", "订货量（条）", "单价(元/条)", "金额"}


CSV_SHAPES = {
    "title and empty lines": "2026年1月订单\n\na,b,c\n1,2,3\n\n4,5,6\n",
    "crlf and a quoted comma": "a,b,c\r\n1,2,3\r\n\r\n4,\"5,5\",6\r\n7,8,9",
    "a line break in a cell": "a,b,c\n1,\"2\n2\",3\n4,5,6\n",
    "short and blank rows": "a,b,c\n1,2\n4,5,6\n , ,\n ,\n",
    "wider rows": "a,b,c\n1,2,3,\n4,5,6,7\n",
    "tabs": "a\tb\tc\n1\t2\t3\n",
    "lone cr": "a,b,c\r1,2,3\r4,5,6\r",
}


@pytest.mark.parametrize("shape", CSV_SHAPES)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"])
def test_csv_batches_give_read_sheets_rows(tmp_path, monkeypatch, shape, encoding):
    from fieldcrm.lib import sheets

    monkeypatch.setattr(sheets, "CHUNK_BYTES", 8)
    path = tmp_path / "o.csv"
    text = CSV_SHAPES[shape].replace("订单", "訂單") if encoding == "big5" else CSV_SHAPES[shape]
    path.write_text(text, encoding=encoding, newline="")
    expected = sheets.read_sheet(path)
    batched = sheets.read_csv_batches(path) or sheets.as_batches(sheets.read_sheet(path))
    rows = []
    for batch in batched.batches:
        if isinstance(batch, sheets.RowBatch):
            rows += batch.rows
        else:
            rows += [(int(batch.numbers[i]), batch.row(i, len(batched.header))) for i in range(len(batch))
                     if not sheets._is_empty(batch.row(i, len(batched.header)))]
    assert (batched.header, batched.header_row, batched.title, rows) == (
        expected.header, expected.header_row, expected.title, list(expected.rows))
