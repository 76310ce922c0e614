"""The demo's two years of orders (issue 14 item 9): sized by tier and format, on each store's order day (shared
along a street), priced and costed as the SKU was on the day, agreeing with what the visits saw; the managers'
targets; and next week's plan one manager has submitted (issue 16 item 8)."""

import io
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone, translation

from fieldcrm.catalog.models import PriceChange, Sku
from fieldcrm.customers.models import BusinessFormat, Customer, CustomerStatus, MarketType
from fieldcrm.demo import ORDER_WEEKS, RECENT_DAYS, weekly_cartons
from fieldcrm.org.models import User
from fieldcrm.sales.models import OrderLine, SalesTarget
from fieldcrm.visits.actions import decide_plan
from fieldcrm.visits.models import Visit, WeekPlan
from tests.demo_data import wipe_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 2)  # a Wednesday; the two years hold the Spring Festivals of 2025-01-29 and 2026-02-17
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db, time_machine):
    time_machine.move_to(datetime.combine(TODAY, datetime.min.time(), SHANGHAI) + timedelta(hours=8), tick=True)
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--customers", "60", "--managers", "2", "--seed", "4", stdout=out)
    return out.getvalue()


def lines():
    return list(OrderLine.objects.select_related("customer", "sku").order_by("customer_id", "order_date", "sku_id"))


def weekly_mean(customer_lines) -> float:
    return sum(line.quantity for line in customer_lines) / ORDER_WEEKS


def test_two_years_of_weekly_orders_on_each_stores_order_day(demo):
    found = lines()
    assert len(found) > 60 * ORDER_WEEKS * 2
    assert len(found) == OrderLine.objects.count()
    days = {line.order_date for line in found}
    assert min(days) >= YESTERDAY - timedelta(weeks=ORDER_WEEKS) and min(days) <= YESTERDAY - timedelta(days=720)
    assert max(days) <= YESTERDAY and max(days) >= YESTERDAY - timedelta(days=6)
    by_order = defaultdict(set)
    per_store = defaultdict(set)
    for line in found:
        assert line.order_date.isoweekday() == line.customer.order_day
        assert line.order_date >= timezone.localdate(line.customer.created_at)  # a new store orders from its opening
        by_order[line.order_no].add((line.customer_id, line.order_date))
        per_store[line.customer_id].add(line.order_date)
    assert all(len(keys) == 1 for keys in by_order.values())  # one order number per store and day
    assert len(by_order) == sum(len(dates) for dates in per_store.values())
    window = YESTERDAY - timedelta(weeks=ORDER_WEEKS)
    old_stores = Customer.objects.filter(status=CustomerStatus.ACTIVE, created_at__date__lt=window)
    regular = [pk for pk in old_stores.values_list("pk", flat=True) if len(per_store[pk]) >= 0.9 * ORDER_WEEKS]
    assert len(regular) >= 0.9 * old_stores.count() > 20  # but the few lost
    added = Customer.objects.filter(created_at__date__gte=window + timedelta(weeks=4))
    assert added.exists() and all(len(per_store[pk]) < ORDER_WEEKS - 3 for pk in added.values_list("pk", flat=True))
    assert 3 <= len(found) / len(by_order) <= 9  # a handful of SKUs an order


def test_stores_that_closed_stopped_ordering(demo):
    last = dict(OrderLine.objects.values_list("customer_id").order_by("customer_id").annotate(last=Max("order_date")))
    for customer in Customer.objects.exclude(status=CustomerStatus.ACTIVE):
        assert last.get(customer.pk, date.min) < YESTERDAY - timedelta(days=7)
    ordering = Customer.objects.filter(pk__in=[pk for pk, day in last.items() if day >= YESTERDAY - timedelta(days=6)])
    assert ordering.filter(status=CustomerStatus.ACTIVE).count() >= 0.9 * Customer.objects.count()


