"""SKU import: prices, EAN-13 barcodes, price class derived from the allocation price."""

from decimal import Decimal

import pytest

from fieldcrm.catalog.models import Sku
from fieldcrm.imports.skus import SkuImport
from tests.sheets import write_xlsx

HEADER = ["卷烟编码", "卷烟名称", "品牌", "条码", "批发价", "建议零售价", "调拨价", "价类", "生产企业", "状态"]


def sku_row(code="6901028000001", **overrides):
    row = {"卷烟编码": code, "卷烟名称": "中华(硬)", "品牌": "中华", "条码": "6901028075862", "批发价": 381.6,
           "建议零售价": 450, "调拨价": 340, "价类": None, "生产企业": "上海烟草集团", "状态": "在销"}
    row.update(overrides)
    return row


def run(user, path, **kwargs):
    return SkuImport(user, "en").run(path, commit=True, **kwargs)


def test_import_and_derive_price_class(cast, tmp_path):
    rows = [sku_row(), sku_row("6901028000002", 卷烟名称="红塔山(硬经典)", 品牌="红塔山", 条码=None, 批发价=75,
                                建议零售价=85, 调拨价=67)]
    result = run(cast["ada"], write_xlsx(tmp_path / "s.xlsx", rows, header=HEADER))
    assert result.new == 2 and not result.rejected
    zhonghua = Sku.objects.get(code="6901028000001")
    assert (zhonghua.price_class, zhonghua.wholesale_price, zhonghua.brand.name) == ("1", Decimal("381.60"), "中华")
    assert Sku.objects.get(code="6901028000002").price_class == "3"
    assert zhonghua.history.get().history_change_reason == "import"
    again = run(cast["ada"], write_xlsx(tmp_path / "s.xlsx", rows, header=HEADER))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.parametrize("overrides,column", [
    ({"条码": "6901028075863"}, "条码"),
    ({"条码": "69010"}, "条码"),
    ({"批发价": 0}, "批发价"),
    ({"建议零售价": 300}, "建议零售价"),
    ({"调拨价": "abc"}, "调拨价"),
    ({"价类": "六类"}, "价类"),
    ({"状态": "缺货"}, "状态"),
    ({"卷烟名称": ""}, "卷烟名称"),
])
def test_bad_sku_rows(cast, tmp_path, overrides, column):
    path = write_xlsx(tmp_path / "s.xlsx", [sku_row(), sku_row("6901028000009", **overrides)], header=HEADER)
    result = run(cast["ada"], path)
    assert (3, column) in {(r.row, r.column) for r in result.rejected}
    assert Sku.objects.count() == 0


def test_price_change_is_an_update_with_history(cast, tmp_path):
    run(cast["ada"], write_xlsx(tmp_path / "a.xlsx", [sku_row()], header=HEADER))
    result = run(cast["ada"], write_xlsx(tmp_path / "b.xlsx", [sku_row(批发价=390)], header=HEADER))
    assert result.updated == 1
    sku = Sku.objects.get()
    assert sku.wholesale_price == Decimal("390.00")
    assert sku.history.count() == 2
