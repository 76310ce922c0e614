"""Out-of-stock warnings (断货预警): the SKUs a store will likely run out of before its next delivery.

Exactly as metrics.md defines them, per customer-SKU:

    days_of_cover = S / (Q / 28)        S: the stock (条) at the latest observation (the latest visit that
                                        counted it, up to the day of the run); Q: the 条 ordered in the 4 weeks
                                        (28 days) before that observation's day, [day − 28, day);
                                        null when Q = 0 (not ordered in those weeks: no warning)
    oos_risk  ⇔  days_of_cover − days since the observation  <  days until the next order day + lead time

The next order day is the first day from the run's day on (that day included) that falls on the customer's
`order_day`; a customer without an order day is taken to order within a week (7 days). The lead time is the
company's `StockoutPolicy.delivery_lead_days` (default 1). The comparison is made with integers
(S·28 < (until + lead + since)·Q), so no rounding decides a warning. The store runs out about
`run_out_on` = observation day + ⌊days_of_cover⌋.

The latest observations and their 4-week order sums are one Ibis expression (`cover_inputs`) over the
analytics engine's canonical tables (`sources.current_tables()`: the copy refreshed first), so it runs on any
backend; `refresh_stockout_risks` materialises the risks into `StockoutRisk` (nightly, and after an order
import: `refresh_after_import`). They are read by:
- the visit checklist (`sales.checklist`): "断货预警: 中华(硬) 约 2 天后断货, 下次订货 周四";
- visit planning and Today (`sales.reasons`): a reason to visit by the run-out day;
- dashboards: `risks_for(user)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
from django.db import transaction
from django.utils import formats, timezone

from fieldcrm.customers.models import Customer, CustomerStatus
from fieldcrm.sales.analytics import sources
from fieldcrm.sales.models import StockoutPolicy, StockoutRisk

VELOCITY_DAYS = 28  # the 4 weeks of orders before an observation
WEEK = 7


def cover_inputs(tables: dict[str, ibis.Table], company_id: int, as_of: date) -> ibis.Table:
    """Per customer-SKU of the company's active customers: the latest stock observation up to `as_of`
    (customer_id, sku_id, observed_on, stock_cartons; the latest check-in of the day when a store was counted
    twice) and `ordered`, the 条 ordered in the 28 days before the observation's day (0 when none)."""
    customers, orders = tables["customers"], tables["orders"]
    observations, visits = tables["observations"], tables["visits"]
    active = customers.filter((customers.company_id == company_id) & (customers.status == CustomerStatus.ACTIVE))
    seen = observations.filter(observations.stock_cartons.notnull() & (observations.observed_on <= as_of))
    seen = seen.join(active.select("customer_id"), "customer_id")
    seen = seen.join(visits.select("visit_id", "checked_in_at"), "visit_id")
    seen = seen.mutate(nth=ibis.row_number().over(group_by=[seen.customer_id, seen.sku_id],
                                                  order_by=[ibis.desc(seen.observed_on),
                                                            ibis.desc(seen.checked_in_at),
                                                            ibis.desc(seen.visit_id)]))
    latest = seen.filter(seen.nth == 0).select("customer_id", "sku_id", "observed_on", "stock_cartons")
    lines = orders.select(o_customer=orders.customer_id, o_sku=orders.sku_id, o_date=orders.order_date,
                          o_quantity=orders.quantity)
    joined = latest.left_join(lines, [
        latest.customer_id == lines.o_customer, latest.sku_id == lines.o_sku,
        lines.o_date >= latest.observed_on - ibis.interval(days=VELOCITY_DAYS), lines.o_date < latest.observed_on,
    ])
    return joined.group_by(["customer_id", "sku_id", "observed_on", "stock_cartons"]).aggregate(
        ordered=joined.o_quantity.sum().fill_null(0))


def days_of_cover(stock: int, ordered: int) -> float | None:
    return None if not ordered else stock * VELOCITY_DAYS / ordered


