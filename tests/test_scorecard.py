"""The six-duty scorecard per customer manager (metrics.md, "Duty scorecard"): every metric for two managers,
computed by hand, the same through GET /api/v1/analytics/scorecard and on the /analysis/scorecard/ page (one
function builds both), each figure on the page linking to the records behind it, and who sees whose row.

The period is the week [Mon 30 Nov, Mon 7 Dec 2026), looked at on 9 December (Beijing time).

alice (town): shop (profile verified on 1 Dec: accurate) and kiosk (never verified: not accurate) → 1/2;
  a phone change noticed at the 1 Dec visit (10:00) and approved on 3 Dec 10:00 → median 2.0 days;
  service tasks due 1 Dec done that day, due 2 Dec still open → 1/2;
  the week's plan submitted on Friday 27 Nov → 1/1; its visits: shop on 1 Dec on site, kiosk on 2 Dec missed → 1/2;
  one need due 2 Dec 10:00 told to the retailer at 09:00 → 1/1;
  two market reports, one confirmed → 2 reports, 1/2 confirmed;
  500 条 ordered (2 箱) against a target of 8 箱 over [30 Nov, 14 Dec) → 4 箱 for the week → 0.5.
bob (town): one store verified on 1 Dec → 1/1; no change noticed → null; a task due 3 Dec done on 4 Dec → 0/1;
  no plan for the week → 0/1; no planned visit → null; no need due → null; no report → 0, null;
  125 条 (0.5 箱), no target → target null, sales_vs_target null.
charlie (rural) is not in sam's team."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from fieldcrm.care.models import ServiceItem, ServiceTask
from fieldcrm.customers.models import ChangeRequest
from fieldcrm.followup.models import Demand
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.org.models import Department
from fieldcrm.sales.analytics import store
from fieldcrm.sales.models import OrderLine, SalesTarget
from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import auth, make_customer, make_sku, make_visit

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=BJ)
URL = "/api/v1/analytics/scorecard?start=2026-11-30&end=2026-12-07&group_by=manager"
PAGE = {"period": "custom", "start": "2026-11-30", "end": "2026-12-07"}

EXPECTED = {
    "alice": {"profile_accuracy": 0.5, "change_latency_days": 2.0, "service_completion": 0.5, "plan_on_time": 1.0,
              "visit_completion": 0.5, "demand_closure": 1.0, "market_reports": 2, "market_reports_confirmed": 0.5,
              "volume_cases": 2.0, "target_cases": 4.0, "sales_vs_target": 0.5},
    "bob": {"profile_accuracy": 1.0, "change_latency_days": None, "service_completion": 0.0, "plan_on_time": 0.0,
            "visit_completion": None, "demand_closure": None, "market_reports": 0, "market_reports_confirmed": None,
            "volume_cases": 0.5, "target_cases": None, "sales_vs_target": None},
}


def bj(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=BJ)


def verified(at):
    return {f"{f}_verified_at": at for f in ("phone", "address", "owner_name")}


def order(customer, sku, day, quantity):
    return OrderLine.objects.create(order_no=f"W{uuid.uuid4().hex[:10]}", sku=sku, customer=customer,
                                    order_date=day, quantity=quantity, unit_price=Decimal("100"),
                                    amount=Decimal("100") * quantity, unit_cost=Decimal("80"))


@pytest.fixture
def week(cast, time_machine):
    time_machine.move_to(NOW, tick=False)
    alice, bob = cast["alice"], cast["bob"]
    created = {"created_at": bj(11, 1), "latitude": 34.7, "longitude": 116.9}
    shop = make_customer(alice, **created, **verified(bj(12, 1)))
    kiosk = make_customer(alice, **created)
    bobs = make_customer(bob, **created, **verified(bj(12, 1)))
    charlies = make_customer(cast["charlie"], **created)
    # duty 1: a change noticed at the visit, approved two days later
    service = Department.objects.get(company=cast["company"], kind=Department.Kind.SERVICE)
    request = ChangeRequest.objects.create(
        customer=shop, field="phone", new_value="13900000000", department=service, proposed_by=alice,
        status=ChangeRequest.Status.APPROVED, decided_at=bj(12, 3), client_uuid=uuid.uuid4())
    # duties 3 and 4: the week's plan and its visits
    plan = WeekPlan.objects.create(manager=alice, week_start=date(2026, 11, 30), status=WeekPlan.Status.APPROVED,
                                   submitted_at=bj(11, 27, 18))
    at_shop = PlannedVisit.objects.create(plan=plan, customer=shop, day=date(2026, 12, 1))
    PlannedVisit.objects.create(plan=plan, customer=kiosk, day=date(2026, 12, 2))
    make_visit(shop, bj(12, 1), planned_visit=at_shop, ad_hoc=False, on_site=True, distance_m=40,
               profile_changes=[{"client_uuid": str(request.client_uuid), "field": "phone", "new_value": "",
                                 "applied": False}])
    # duty 2: service tasks
    item = ServiceItem.objects.filter(company=cast["company"]).first()
    done = ServiceTask.Status.DONE
    ServiceTask.objects.create(customer=shop, item=item, source="standard", due_date=date(2026, 12, 1),
                               status=done, done_at=bj(12, 1))
    ServiceTask.objects.create(customer=shop, item=item, source="standard", due_date=date(2026, 12, 2))
    ServiceTask.objects.create(customer=bobs, item=item, source="standard", due_date=date(2026, 12, 3),
                               status=done, done_at=bj(12, 4))
    # duty 5: a need told in time, two market reports
    Demand.objects.create(customer=shop, kind=Demand.Kind.SUPPLY, description="缺货", raised_by=alice,
                          raised_at=bj(11, 30), response_hours=48, due_at=bj(12, 2), status=Demand.Status.CLOSED,
                          closed_at=bj(12, 2, 9), feedback_at=bj(12, 2, 9))
    for status in (MarketReport.Status.CONFIRMED, MarketReport.Status.SUBMITTED):
        decided = {} if status == MarketReport.Status.SUBMITTED else {
            "decided_by": cast["max"], "decided_at": bj(12, 2, 12), "outcome": "已查处"}
        MarketReport.objects.create(
            company=cast["company"], reporter=alice, kind=MarketReport.Kind.COUNTERFEIT, description="假烟",
            observed_at=bj(12, 2, 9), latitude=34.7, longitude=116.9, created_at=bj(12, 2), status=status,
            **decided)
    # duty 6: orders and a target
    sku = make_sku("6901028000001", "中华(硬)")
    order(shop, sku, date(2026, 12, 2), 300)
    order(kiosk, sku, date(2026, 12, 6), 200)
    order(bobs, sku, date(2026, 12, 3), 125)
    order(charlies, sku, date(2026, 12, 3), 250)
    order(shop, sku, date(2026, 12, 7), 999)  # after the week
    SalesTarget.objects.create(manager=alice, start=date(2026, 11, 30), end=date(2026, 12, 14), cases=8)
    store.refresh()
    return {"shop": shop}


def check(row, expected):
    for metric, value in expected.items():
        assert row[metric] == (None if value is None else pytest.approx(value)), metric


def test_api_rows_per_manager_every_duty(client, cast, week):
    response = client.get(URL, **auth(cast["sam"]))
    assert response.status_code == 200, response.content
    rows = {row["key"]: row for row in response.json()["rows"]}
    assert set(rows) == {"alice", "bob"}
    for login, expected in EXPECTED.items():
        check(rows[login], expected)
    assert list(rows["alice"])[1:] == list(EXPECTED["alice"])  # the duties in order, 1 to 6


def test_page_shows_the_same_figures_linking_to_their_records(cast, week, login):
    response = login(cast["sam"]).get(reverse("sales:scorecard"), PAGE)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    columns = [c["name"] for c in response.context["columns"]]
    assert columns == list(EXPECTED["alice"])
    rows = {row["key"]: {c: cell for c, cell in zip(columns, row["cells"], strict=True)}
            for row in response.context["rows"]}
    assert set(rows) == {"alice", "bob"}
    for login_name, expected in EXPECTED.items():
        check({c: cell["value"] for c, cell in rows[login_name].items()}, expected)
    alice = cast["alice"].pk
    links = {c: cell["link"] for c, cell in rows["alice"].items()}
    assert links["visit_completion"] == f"{reverse('visits:records')}?manager={alice}&week=2026-11-30"
    assert links["profile_accuracy"] == f"{reverse('customers:list')}?manager={alice}"
    assert links["service_completion"] == f"{reverse('care:plan')}?window=done"
    assert links["plan_on_time"] == f"{reverse('visits:index')}?week=2026-11-30"
    assert links["demand_closure"] == f"{reverse('followup:demand_list')}?status=closed"
    assert links["market_reports"] == f"{reverse('monopoly:counts')}?period=days&start=2026-11-30&end=2026-12-06"
    assert links["sales_vs_target"].startswith(reverse("sales:dashboard", args=["sales"]))
    assert "manager=alice" in links["sales_vs_target"]
    # each link opens for the supervisor
    client = login(cast["sam"])
    for metric in ("visit_completion", "profile_accuracy", "plan_on_time", "market_reports", "sales_vs_target"):
        assert client.get(links[metric]).status_code == 200, metric


def test_a_manager_sees_only_their_own_row(client, cast, week, login):
    rows = client.get(URL, **auth(cast["bob"])).json()["rows"]
    assert [row["key"] for row in rows] == ["bob"]
    check(rows[0], EXPECTED["bob"])
    assert client.get(URL + "&manager=alice", **auth(cast["bob"])).json()["rows"] == []
    page = login(cast["bob"]).get(reverse("sales:scorecard"), PAGE)
    assert [row["key"] for row in page.context["rows"]] == ["bob"]


def test_the_admin_sees_every_manager(client, cast, week):
    rows = {row["key"]: row for row in client.get(URL, **auth(cast["ada"])).json()["rows"]}
    assert set(rows) == {"alice", "bob", "charlie"}
    assert rows["charlie"]["volume_cases"] == pytest.approx(1.0)
    assert rows["charlie"]["profile_accuracy"] == 0.0 and rows["charlie"]["plan_on_time"] == 0.0


def test_next_week_starts_nothing_here(client, cast, week):
    """A period with no orders still lists the team, with zeros where counts and nulls where ratios."""
    rows = client.get(URL.replace("2026-11-30", "2026-12-14").replace("2026-12-07", "2026-12-21"),
                      **auth(cast["sam"])).json()["rows"]
    assert [row["key"] for row in rows] == ["alice", "bob"]
    assert rows[0]["volume_cases"] == 0 and rows[0]["sales_vs_target"] is None
    assert rows[0]["market_reports"] == 0 and rows[0]["visit_completion"] is None
