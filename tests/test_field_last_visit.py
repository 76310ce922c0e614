"""`GET /api/v1/today` carries each stop's last visit with SKU figures (issue 15, item 3): the phone offers
them as "same as last time", one tap a row. Only the store's latest such visit counts, and only the caller's
own stores are in it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import TODAY, make_customer, make_sku, make_visit

API = "/api/v1"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def plan_today(manager, customers):
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=manager, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    for n, customer in enumerate(customers, start=1):
        PlannedVisit.objects.create(plan=plan, customer=customer, day=day, sequence=n, reasons=[])


def test_each_stop_carries_its_last_visits_figures(cast, login):
    first, second = make_customer(cast["alice"]), make_customer(cast["alice"])
    plan_today(cast["alice"], [first, second])
    soft, hard = make_sku(code="6901028000011", name="中华(软)"), make_sku(code="6901028000012", name="中华(硬)")
    older = make_visit(first, timezone.now() - timedelta(days=14))
    older.observations.create(sku=soft, stock_cartons=9, retail_price=Decimal("700"))
    latest = make_visit(first, timezone.now() - timedelta(days=7))
    latest.observations.create(sku=soft, stock_cartons=5, retail_price=Decimal("650.50"))
    latest.observations.create(sku=hard, stock_cartons=None, retail_price=None)
    make_visit(first, timezone.now() - timedelta(days=1))  # a visit with no SKU figures does not hide them

    stops = login(cast["alice"]).get(f"{API}/today").json()["stops"]
    last = stops[0]["last_visit"]
    assert last["day"] == timezone.localdate(latest.checked_in_at).isoformat()
    assert last["observations"] == {soft.code: {"stock_cartons": 5, "retail_price": 650.5},
                                    hard.code: {"stock_cartons": None, "retail_price": None}}
    assert stops[1]["last_visit"] is None  # never visited


def test_the_page_carries_them_inline_and_nobody_else_sees_them(cast, login):
    store = make_customer(cast["alice"])
    plan_today(cast["alice"], [store])
    make_visit(store, timezone.now() - timedelta(days=7)).observations.create(sku=make_sku(), stock_cartons=3)
    page = login(cast["alice"]).get("/field/").content.decode()
    assert '"last_visit": {"day":' in page
    for who in ("bob", "sam"):
        assert login(cast[who]).get(f"{API}/today").json()["stops"] == []


def test_every_page_a_manager_opens_links_the_manifest(cast, login):
    store = make_customer(cast["alice"])
    assert 'rel="manifest"' in login(cast["alice"]).get(f"/customers/{store.customer_code}/").content.decode()
    assert 'rel="manifest"' not in login(cast["dora"]).get("/customers/").content.decode()
