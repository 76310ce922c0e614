"""The dashboards' one door to the analytics engine: `figures(kind, user, start, end, group_by, filters)` returns
the engine's rows (`[{"key": …, <metric>: …}]`, the shape of GET /api/v1/analytics/{kind}) for what `user` may
see, and `scorecard_rows(user, start, end)` the scorecard's rows per manager.

INTERIM: the analytics engine (fieldcrm/sales/analytics, branch `analytics`) had not landed when the
dashboards were built. Until it does, `_interim_sales` answers the sales analysis (and the scorecard's
`sales_vs_target`) straight from the order lines, by metrics.md's definitions; the other analyses answer no
rows. When the engine lands, `figures` and `scorecard_rows` call it and `_interim_*` goes: nothing else in
the dashboards or the letter changes (they only read rows).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import F, Sum

from fieldcrm.customers.models import Customer
from fieldcrm.sales.models import OrderLine, SalesTarget

CARTONS_PER_CASE = 250
# The row key of each group, as the API names it.
KEY_PATHS = {
    "company": None, "area": "customer__manager__area__name", "territory": "customer__territory__name",
    "manager": "customer__manager__username", "customer": "customer__customer_code", "brand": "sku__brand__name",
    "sku": "sku__code", "price_class": "sku__price_class",
}


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def months_back(end: date, count: int) -> list[tuple[date, date]]:
    """The `count` whole months ending with the one holding the day before `end`, oldest first."""
    last = month_start(date.fromordinal(end.toordinal() - 1))
    return [(month_start(last, back), month_start(last, back - 1)) for back in range(count - 1, -1, -1)]


def figures(kind: str, user, start: date, end: date, group_by: str, filters: dict | None = None) -> list[dict]:
    if kind == "sales":
        return _interim_sales(user, start, end, group_by, filters or {})
    return []


def scorecard_rows(user, start: date, end: date) -> list[dict]:
    rows = _interim_sales(user, start, end, "manager", {})
    targets: dict[str, Decimal] = defaultdict(Decimal)
    for login, cases in SalesTarget.objects.filter(start__lt=end, end__gt=start, manager__company_id=user.company_id
                                                   ).values_list("manager__username", "cases"):
        targets[login] += cases
    return [{"key": r["key"], "volume_cases": r["volume_cases"],
             "sales_vs_target": r["volume_cases"] / float(targets[r["key"]]) if targets.get(r["key"]) else None}
            for r in rows]


# --- interim: the sales analysis from the order lines (goes when the engine lands) -----------------------------


def _lines(user, start: date, end: date, filters: dict):
    lines = OrderLine.objects.filter(customer__in=Customer.objects.visible_to(user).values("pk"),
                                     order_date__gte=start, order_date__lt=end)
    for name, value in filters.items():
        path = KEY_PATHS.get(name)
        if path:
            lines = lines.filter(**{path: value})
    return lines


def _totals(user, start, end, group_by, filters) -> dict:
    path = KEY_PATHS[group_by]
    lines = _lines(user, start, end, filters)
    values = lines.values(path) if path else lines.values()
    grouped = values.annotate(cartons=Sum("quantity"), revenue=Sum("amount"),
                              cost=Sum(F("quantity") * F("unit_cost")))
    if path is None:
        grouped = [lines.aggregate(cartons=Sum("quantity"), revenue=Sum("amount"),
                                   cost=Sum(F("quantity") * F("unit_cost")))]
    return {(row[path] if path else "company"): row for row in grouped if row["cartons"]}


def _change(now, then):
    return None if now is None or not then else (now - then) / then


def _interim_sales(user, start: date, end: date, group_by: str, filters: dict) -> list[dict]:
    length = end - start
    this = _totals(user, start, end, group_by, filters)
    before = _totals(user, start - length, start, group_by, filters)
    last_year = _totals(user, date(start.year - 1, start.month, min(start.day, 28)),
                        date(end.year - 1, end.month, min(end.day, 28)), group_by, filters)
    rows = []
    for key in sorted(this, key=lambda k: -this[k]["cartons"]):
        cartons, revenue = this[key]["cartons"], float(this[key]["revenue"])
        profit = revenue - float(this[key]["cost"])
        volume = float(cartons)
        prev = before.get(key, {}).get("cartons")
        ago = last_year.get(key, {}).get("cartons")
        rows.append({"key": key, "volume_cartons": volume, "volume_cases": volume / CARTONS_PER_CASE,
                     "revenue": revenue, "gross_profit": profit, "gross_margin": profit / revenue if revenue else None,
                     "revenue_per_case": revenue / (volume / CARTONS_PER_CASE), "avg_carton_price": revenue / volume,
                     "yoy": _change(volume, ago and float(ago)), "mom": _change(volume, prev and float(prev))})
    return rows
