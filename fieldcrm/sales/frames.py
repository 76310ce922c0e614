"""The canonical tables the tier rule and the out-of-stock warnings read, as Ibis tables.

The analyses (`sales.tiers.tier_figures`, `sales.stockouts.cover_inputs`) are Ibis expressions over these
names and columns only, so the same expression runs on any Ibis backend:

- `customers`: customer_id, company_id, manager_id, tier, status
- `orders`: customer_id, sku_id, order_date (date), quantity (条, int), amount (元, float)
- `observations`: visit_id, customer_id, sku_id, observed_on (the company's local date), stock_cartons (条,
  null when not counted); `visits`: visit_id, customer_id, visited_on, checked_in_at (UTC, naive)

(the same names, columns and types as the analytics engine's canonical tables, `sales/analytics/schema.py`)

`tables(company, ...)` builds them from the Django tables as in-memory tables (executed by DuckDB, Ibis's
default backend), reading only what the analyses need: one company, orders since a day. When the analytics
engine's `sales.analytics.sources.tables(backend)` serves the same columns, the jobs pass those instead and
the expressions run unchanged on DuckDB over Parquet, PostgreSQL or Spark.
"""

from __future__ import annotations

from datetime import UTC, date

import ibis  # no stubs; the analytics helper may add an override
import pyarrow as pa
from django.db.models import Min
from django.utils import timezone

from fieldcrm.customers.models import Customer
from fieldcrm.sales.models import OrderLine
from fieldcrm.visits.models import SkuObservation, Visit

# The columns of the analytics engine's canonical tables (sales/analytics/schema.py) these analyses read.
CUSTOMERS = pa.schema([("customer_id", pa.int64()), ("company_id", pa.int64()), ("manager_id", pa.int64()),
                       ("tier", pa.int64()), ("status", pa.string())])
ORDERS = pa.schema([("customer_id", pa.int64()), ("sku_id", pa.int64()), ("order_date", pa.date32()),
                    ("quantity", pa.int64()), ("amount", pa.float64())])
OBSERVATIONS = pa.schema([("visit_id", pa.int64()), ("customer_id", pa.int64()), ("sku_id", pa.int64()),
                          ("observed_on", pa.date32()), ("stock_cartons", pa.int64())])
VISITS = pa.schema([("visit_id", pa.int64()), ("customer_id", pa.int64()), ("visited_on", pa.date32()),
                    ("checked_in_at", pa.timestamp("us"))])


def _table(schema: pa.Schema, rows: list[dict]) -> ibis.Table:
    return ibis.memtable(pa.Table.from_pylist(rows, schema=schema))


def tables(company, *, orders_since: date | None = None, observations: bool = False) -> dict[str, ibis.Table]:
    """The company's customers, its order lines (from `orders_since` when given: earlier ones as one empty
    line per customer) and, when asked, its stock observations."""
    customers = Customer.objects.filter(company=company)
    found = {
        "customers": _table(CUSTOMERS, [
            {"customer_id": row["pk"], "company_id": row["company_id"], "status": row["status"],
             "tier": row["tier"], "manager_id": row["manager_id"]}
            for row in customers.values("pk", "company_id", "status", "tier", "manager_id")]),
    }
    lines = OrderLine.objects.filter(customer__company=company)
    if orders_since is not None:
        lines = lines.filter(order_date__gte=orders_since)
    rows = [{**row, "amount": float(row["amount"])}
            for row in lines.values("customer_id", "sku_id", "order_date", "quantity", "amount").iterator()]
    if orders_since is not None:
        # Earlier orders count only as "has ordered before" (a retailer is no longer new): one empty line per
        # customer on its first order day stands for them, instead of years of lines.
        earlier = (OrderLine.objects.filter(customer__company=company, order_date__lt=orders_since)
                   .values("customer_id").annotate(first=Min("order_date"), sku=Min("sku_id")))
        rows += [{"customer_id": row["customer_id"], "sku_id": row["sku"], "order_date": row["first"],
                  "quantity": 0, "amount": 0.0} for row in earlier]
    found["orders"] = _table(ORDERS, rows)
    if observations:
        seen = (SkuObservation.objects.filter(visit__customer__company=company)
                .values("visit_id", "visit__customer_id", "sku_id", "visit__checked_in_at", "stock_cartons"))
        found["observations"] = _table(OBSERVATIONS, [
            {"visit_id": row["visit_id"], "customer_id": row["visit__customer_id"], "sku_id": row["sku_id"],
             "observed_on": timezone.localdate(row["visit__checked_in_at"]), "stock_cartons": row["stock_cartons"]}
            for row in seen.iterator()])
        visits = Visit.objects.filter(customer__company=company).values("pk", "customer_id", "checked_in_at")
        found["visits"] = _table(VISITS, [
            {"visit_id": row["pk"], "customer_id": row["customer_id"],
             "visited_on": timezone.localdate(row["checked_in_at"]),
             "checked_in_at": row["checked_in_at"].astimezone(UTC).replace(tzinfo=None)}
            for row in visits.iterator()])
    return found
