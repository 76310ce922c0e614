"""GET /api/v1/analytics/{sales|brands|market|customers|scorecard}: shape, keys, nulls, who sees what, and
the refusals (the figures themselves: tests/test_analytics_metrics.py)."""

from datetime import date
from decimal import Decimal

import pytest

from fieldcrm.sales.analytics import store
from fieldcrm.sales.models import SalesTarget
from tests import analytics_data
from tests.factories import auth, make_cast, make_customer, make_sku

URL = "/api/v1/analytics/"
MARCH = "start=2026-03-01&end=2026-04-01"


@pytest.fixture
def data(db, settings, tmp_path, time_machine):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return analytics_data.build(time_machine)


def get(client, user, path):
    return client.get(URL + path, **auth(user))


def rows(client, user, path):
    response = get(client, user, path)
    assert response.status_code == 200, response.content
    return {row["key"]: row for row in response.json()["rows"]}


def test_each_analysis_answers_rows_with_metrics_md_names(client, data):
    store.refresh()
    ada = data["ada"]
    sales = rows(client, ada, f"sales?{MARCH}&group_by=manager")
    assert set(sales) == {"alice", "charlie"}
    assert sales["alice"]["volume_cartons"] == 35 and sales["alice"]["revenue"] == pytest.approx(7224)
    assert {"volume_cases", "gross_profit", "gross_margin", "revenue_per_case", "avg_carton_price", "yoy",
            "mom"} <= set(sales["alice"])
    skus = rows(client, ada, f"sales?{MARCH}&group_by=sku&brand=红塔山")
    assert set(skus) == {"S3", "S4"}
    assert skus["S4"]["mom"] is None and skus["S4"]["yoy"] is None  # nothing sold before: undefined, not 0
    classes = rows(client, ada, f"brands?{MARCH}&group_by=price_class")
    assert set(classes) == {"一类", "二类"}
    assert classes["二类"]["share_of_volume"] == pytest.approx(70 / 85)
    market = rows(client, ada, f"market?{MARCH}&group_by=customer")
    assert data["customers"]["A1"].customer_code in market
    assert market[data["customers"]["A1"].customer_code]["price_compliance_rate"] == pytest.approx(1 / 2)
    customers = rows(client, ada, f"customers?{MARCH}&group_by=territory")
    assert customers["龙固片区"]["customers_lost"] == 1 and customers["汉城片区"]["customers_added"] == 1
    assert customers[None]["active_customers"] == 1  # bob's store has no territory


def test_scorecard_has_sales_against_target_per_manager(client, data):
    store.refresh()
    SalesTarget.objects.create(manager=data["alice"], start=date(2026, 3, 1), end=date(2026, 4, 1),
                               cases=Decimal("0.5"))
    # a quarterly target: a third of its 90 days … 31 of them fall in March
    SalesTarget.objects.create(manager=data["charlie"], start=date(2026, 1, 1), end=date(2026, 4, 1),
                               cases=Decimal("0.9"))
    card = rows(client, data["ada"], f"scorecard?{MARCH}")
    assert list(card) == ["alice", "bob", "charlie"]
    assert card["alice"]["sales_vs_target"] == pytest.approx((35 / 250) / 0.5)
    assert card["charlie"]["target_cases"] == pytest.approx(0.9 * 31 / 90)
    assert card["charlie"]["sales_vs_target"] == pytest.approx((50 / 250) / (0.9 * 31 / 90))
    assert {k: card["bob"][k] for k in ("key", "volume_cases", "target_cases", "sales_vs_target")} == {
        "key": "bob", "volume_cases": 0.0, "target_cases": None, "sales_vs_target": None}
    assert list(rows(client, data["sam"], f"scorecard?{MARCH}&group_by=manager")) == ["alice", "bob"]
    assert list(rows(client, data["alice"], f"scorecard?{MARCH}")) == ["alice"]


def test_a_manager_sees_own_stores_a_supervisor_the_team(client, data):
    store.refresh()
    assert set(rows(client, data["alice"], f"sales?{MARCH}&group_by=manager")) == {"alice"}
    assert rows(client, data["alice"], f"sales?{MARCH}&manager=charlie") == {}
    assert set(rows(client, data["sam"], f"customers?{MARCH}&group_by=manager")) == {"alice", "bob"}
    assert set(rows(client, data["charlie"], f"brands?{MARCH}&group_by=manager")) == {"charlie"}
    (company,) = rows(client, data["alice"], f"sales?{MARCH}").values()
    assert company["volume_cartons"] == 35  # the company row holds alice's stores only
    assert set(rows(client, data["dora"], f"market?{MARCH}&group_by=manager")) == {"alice", "charlie"}
    assert set(rows(client, data["max"], f"sales?{MARCH}&group_by=manager")) == {"alice", "charlie"}


def test_another_companys_figures_never_leak(client, data, time_machine):
    other = make_cast(code="320321", prefix="x")
    store_of_other = make_customer(other["alice"], created_at=analytics_data.LONG_AGO)
    from fieldcrm.sales.models import OrderLine

    OrderLine.objects.create(order_no="X1", customer=store_of_other, sku=make_sku("S1"),
                             order_date=date(2026, 3, 3), quantity=99, unit_price=1, amount=99, unit_cost=1)
    store.refresh()
    for user in (other["ada"], other["alice"], other["sam"], other["dora"]):
        for analysis in ("sales", "brands", "market", "customers"):
            found = rows(client, user, f"{analysis}?{MARCH}&group_by=manager")
            assert set(found) <= {"xalice"}, (user, analysis)
    assert rows(client, other["ada"], f"sales?{MARCH}")["沛县分公司"]["volume_cartons"] == 99
    assert rows(client, data["ada"], f"sales?{MARCH}")["沛县分公司"]["volume_cartons"] == 85
    assert rows(client, other["alice"], f"sales?{MARCH}&manager=alice") == {}


def test_refusals(client, data):
    ada = data["ada"]
    for path, status, field in [
        ("sales?start=2026-03-01&end=2026-03-01", 400, "end"),
        ("sales?start=2026-04-01&end=2026-03-01", 400, "end"),
        ("sales?start=2010-01-01&end=2026-03-01", 400, "end"),
        (f"sales?{MARCH}&group_by=colour", 400, "group_by"),
        (f"customers?{MARCH}&group_by=brand", 400, "group_by"),
        (f"scorecard?{MARCH}&group_by=area", 400, "group_by"),
    ]:
        response = get(client, ada, path)
        assert response.status_code == status, path
        assert response.json()["field"] == field and response.json()["detail"]
    for path in ("sales?start=2026-02-30&end=2026-04-01", "sales?end=2026-04-01", "brands?start=x&end=y"):
        response = get(client, ada, path)
        assert response.status_code == 422 and "detail" in response.json(), path
    assert client.get(URL + f"sales?{MARCH}").status_code == 401
