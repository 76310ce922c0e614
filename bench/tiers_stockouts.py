"""The tier ranking and the out-of-stock inputs (Ibis on DuckDB) at a large company's size: 30,000 retailers,
1.2M order lines over 12 weeks, 300,000 stock observations.

Run: DATA_DIR=$(mktemp -d) .venv/bin/python -m bench.tiers_stockouts
"""

import datetime as dt
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
django.setup()

import ibis  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from fieldcrm.sales.stockouts import cover_inputs  # noqa: E402
from fieldcrm.sales.tiers import tier_figures  # noqa: E402

CUSTOMERS, LINES, OBSERVATIONS = 30_000, 1_200_000, 300_000
END = dt.date(2026, 3, 16)
START = END - dt.timedelta(weeks=12)


def days(start, offsets):
    return pa.array([start + dt.timedelta(days=int(d)) for d in offsets], pa.date32())


def tables():
    rng = np.random.default_rng(1)
    customers = pa.table({
        "customer_id": np.arange(CUSTOMERS), "company_id": np.ones(CUSTOMERS, dtype=np.int64),
        "manager_id": np.arange(CUSTOMERS) % 60, "tier": np.full(CUSTOMERS, 10), "status": ["active"] * CUSTOMERS})
    orders = pa.table({
        "customer_id": rng.integers(0, CUSTOMERS, LINES), "sku_id": rng.integers(0, 40, LINES),
        "order_date": days(START, rng.integers(0, 84, LINES)), "quantity": rng.integers(1, 20, LINES),
        "amount": rng.integers(100, 8000, LINES).astype(float)})
    observations = pa.table({
        "visit_id": np.arange(OBSERVATIONS), "customer_id": rng.integers(0, CUSTOMERS, OBSERVATIONS),
        "sku_id": rng.integers(0, 40, OBSERVATIONS),
        "observed_on": days(END - dt.timedelta(days=30), rng.integers(0, 30, OBSERVATIONS)),
        "stock_cartons": rng.integers(0, 40, OBSERVATIONS)})
    visits = pa.table({"visit_id": np.arange(OBSERVATIONS),
                       "checked_in_at": pa.array([dt.datetime(2026, 3, 1)] * OBSERVATIONS, pa.timestamp("us"))})
    return {"customers": ibis.memtable(customers), "orders": ibis.memtable(orders),
            "observations": ibis.memtable(observations), "visits": ibis.memtable(visits)}


def main():
    t = tables()
    for name, expr in [("tier_figures", tier_figures(t, 1, START, END)), ("cover_inputs", cover_inputs(t, 1, END))]:
        began = time.perf_counter()
        rows = expr.to_pyarrow()
        print(f"{name}: {rows.num_rows} rows in {time.perf_counter() - began:.2f} s "
              f"({CUSTOMERS} customers, {LINES} order lines, {OBSERVATIONS} observations)")


if __name__ == "__main__":
    main()