def test_sizes_follow_tier_format_and_market(demo):
    assert weekly_cartons(3, BusinessFormat.GROCERY, MarketType.RURAL) < 3  # not 70 条 a week
    assert weekly_cartons(30, BusinessFormat.TOBACCO_LIQUOR, MarketType.URBAN) > 70
    assert (weekly_cartons(12, BusinessFormat.GROCERY, MarketType.RURAL)
            < weekly_cartons(12, BusinessFormat.GROCERY, MarketType.URBAN)
            < weekly_cartons(12, BusinessFormat.TOBACCO_LIQUOR, MarketType.URBAN))
    per_store = defaultdict(list)
    for line in lines():
        per_store[line.customer].append(line)
    small = [weekly_mean(found) for store, found in per_store.items()
             if store.tier <= 10 and store.market_type == MarketType.RURAL and store.status == CustomerStatus.ACTIVE]
    large = [weekly_mean(found) for store, found in per_store.items()
             if store.tier >= 16 and store.market_type == MarketType.URBAN and store.status == CustomerStatus.ACTIVE]
    assert small and large
    assert sum(small) / len(small) * 2.5 < sum(large) / len(large)
    assert max(small) < 20


def test_the_spring_festival_is_the_peak(demo):
    def cartons(first: date, days: int) -> int:
        return sum(OrderLine.objects.filter(order_date__gte=first, order_date__lt=first + timedelta(days=days))
                   .values_list("quantity", flat=True))

    festival = date(2026, 2, 17)
    assert cartons(festival - timedelta(days=21), 21) > 1.3 * cartons(date(2026, 5, 4), 21)
    assert cartons(festival, 14) < 0.8 * cartons(date(2026, 5, 4), 14)


def cost_on(history, day: date):
    found = [record for record in history if timezone.localdate(record.history_date) <= day]
    return (found[-1].purchase_cost, found[-1].wholesale_price) if found else None


def test_prices_and_costs_are_the_skus_on_the_order_day(demo):
    histories = defaultdict(list)
    for record in Sku.history.order_by("history_date", "history_id"):
        histories[record.id].append(record)
    for line in lines():
        assert line.amount == line.quantity * line.unit_price
        assert (line.unit_cost, line.unit_price) == (cost_on(histories[line.sku_id], line.order_date)
                                                     or (line.sku.purchase_cost, line.sku.wholesale_price))
    risen = Sku.objects.get(name="云烟(硬紫)")
    change = PriceChange.objects.get(sku=risen, effective_on__lt=TODAY)
    assert YESTERDAY - timedelta(weeks=70) < change.effective_on < YESTERDAY - timedelta(weeks=35)
    assert (change.old_wholesale_price, change.new_wholesale_price) == (Decimal("107.00"), risen.wholesale_price)
    before = OrderLine.objects.filter(sku=risen, order_date__lt=change.effective_on)
    after = OrderLine.objects.filter(sku=risen, order_date__gte=change.effective_on)
    assert set(before.values_list("unit_cost", "unit_price")) == {(Decimal("95.50"), Decimal("107.00"))}
    assert set(after.values_list("unit_cost", "unit_price")) == {(risen.purchase_cost, risen.wholesale_price)}


def test_real_manufacturers_slim_skus_and_valid_barcodes(demo):
    makers = dict(Sku.objects.values_list("name", "manufacturer"))
    assert makers["中华(硬)"] == "上海烟草集团" and makers["云烟(硬紫)"] == makers["红河(硬甲)"] == "红云红河烟草(集团)"
    assert makers["玉溪(软)"] == makers["红塔山(硬经典)"] == "红塔烟草(集团)" and makers["芙蓉王(硬)"] == "湖南中烟"
    assert makers["黄鹤楼(软蓝)"] == "湖北中烟" and makers["利群(硬新版)"] == "浙江中烟" and makers["苏烟(软金砂)"] == "江苏中烟"
    slim = [name for name in makers if "细支" in name]
    assert {"南京(细支炫赫门)", "利群(细支)", "中华(细支)"} <= set(slim)
    assert OrderLine.objects.filter(sku__name__contains="细支").exists()
    for code in Sku.objects.values_list("barcode", flat=True):
        digits = [int(d) for d in code]
        assert len(digits) == 13 and sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def street_of(address: str) -> str:
    return re.sub(r"\d+号$", "", address)


def test_order_days_are_shared_along_a_street(demo):
    days = defaultdict(set)
    for address, order_day in Customer.objects.values_list("address", "order_day"):
        days[street_of(address)].add(order_day)
    assert len(days) >= 5
    assert all(len(found) == 1 for found in days.values())
    assert len(set().union(*days.values())) >= 4  # the streets spread over the week


