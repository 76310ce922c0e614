"""Dashboards: scope per role, drill-down links from the company to a retailer and from a brand to its SKUs,
the period picker, the xlsx export carrying the page's rows, the scorecard, and outsiders refused."""

import io
import json
import re
from datetime import date

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from fieldcrm.customers.models import ClassificationChange
from fieldcrm.sales.analytics import store
from fieldcrm.sales.models import SalesTarget
from tests.sales_data import MAY, TODAY, make_sales

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(cast, settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    with time_machine.travel(TODAY, tick=False), translation.override("en"):
        made = make_sales(cast)
        store.refresh()
        yield made


def chart(response, name):
    match = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', response.content.decode(),
                      re.S)
    return json.loads(match.group(1))


def keys(response):
    return [row["key"] for row in response.context["table"]["rows"]]


def test_manager_sees_own_stores_by_default(cast, sales, login):
    response = login(cast["alice"]).get(reverse("sales:home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.context["period"].start == MAY and response.context["group_by"] == "customer"
    assert keys(response) == [sales["a1"].customer_code, sales["a2"].customer_code]
    first = response.context["table"]["rows"][0]
    assert first["link"].startswith(reverse("sales:retailer", args=[sales["a1"].customer_code]))
    assert sales["b1"].customer_code not in response.content.decode()


def test_manager_cannot_filter_into_another_managers_stores(cast, sales, login):
    response = login(cast["alice"]).get(reverse("sales:home"), {"group_by": "customer", "manager": "bob"})
    assert keys(response) == []


def test_supervisor_drills_from_team_to_a_retailer(cast, sales, login):
    client = login(cast["sam"])
    response = client.get(reverse("sales:home"))
    assert response.context["group_by"] == "manager"
    assert sorted(keys(response)) == ["alice", "bob"]  # the team only: charlie is rural
    alice = next(r for r in response.context["table"]["rows"] if r["key"] == "alice")
    response = client.get(alice["link"])
    assert response.context["group_by"] == "customer" and response.context["filters"] == {"manager": "alice"}
    assert keys(response) == [sales["a1"].customer_code, sales["a2"].customer_code]
    response = client.get(response.context["table"]["rows"][0]["link"])
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.context["customer"] == sales["a1"]
    assert [r["key"] for r in response.context["table"]["rows"]] == ["云烟", "中华"]


def test_admin_drills_company_area_territory_manager(cast, sales, login):
    client = login(cast["ada"])
    response = client.get(reverse("sales:home"))
    assert response.context["group_by"] == "company"
    response = client.get(response.context["table"]["rows"][0]["link"])
    assert response.context["group_by"] == "area"
    assert set(keys(response)) == {"城区营销部", "农村营销部"}
    town = next(r for r in response.context["table"]["rows"] if r["key"] == "城区营销部")
    response = client.get(town["link"])
    assert response.context["group_by"] == "territory" and keys(response) == ["汉城片区"]
    response = client.get(response.context["table"]["rows"][0]["link"])
    assert response.context["group_by"] == "manager"
    assert response.context["filters"] == {"area": "城区营销部", "territory": "汉城片区"}
    assert sorted(keys(response)) == ["alice", "bob"]
    crumbs = response.context["crumbs"]
    assert [c["label"].split(": ")[-1] for c in crumbs[1:]] == ["城区营销部", "汉城片区"]
    assert client.get(crumbs[1]["url"]).context["filters"] == {"area": "城区营销部"}


def test_brand_drills_to_its_skus(cast, sales, login):
    client = login(cast["ada"])
    response = client.get(reverse("sales:dashboard", args=["sales"]), {"group_by": "brand"})
    assert keys(response) == ["云烟", "中华"]
    zhonghua = next(r for r in response.context["table"]["rows"] if r["key"] == "中华")
    response = client.get(zhonghua["link"])
    assert response.context["group_by"] == "sku" and response.context["filters"] == {"brand": "中华"}
    assert keys(response) == ["6901028000001"]
    assert response.context["table"]["rows"][0]["link"] is None  # the bottom of the product path


def test_trend_chart_has_twelve_months_with_yoy_and_pop(cast, sales, login):
    response = login(cast["alice"]).get(reverse("sales:home"), {"group_by": "company"})
    trend = chart(response, "trend")
    assert [p["month"] for p in trend["points"]][-2:] == ["2026-04", "2026-05"]
    assert len(trend["points"]) == 12
    may = trend["points"][-1]
    assert may["value"] == pytest.approx(35 / 250)  # alice's stores: 10 + 20 + 5 条
    assert may["mom"] == pytest.approx(35 / 5 - 1) and may["yoy"] == pytest.approx(35 / 8 - 1)


@pytest.mark.parametrize(("query", "start", "end"), [
    ({"period": "quarter", "at": "2026-05-15"}, date(2026, 4, 1), date(2026, 7, 1)),
    ({"period": "custom", "start": "2026-05-06", "end": "2026-05-08"}, date(2026, 5, 6), date(2026, 5, 8)),
    ({"period": "custom", "start": "2026-05-08", "end": "2026-05-06"}, MAY, date(2026, 6, 1)),  # backwards
    ({"period": "month", "at": "not-a-date"}, MAY, date(2026, 6, 1)),
])
def test_period_picker(cast, sales, login, query, start, end):
    response = login(cast["ada"]).get(reverse("sales:home"), {**query, "group_by": "company"})
    assert (response.context["period"].start, response.context["period"].end) == (start, end)


def test_custom_period_counts_only_its_days(cast, sales, login):
    response = login(cast["ada"]).get(reverse("sales:home"), {"period": "custom", "start": "2026-05-06",
                                                              "end": "2026-05-08", "group_by": "company"})
    assert response.context["table"]["rows"][0]["cells"][0]["value"] == 40  # 10 (6th) + 30 (7th) 条


def test_export_has_the_pages_rows(cast, sales, login):
    client = login(cast["sam"])
    page = client.get(reverse("sales:home"))
    response = client.get(page.context["export"], HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Manager", "Volume (条)", "Volume (箱)")
    assert sorted(r[0] for r in rows[1:]) == ["alice", "bob"]
    assert next(r for r in rows if r[0] == "alice")[1:3] == (35, 35 / 250)
    assert [list(r[1:]) for r in rows[1:]] == [pytest.approx([c["value"] for c in row["cells"]])
                                               for row in page.context["table"]["rows"]]


def test_tier_migration_matrix(cast, sales, login):
    ClassificationChange.objects.create(customer=sales["a1"], field="tier", old_value="12", new_value="14",
                                        changed_at=TODAY.replace(month=5, day=20), source="orders")
    ClassificationChange.objects.create(customer=sales["c1"], field="tier", old_value="5", new_value="4",
                                        changed_at=TODAY.replace(month=5, day=20), source="orders")
    response = login(cast["sam"]).get(reverse("sales:dashboard", args=["customers"]))
    tiers = chart(response, "tiers")
    assert tiers["tiers"] == ["12", "14"]  # charlie's store is not the town's
    assert tiers["cells"] == [[1, 0, 1]]  # x = to 14, y = from 12, one store


def test_scorecard_rows_per_manager_with_target(cast, sales, login):
    SalesTarget.objects.create(manager=cast["alice"], start=MAY, end=date(2026, 6, 1), cases=1)
    response = login(cast["sam"]).get(reverse("sales:scorecard"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    rows = {r["key"]: r for r in response.context["rows"]}
    assert set(rows) == {"alice", "bob"}
    columns = [c["name"] for c in response.context["columns"]]
    target = rows["alice"]["cells"][columns.index("sales_vs_target")]
    assert target["value"] == pytest.approx(35 / 250)
    assert target["link"].startswith(reverse("sales:dashboard", args=["sales"]))
    export = login(cast["sam"]).get(response.context["export"])
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sorted(r[0] for r in list(sheet.iter_rows(values_only=True))[1:]) == ["alice", "bob"]


def test_department_staff_see_the_company(cast, sales, login):
    response = login(cast["dora"]).get(reverse("sales:home"), {"group_by": "manager"})
    assert set(keys(response)) == {"alice", "bob", "charlie"}


@pytest.mark.parametrize("user", ["bob", "charlie"])
def test_outsider_gets_404_for_another_managers_retailer(cast, sales, login, user):
    assert login(cast[user]).get(reverse("sales:retailer", args=[sales["a1"].customer_code])).status_code == 404


def test_unknown_analysis_404_and_signed_out_redirected(cast, sales, client, login):
    assert login(cast["ada"]).get("/analysis/nonsense/").status_code == 404
    assert client.get(reverse("sales:home")).status_code == 302


def test_user_without_company_refused(cast, sales, login):
    from tests.factories import make_user

    stray = make_user("stray", "manager", None)
    assert login(stray).get(reverse("sales:home")).status_code == 403
