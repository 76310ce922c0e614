"""The SKU list the phone keeps (GET /api/v1/skus), and the price history the SKU import records."""

from datetime import date
from decimal import Decimal

import time_machine

from fieldcrm.catalog.models import Brand, PriceChange, Sku
from fieldcrm.imports.skus import SkuImport
from fieldcrm.org.models import ApiToken
from tests.sheets import write_xlsx

HEADER = ["卷烟编码", "卷烟名称", "品牌", "条码", "批发价", "建议零售价", "调拨价"]


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


def sku(code, name, brand, status=Sku.Status.ON_SALE, barcode=""):
    return Sku.objects.create(code=code, name=name, brand=Brand.objects.get_or_create(name=brand)[0],
                              wholesale_price=Decimal("75"), retail_price=Decimal("85"), purchase_cost=Decimal("67"),
                              price_class="3", status=status, barcode=barcode)


def test_list_fields_and_filters(cast, client):
    sku("6901028000001", "中华(硬)", "中华", barcode="6901028075862")
    sku("6901028000002", "红塔山(硬经典)", "红塔山")
    sku("6901028000003", "红塔山(软)", "红塔山", status=Sku.Status.DISCONTINUED)

    def listed(user="alice", **query):
        response = client.get("/api/v1/skus", query, **auth(cast[user]))
        assert response.status_code == 200, response.content
        return response.json()

    everything = listed()
    assert [s["code"] for s in everything] == ["6901028000001", "6901028000002", "6901028000003"]
    assert set(everything[0]) == {"code", "name", "brand", "price_class", "wholesale_price", "retail_price", "status",
                                  "barcode", "launched_on"}
    assert (everything[0]["brand"], everything[0]["wholesale_price"]) == ("中华", "75.00")
    assert [s["code"] for s in listed(brand="红塔山", status="on_sale")] == ["6901028000002"]
    assert [s["code"] for s in listed(q="硬")] == ["6901028000001", "6901028000002"]
    assert [s["code"] for s in listed(q="6901028075862")] == ["6901028000001"]  # the barcode scanned
    assert len(listed("dora")) == 3
    assert client.get("/api/v1/skus").status_code == 401


def test_the_import_records_price_changes(cast, tmp_path):
    def run(when, wholesale, retail):
        row = {"卷烟编码": "6901028000001", "卷烟名称": "中华(硬)", "品牌": "中华", "条码": None, "批发价": wholesale,
               "建议零售价": retail, "调拨价": 340}
        with time_machine.travel(when, tick=False):
            SkuImport(cast["ada"], "en").run(write_xlsx(tmp_path / "s.xlsx", [row], header=HEADER), commit=True)

    run(date(2026, 11, 1), 381.6, 450)
    assert Sku.objects.get().launched_on == date(2026, 11, 1)  # a new SKU is launched the day it comes in
    run(date(2026, 11, 20), 381.6, 450)  # unchanged: no news
    assert not PriceChange.objects.exists()
    run(date(2026, 11, 27), 390, 460)
    change = PriceChange.objects.get()
    assert change.effective_on == date(2026, 11, 27)
    assert (change.old_wholesale_price, change.new_wholesale_price) == (Decimal("381.60"), Decimal("390.00"))
    assert (change.old_retail_price, change.new_retail_price) == (Decimal("450.00"), Decimal("460.00"))
