"""The hand-built dataset of the analytics tests (tests/test_analytics_*.py); every expected figure in them is
worked out from the rows below.

Period under test: March 2026 = [2026-03-01, 2026-04-01), 31 days. Previous period: [2026-01-29, 2026-03-01).
Same period last year: [2025-03-01, 2025-04-01). Four periods before: [2025-10-28, 2026-03-01).

Managers (make_cast): alice (town area, 汉城片区) has A1, A2, A3 (new on 2026-03-10); charlie (rural area,
龙固片区) has C1, C2 (closed on 2026-03-20), C3; bob (town, no territory) has B1 and orders nothing.
SKUs: S1 中华(硬) 一类 suggested 450; S2 中华(软) 一类 suggested 700; S3 红塔山(硬经典) 二类 suggested 85;
S4 红塔山(软) 二类 suggested 100; S5 红塔山(新) 三类, never ordered."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fieldcrm.customers.models import ChangeRequest, ClassificationChange
from fieldcrm.org.models import Department, Territory
from fieldcrm.sales.models import OrderLine
from fieldcrm.visits.models import SkuObservation, VisitOpinion
from tests.factories import make_cast, make_customer, make_sku, make_visit

TZ = ZoneInfo("Asia/Shanghai")
MARCH = (date(2026, 3, 1), date(2026, 4, 1))
LONG_AGO = datetime(2024, 1, 1, 9, 0, tzinfo=TZ)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


# (customer, sku, order date, quantity 条, unit price, unit cost)
ORDERS = [
    ("A1", "S1", "2026-03-02", 10, "381.6", "340"),
    ("A1", "S3", "2026-03-09", 20, "75", "60"),
    ("A2", "S1", "2026-03-05", 5, "381.6", "340"),
    ("C1", "S3", "2026-03-12", 40, "75", "60"),
    ("C1", "S4", "2026-03-20", 10, "90", "75"),
    # previous period
    ("A1", "S1", "2026-02-10", 8, "381.6", "340"),
    ("C1", "S3", "2026-02-15", 30, "75", "60"),
    ("C2", "S3", "2026-02-20", 10, "75", "60"),
    # same period last year
    ("A1", "S1", "2025-03-03", 6, "381.6", "340"),
    ("C1", "S3", "2025-03-10", 20, "75", "60"),
    # earlier (within four periods before March)
    ("A2", "S1", "2025-12-01", 4, "381.6", "340"),
]

# (visit, customer, day, profit situation, monthly sales, [(sku, stock, price)], [opinion topics])
VISITS = [
    ("V1", "A1", "2026-03-16", "profit", 300, [("S1", 5, "460"), ("S3", 0, "90")], ["product"]),
    ("V2", "A2", "2026-03-18", "loss", None, [("S1", 0, "500"), ("S2", 3, None)], ["price"]),
    ("V3", "C1", "2026-03-25", "profit", 500, [("S3", 12, "85"), ("S4", None, "95")], ["product"]),
    ("V4", "C1", "2026-02-20", "", None, [("S3", 4, "80")], ["product"]),
    ("V5", "A1", "2026-03-28", "break_even", 320, [], []),
]


def build(time_machine) -> dict:
    """Write the dataset; returns the cast with customers and SKUs by their short names."""
    time_machine.move_to(LONG_AGO)
    cast = make_cast()
    town, rural = Territory.objects.get(name="汉城片区"), Territory.objects.get(name="龙固片区")
    alice, bob, charlie = cast["alice"], cast["bob"], cast["charlie"]
    created = {"created_at": LONG_AGO}
    customers = {
        "A1": make_customer(alice, territory=town, tier=12, **created),
        "A2": make_customer(alice, territory=town, tier=10, **created),
        "A3": make_customer(alice, territory=town, tier=5, created_at=at("2026-03-10")),
        "C1": make_customer(charlie, territory=rural, tier=20, **created),
        "C2": make_customer(charlie, territory=rural, tier=8, **created),
        "C3": make_customer(charlie, territory=rural, tier=9, **created),
        "B1": make_customer(bob, tier=3, **created),
    }
    time_machine.move_to(at("2026-03-20", 15))
    c2 = customers["C2"]
    c2.status = "closed"
    c2.save()
    skus = {
        "S1": make_sku("S1", "中华(硬)", brand="中华", purchase_cost=Decimal("340"), retail_price=Decimal("450"),
                       price_class="1"),
        "S2": make_sku("S2", "中华(软)", brand="中华", purchase_cost=Decimal("600"), retail_price=Decimal("700"),
                       price_class="1"),
        "S3": make_sku("S3", "红塔山(硬经典)", brand="红塔山", purchase_cost=Decimal("60"),
                       retail_price=Decimal("85"), wholesale_price=Decimal("75"), price_class="2"),
        "S4": make_sku("S4", "红塔山(软)", brand="红塔山", purchase_cost=Decimal("75"), retail_price=Decimal("100"),
                       wholesale_price=Decimal("90"), price_class="2"),
        "S5": make_sku("S5", "红塔山(新)", brand="红塔山", purchase_cost=Decimal("40"), retail_price=Decimal("50"),
                       wholesale_price=Decimal("45"), price_class="3"),
    }
    for n, (customer, sku, day, quantity, price, cost) in enumerate(ORDERS):
        OrderLine.objects.create(
            order_no=f"O{n:03d}", customer=customers[customer], sku=skus[sku], order_date=date.fromisoformat(day),
            quantity=quantity, unit_price=Decimal(price), amount=quantity * Decimal(price), unit_cost=Decimal(cost))
    visits = {}
    for name, customer, day, profit, monthly, observed, topics in VISITS:
        visit = make_visit(customers[customer], at(day), profit_situation=profit, monthly_sales_cartons=monthly)
        visits[name] = visit
        for sku, stock, price in observed:
            SkuObservation.objects.create(visit=visit, sku=skus[sku], stock_cartons=stock,
                                          retail_price=None if price is None else Decimal(price))
        for topic in topics:
            VisitOpinion.objects.create(visit=visit, topic=topic, text="……")
    for customer, field, old, new, day in [
        ("A1", "tier", "12", "14", "2026-03-05"), ("A1", "tier", "14", "15", "2026-03-20"),
        ("A2", "tier", "10", "8", "2026-03-10"), ("A2", "tier", "8", "10", "2026-03-15"),
        ("C1", "tier", "20", "18", "2026-03-03"), ("C1", "tier", "18", "19", "2026-02-10"),
        ("C3", "customer_class", "A类", "B类", "2026-03-08"),
    ]:
        ClassificationChange.objects.create(customer=customers[customer], field=field, old_value=old,
                                            new_value=new, changed_at=at(day), source="edit")
    department = Department.objects.filter(company=cast["company"]).first()
    for customer, field, status, day in [
        ("A1", "phone", "approved", "2026-03-12"), ("A1", "address", "approved", "2026-03-13"),
        ("C1", "phone", "approved", "2026-03-14"), ("C1", "address", "pending", None),
        ("C3", "phone", "approved", "2026-02-14"),
    ]:
        ChangeRequest.objects.create(customer=customers[customer], field=field, new_value="x", status=status,
                                     department=department, proposed_by=customers[customer].manager,
                                     decided_at=None if day is None else at(day))
    time_machine.move_to(at("2026-04-02", 9))
    return {**cast, "customers": customers, "skus": skus, "visits": visits}
