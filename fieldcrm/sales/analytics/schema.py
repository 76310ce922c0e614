"""The canonical tables every backend presents: the same names, columns and types whatever the source.

Facts (partitioned by month in the Parquet copy): `orders`, `observations`, `visits`, `opinions`.
Dimensions (small, rewritten whole): `customers`, `skus`, `classification_changes`, `change_requests`.
Days are local (Asia/Shanghai) calendar days; money is float64 元; quantities are 条."""

from __future__ import annotations

import pyarrow as pa

FACTS: dict[str, pa.Schema] = {
    "orders": pa.schema([
        ("order_no", pa.string()), ("customer_id", pa.int64()), ("sku_id", pa.int64()),
        ("order_date", pa.date32()), ("quantity", pa.int64()),
        ("amount", pa.float64()),  # the line amount actually charged
        ("cost", pa.float64()),  # quantity × the SKU's cost per 条 on the order date (fixed at import)
    ]),
    "observations": pa.schema([
        ("visit_id", pa.int64()), ("customer_id", pa.int64()), ("sku_id", pa.int64()),
        ("observed_on", pa.date32()), ("stock_cartons", pa.int64()), ("retail_price", pa.float64()),
    ]),
    "visits": pa.schema([
        ("visit_id", pa.int64()), ("customer_id", pa.int64()), ("visited_on", pa.date32()),
        ("checked_in_at", pa.timestamp("us")),  # UTC
        ("profit_situation", pa.string()), ("monthly_sales_cartons", pa.int64()),
    ]),
    "opinions": pa.schema([
        ("opinion_id", pa.int64()), ("visit_id", pa.int64()), ("customer_id", pa.int64()),
        ("visited_on", pa.date32()), ("topic", pa.string()),
    ]),
}

# The day column each fact is partitioned (by month) and filtered on.
FACT_DAY = {"orders": "order_date", "observations": "observed_on", "visits": "visited_on",
            "opinions": "visited_on"}

DIMENSIONS: dict[str, pa.Schema] = {
    "customers": pa.schema([
        ("customer_id", pa.int64()), ("customer_code", pa.string()), ("company_id", pa.int64()),
        ("company", pa.string()), ("manager_id", pa.int64()), ("manager", pa.string()),
        ("area", pa.string()), ("territory", pa.string()), ("tier", pa.int64()),
        ("customer_class", pa.string()), ("business_format", pa.string()), ("market_type", pa.string()),
        ("status", pa.string()),
        # The licence's first day (the profile's creation) and the day it was closed or revoked (null: live).
        ("licence_start", pa.date32()), ("licence_end", pa.date32()),
    ]),
    "skus": pa.schema([
        ("sku_id", pa.int64()), ("sku_code", pa.string()), ("brand", pa.string()),
        ("price_class", pa.string()),  # 一类 … 五类
        ("suggested_price", pa.float64()), ("wholesale_price", pa.float64()),
    ]),
    "classification_changes": pa.schema([
        ("change_id", pa.int64()), ("customer_id", pa.int64()), ("field", pa.string()),
        ("old_value", pa.string()), ("new_value", pa.string()),
        ("changed_at", pa.timestamp("us")),  # UTC
        ("changed_on", pa.date32()),
    ]),
    "change_requests": pa.schema([
        ("request_id", pa.int64()), ("customer_id", pa.int64()), ("field", pa.string()),
        ("decided_on", pa.date32()),  # approved requests only
    ]),
}

TABLES = {**FACTS, **DIMENSIONS}

PRICE_CLASS_LABELS = {"1": "一类", "2": "二类", "3": "三类", "4": "四类", "5": "五类"}
# A licence closed (歇业) or revoked (注销) ends; a suspended one (暂停) still stands.
ENDED_STATUSES = ("closed", "revoked")