def next_order_day(order_day: int | None, day: date) -> date | None:
    """The first day from `day` on (included) that is the customer's order day (1 = Monday … 7 = Sunday)."""
    if not order_day:
        return None
    return day + timedelta(days=(order_day - day.isoweekday()) % WEEK)


@dataclass(frozen=True)
class Assessment:
    days_of_cover: float
    run_out_on: date
    next_order_day: date | None
    at_risk: bool


def assess(stock: int, ordered: int, observed_on: date, order_day: int | None, day: date,
           lead_days: int) -> Assessment | None:
    """metrics.md's `oos_risk` for one customer-SKU on `day`; None when days_of_cover is undefined."""
    cover = days_of_cover(stock, ordered)
    if cover is None:
        return None
    since = (day - observed_on).days
    upcoming = next_order_day(order_day, day)
    until = (upcoming - day).days if upcoming else WEEK
    at_risk = stock * VELOCITY_DAYS < (until + lead_days + since) * ordered
    return Assessment(cover, observed_on + timedelta(days=stock * VELOCITY_DAYS // ordered), upcoming, at_risk)


def refresh_stockout_risks(company, as_of: date | None = None, tables=None) -> int:
    """Recompute the company's risks as of a day (default today) and replace the stored ones: how many."""
    as_of = as_of or timezone.localdate()
    lead = StockoutPolicy.for_company(company).delivery_lead_days
    tables = tables or sources.current_tables()
    order_days = dict(Customer.objects.filter(company=company).values_list("pk", "order_day"))
    risks = []
    for row in cover_inputs(tables, company.pk, as_of).to_pyarrow().to_pylist():
        found = assess(row["stock_cartons"], row["ordered"], row["observed_on"], order_days.get(row["customer_id"]),
                       as_of, lead)
        if found is not None and found.at_risk:
            risks.append(StockoutRisk(
                customer_id=row["customer_id"], sku_id=row["sku_id"], stock=row["stock_cartons"],
                ordered_4w=row["ordered"],
                days_of_cover=found.days_of_cover, observed_on=row["observed_on"], run_out_on=found.run_out_on,
                next_order_day=found.next_order_day, computed_on=as_of))
    with transaction.atomic():
        StockoutRisk.objects.filter(customer__company=company).delete()
        StockoutRisk.objects.bulk_create(risks, batch_size=2000)
    return len(risks)


def refresh_after_import(company) -> int:
    """What an order import calls once its lines are written: the risks with the new order velocities."""
    return refresh_stockout_risks(company)


# --- readers -----------------------------------------------------------------------------------------


def days_left(risk: StockoutRisk, day: date) -> int:
    return max(0, (risk.run_out_on - day).days)


def weekday_name(day: date | None) -> str:
    return formats.date_format(day, "l") if day else ""


def risks_of(customers) -> list[StockoutRisk]:
    return list(StockoutRisk.objects.filter(customer__in=customers).select_related("sku", "customer__manager")
                .order_by("run_out_on", "customer__customer_code", "sku__code"))


def risks_for(user, *, day: date | None = None) -> list[dict]:
    """The dashboards' list: the risks of every customer the user may see, soonest first."""
    day = day or timezone.localdate()
    visible = Customer.objects.visible_to(user).filter(status=CustomerStatus.ACTIVE)
    return [{
        "customer_code": risk.customer.customer_code, "customer": risk.customer.name,
        "manager": risk.customer.manager.username, "sku": risk.sku.code, "sku_name": risk.sku.name,
        "stock": risk.stock, "ordered_4w": risk.ordered_4w, "days_of_cover": risk.days_of_cover,
        "observed_on": risk.observed_on, "run_out_on": risk.run_out_on, "days_left": days_left(risk, day),
        "next_order_day": risk.next_order_day,
    } for risk in risks_of(visible)]