def test_what_visits_saw_agrees_with_the_orders(demo):
    orders = defaultdict(list)
    for line in OrderLine.objects.filter(order_date__gte=TODAY - timedelta(days=60)):
        orders[line.customer_id].append(line)
    visits = list(Visit.objects.prefetch_related("observations__sku"))
    assert len(visits) > 50
    observed = 0
    for visit in visits:
        day = timezone.localdate(visit.checked_in_at)
        recent = Counter()
        for line in orders[visit.customer_id]:
            if day - timedelta(days=RECENT_DAYS) <= line.order_date < day:
                recent[line.sku_id] += line.quantity
        weekly = {sku_id: total / (RECENT_DAYS / 7) for sku_id, total in recent.items()}
        assert abs(visit.monthly_sales_cartons - 4.3 * sum(weekly.values())) <= 1
        for seen in visit.observations.all():
            observed += 1
            assert seen.sku_id in weekly  # on the shelf: what the store ordered lately
            assert seen.stock_cartons <= 0.8 * weekly[seen.sku_id] + 0.5  # a fraction of a week's order
            assert abs(seen.sales_last_week_cartons - weekly[seen.sku_id]) <= 0.15 * weekly[seen.sku_id] + 0.5
        assert {seen.sku_id for seen in visit.observations.all()} == set(weekly)
    assert observed > 3 * len(visits)


def test_targets_for_every_month_near_the_volume(demo):
    for manager in User.objects.filter(role=User.Role.MANAGER):
        targets = list(SalesTarget.objects.filter(manager=manager).order_by("start"))
        assert [(t.start, t.end) for t in targets] == [
            (date(2026, m, 1), date(2026 + m // 12, m % 12 + 1, 1)) for m in range(1, 13)]
        for target in targets[:10]:  # January to October are over
            cartons = sum(OrderLine.objects.filter(customer__manager=manager, order_date__gte=target.start,
                                                   order_date__lt=target.end).values_list("quantity", flat=True))
            assert 0.75 < Decimal(cartons) / 250 / target.cases < 1.25, target


def test_one_plan_for_next_week_is_submitted_for_the_supervisor(demo):
    next_week = TODAY - timedelta(days=TODAY.weekday()) + timedelta(days=7)
    plans = WeekPlan.objects.filter(week_start=next_week)
    assert plans.count() == 2
    submitted = plans.get(status=WeekPlan.Status.SUBMITTED)
    supervisor = User.objects.get(username="supervisor1")
    assert submitted.manager.area_id == supervisor.area_id and submitted.visits.exists()
    assert plans.filter(status=WeekPlan.Status.DRAFT).count() == 1
    assert "supervisor1  Visit plans:" in demo and "submitted: review, then approve" in demo
    approved = decide_plan(submitted, by=supervisor, approve=True)
    assert approved.status == WeekPlan.Status.APPROVED
    assert "order lines over two years" in demo


def order_snapshot():
    return list(OrderLine.objects.order_by("order_no", "sku__code").values_list(
        "order_no", "sku__code", "customer__customer_code", "order_date", "quantity", "unit_price", "unit_cost"))


def test_orders_are_deterministic_per_seed(db, time_machine):
    time_machine.move_to(datetime.combine(TODAY, datetime.min.time(), SHANGHAI) + timedelta(hours=8), tick=True)
    call_command("seed_demo", "--customers", "12", "--managers", "1", "--seed", "9", stdout=io.StringIO())
    first = order_snapshot()
    targets = list(SalesTarget.objects.order_by("start").values_list("start", "cases"))
    assert first and targets
    wipe_demo()
    call_command("seed_demo", "--customers", "12", "--managers", "1", "--seed", "9", stdout=io.StringIO())
    assert order_snapshot() == first
    assert list(SalesTarget.objects.order_by("start").values_list("start", "cases")) == targets
    wipe_demo()
    call_command("seed_demo", "--customers", "12", "--managers", "1", "--seed", "10", stdout=io.StringIO())
    assert order_snapshot() != first


def test_a_news_batch_tells_the_same_news(demo):
    from fieldcrm.care.content import news_batch, news_for

    stores = list(Customer.objects.order_by("pk")[:10])
    fresh = [news_for(store, TODAY) for store in stores]
    with news_batch():
        batched = [news_for(store, TODAY) for store in stores]
    assert batched == fresh and any(news.price_changes for news in fresh)
