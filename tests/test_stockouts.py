"""Out-of-stock warnings: days_of_cover and oos_risk exactly as metrics.md says (hand-computed), the stored
risks, the checklist item on the next visit, the reason that brings an unplanned store onto the route, and
the dashboards' list with its scope."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from fieldcrm.sales import stockouts, tasks
from fieldcrm.sales.models import OrderLine, StockoutPolicy, StockoutRisk
from fieldcrm.visits import candidates, checklist
from fieldcrm.visits.models import PlanningPolicy, SkuObservation
from tests.factories import TODAY, WEEK, auth, make_sku, make_store, make_visit

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUN_DAY = date(2026, 3, 18)  # a Wednesday
SEEN = datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI)  # the observation, 2 days before
SEEN_ON = SEEN.date()
_orders = iter(range(1, 10_000))


def order(customer, sku, day, quantity):
    return OrderLine.objects.create(order_no=f"S{next(_orders):06d}", sku=sku, customer=customer, order_date=day,
                                    quantity=quantity, unit_price=Decimal("381.6"),
                                    amount=Decimal("381.6") * quantity, unit_cost=Decimal("340"))


def observe(customer, at, stocks: dict):
    visit = make_visit(customer, at)
    for sku, stock in stocks.items():
        SkuObservation.objects.create(visit=visit, sku=sku, stock_cartons=stock)
    return visit


def weekly(customer, sku, quantity=14, before=SEEN_ON):
    """14 条 a week over the 4 weeks before `before`: 56 条, 2 条 a day."""
    for week in range(1, 5):
        order(customer, sku, before - timedelta(days=7 * week), quantity)


@pytest.fixture
def skus(db):
    return {"zh": make_sku("6901028000001", "中华(硬)"), "yx": make_sku("6901028000002", "玉溪(软)", brand="玉溪"),
            "hr": make_sku("6901028000003", "红塔山(硬)", brand="红塔山")}


@pytest.fixture
def stores(cast, skus, time_machine):
    """Thursday is the order day of `thu` (tomorrow: 1 day until it); `wed` orders today (0 days).

    thu, 中华: stock 6 seen 2 days ago, 56 条 in the 4 weeks before → cover 6·28/56 = 3; 3 − 2 = 1 < 1 + 1
               (until Thursday + lead) → at risk, runs out 03-16 + 3 = 03-19, in 1 day.
               (An order on the observation day and one 29 days before are outside the 4 weeks.)
    thu, 玉溪: stock 20 → cover 10; 10 − 2 = 8 ≥ 2 → no risk.
    thu, 红塔山: stock 1, last ordered 5 weeks before → cover null → no risk.
    wed, 中华: stock 6, same orders → 1 < 0 + 1 is false → no risk (the order goes in today).
    new, 中华: ordered, never observed → no risk.  old, 中华: stock 1 seen earlier, 30 seen later → no risk.
    """
    time_machine.move_to(datetime(2026, 3, 18, 1, 30, tzinfo=SHANGHAI), tick=False)
    alice = cast["alice"]
    s = {"thu": make_store(alice, 1, "培育客户", order_day=4), "wed": make_store(alice, 2, "培育客户", order_day=3),
         "new": make_store(alice, 3, "培育客户", order_day=4), "old": make_store(alice, 4, "培育客户", order_day=4)}
    for name in s:
        weekly(s[name], skus["zh"])
    weekly(s["thu"], skus["yx"])
    order(s["thu"], skus["zh"], SEEN.date(), 100)
    order(s["thu"], skus["zh"], SEEN.date() - timedelta(days=29), 100)
    order(s["thu"], skus["hr"], SEEN.date() - timedelta(days=35), 10)
    observe(s["thu"], SEEN, {skus["zh"]: 6, skus["yx"]: 20, skus["hr"]: 1})
    observe(s["wed"], SEEN, {skus["zh"]: 6})
    observe(s["old"], SEEN - timedelta(days=1), {skus["zh"]: 1})
    observe(s["old"], SEEN, {skus["zh"]: 30})
    observe(s["thu"], SEEN - timedelta(hours=1), {skus["zh"]: 0})  # earlier the same day: not the latest
    return s


def test_cover_inputs_and_the_definition_by_hand(stores, skus, cast):
    from fieldcrm.sales.analytics import sources

    rows = {(r["customer_id"], r["sku_id"]): r for r in
            stockouts.cover_inputs(sources.current_tables("duckdb"), cast["company"].pk, RUN_DAY)
            .to_pyarrow().to_pylist()}
    thu = stores["thu"].pk
    assert (rows[thu, skus["zh"].pk]["stock_cartons"], rows[thu, skus["zh"].pk]["ordered"]) == (6, 56)
    assert rows[thu, skus["zh"].pk]["observed_on"] == SEEN.date()
    assert rows[thu, skus["hr"].pk]["ordered"] == 0
    assert rows[stores["old"].pk, skus["zh"].pk]["stock_cartons"] == 30
    assert (stores["new"].pk, skus["zh"].pk) not in rows
    found = stockouts.assess(6, 56, SEEN.date(), 4, RUN_DAY, lead_days=1)
    assert found.days_of_cover == 3 and found.at_risk
    assert (found.run_out_on, found.next_order_day) == (date(2026, 3, 19), date(2026, 3, 19))
    assert stockouts.assess(1, 0, SEEN.date(), 4, RUN_DAY, lead_days=1) is None
    assert not stockouts.assess(6, 56, SEEN.date(), 3, RUN_DAY, lead_days=1).at_risk
    assert stockouts.assess(6, 56, SEEN.date(), 3, RUN_DAY, lead_days=2).at_risk
    # no order day: a week until the next order
    assert stockouts.assess(19, 56, SEEN.date(), None, RUN_DAY, lead_days=1).at_risk  # 9.5 − 2 < 7 + 1
    assert not stockouts.assess(20, 56, SEEN.date(), None, RUN_DAY, lead_days=1).at_risk  # 10 − 2 = 8


def test_the_refresh_stores_only_the_risks(stores, skus, cast):
    assert stockouts.refresh_stockout_risks(cast["company"]) == 1
    risk = StockoutRisk.objects.get()
    assert (risk.customer, risk.sku, risk.stock, risk.ordered_4w, risk.days_of_cover) == (
        stores["thu"], skus["zh"], 6, 56, 3.0)
    assert (risk.observed_on, risk.run_out_on, risk.next_order_day, risk.computed_on) == (
        date(2026, 3, 16), date(2026, 3, 19), date(2026, 3, 19), RUN_DAY)


def test_the_lead_time_is_the_companys(stores, cast):
    StockoutPolicy.objects.create(company=cast["company"], delivery_lead_days=2)
    assert tasks.refresh_stockout_risks() == 2  # `wed` now too: 1 < 0 + 2
    assert set(StockoutRisk.objects.values_list("customer__order_day", flat=True)) == {3, 4}


def test_the_checklist_of_the_next_visit_warns(stores, skus, cast, client):
    stockouts.refresh_stockout_risks(cast["company"])
    with translation.override("zh-hans"):
        items = [i for i in checklist.items_for(stores["thu"], RUN_DAY, cast["alice"]) if i.kind == "stockout"]
    assert [i.code for i in items] == ["stockout:6901028000001"]
    assert items[0].text == "断货预警: 中华(硬) 约 1 天后断货, 下次订货 周四"
    assert items[0].data["run_out_on"] == "2026-03-19" and items[0].data["days_of_cover"] == 3.0
    response = client.get(f"/api/v1/customers/{stores['thu'].customer_code}/checklist", **auth(cast["alice"]))
    assert response.status_code == 200
    warned = [i for i in response.json()["items"] if i["kind"] == "stockout"]
    assert warned[0]["text"].startswith("Out-of-stock warning: 中华(硬) runs out in about 1 days")
    assert not [i for i in checklist.items_for(stores["wed"], RUN_DAY, cast["alice"]) if i.kind == "stockout"]


def test_the_dashboards_list_is_scoped(stores, cast):
    stockouts.refresh_stockout_risks(cast["company"])
    rows = stockouts.risks_for(cast["alice"], day=RUN_DAY)
    assert [(r["customer_code"], r["sku"], r["days_left"]) for r in rows] == [
        (stores["thu"].customer_code, "6901028000001", 1)]
    assert len(stockouts.risks_for(cast["sam"])) == 1
    assert stockouts.risks_for(cast["bob"]) == [] and stockouts.risks_for(cast["charlie"]) == []


# --- a store not planned before it runs out comes onto the route ---------------------------------------


@pytest.fixture
def running_out(cast, skus, time_machine):
    """Friday before WEEK: seen Thursday with 4 条 of 中华 at 2 条 a day → cover 2, runs out Saturday 11-28;
    order day Tuesday (4 days), so 2 − 1 < 4 + 1: at risk. A monthly store visited yesterday: not due."""
    time_machine.move_to(TODAY, tick=True)  # the planner's clock must run
    alice = cast["alice"]
    alice.start_latitude, alice.start_longitude = 34.7216, 116.9372
    alice.save()
    store = make_store(alice, 5, "培育客户", order_day=2)
    seen = TODAY - timedelta(days=1)
    weekly(store, skus["zh"], before=seen.date())
    observe(store, seen, {skus["zh"]: 4})
    return store


def test_the_risk_is_a_reason_to_visit_by_the_run_out_day(running_out, cast):
    policy = PlanningPolicy.for_company(cast["company"])
    assert not [c for c in candidates.week_candidates(cast["alice"], WEEK, policy) if c.customer == running_out]
    stockouts.refresh_stockout_risks(cast["company"])
    assert StockoutRisk.objects.get().run_out_on == date(2026, 11, 28)
    found = [c for c in candidates.week_candidates(cast["alice"], WEEK, policy) if c.customer == running_out]
    assert [r["code"] for r in found[0].reasons] == ["stockout"]
    assert found[0].last_day == 0  # already past: as early in the week as possible


def test_today_shows_the_reason_for_the_store(running_out, cast):
    from fieldcrm.field.today import route
    from fieldcrm.visits.actions import generate_week_plan

    stockouts.refresh_stockout_risks(cast["company"])
    plan = generate_week_plan(cast["alice"], WEEK)
    visit = plan.visits.get(customer=running_out)
    assert visit.day == WEEK
    with translation.override("zh-hans"):
        stops = route(cast["alice"], WEEK)["stops"]
    assert stops[0]["customer_code"] == running_out.customer_code
    assert stops[0]["reasons"] == ["断货预警: 中华(硬) 可能在 11-28 前断货"]
    with translation.override("en"):
        assert route(cast["alice"], WEEK)["stops"][0]["reasons"] == [
            "Out-of-stock warning: 中华(硬) may run out by 11-28"]


def test_the_command_and_the_admin(stores, cast, login):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_stockout_risks", "--as-of", "2026-03-18", stdout=out)
    assert "1 SKU(s) at risk" in out.getvalue()
    cast["ada"].is_staff = cast["ada"].is_superuser = True
    cast["ada"].save()
    admin = login(cast["ada"])
    for url in ("/admin/sales/stockoutrisk/", "/admin/sales/stockoutpolicy/add/", "/admin/sales/tierrule/add/",
                "/admin/sales/tierreview/"):
        assert admin.get(url).status_code == 200, url


def test_the_same_expressions_on_the_engines_postgres_tables(stores, cast):
    """The analytics engine's PostgreSQL tables (the live Django tables) give the same rows as its DuckDB copy."""
    from django.db import connection

    from fieldcrm.sales import tiers
    from fieldcrm.sales.analytics import sources

    if connection.vendor != "postgresql":
        pytest.skip("the engine's postgres backend reads PostgreSQL")
    engine, local = sources.tables("postgres"), sources.current_tables("duckdb")

    def rows(expr):
        return sorted(tuple(sorted(r.items())) for r in expr.to_pyarrow().to_pylist())

    company = cast["company"].pk
    assert rows(stockouts.cover_inputs(engine, company, RUN_DAY)) == rows(
        stockouts.cover_inputs(local, company, RUN_DAY))
    start, end = RUN_DAY - timedelta(weeks=12), RUN_DAY
    assert rows(tiers.tier_figures(engine, company, start, end)) == rows(tiers.tier_figures(local, company, start, end))
    assert stockouts.refresh_stockout_risks(cast["company"], tables=engine) == 1
