"""The canonical tables (`schema.py`) from each backend, as Ibis tables. This mapping is the only code that
knows which engine runs the analyses; everything in `analyses.py` is written once against these tables.

- `duckdb` (embedded default): an in-memory DuckDB reading the Parquet copy (`store.py`).
- `postgres`: the live Django tables on the default database connection (no copy needed; same transaction as
  the request), each canonical table one SELECT mapping the columns.
- `spark`: Spark SQL reading the same Parquet copy; `ANALYTICS_SPARK_MASTER` says where Spark runs
  (`local[2]` by default; a cluster URL when ANALYTICS_DIR is on storage every executor reads)."""

from __future__ import annotations

import os
import threading
from typing import Any

import ibis
import pyarrow as pa
from django.conf import settings

from fieldcrm.sales.analytics import store
from fieldcrm.sales.analytics.schema import DIMENSIONS, ENDED_STATUSES, FACTS, PRICE_CLASS_LABELS, TABLES

Tables = dict[str, ibis.Table]
BACKENDS = ("duckdb", "postgres", "spark")


def tables(backend: str | None = None) -> Tables:
    """The canonical tables on `backend` (default: settings.ANALYTICS_BACKEND)."""
    backend = backend or settings.ANALYTICS_BACKEND
    if backend == "duckdb":
        return _duckdb_tables()
    if backend == "postgres":
        return _postgres_tables()
    if backend == "spark":
        return _spark_tables()
    raise ValueError(f"unknown analytics backend {backend!r}")


def current_tables(backend: str | None = None) -> Tables:
    """The tables with every committed row in them: for jobs that act on the figures (tiers, out-of-stock
    risks), the copy is brought up to date first when the backend reads it (PostgreSQL reads the live rows)."""
    backend = backend or settings.ANALYTICS_BACKEND
    if backend != "postgres":
        store.refresh()
    return tables(backend)


def _copy_files(name: str) -> list[str]:
    if name in FACTS:
        folder = store.analytics_dir() / "facts" / name
        return [str(folder / month / "part.parquet") for month in store.fact_months(name)]
    path = store.dimension_path(name)
    return [str(path)] if path.exists() else []


# --- DuckDB over the copy -------------------------------------------------------------------------------------


# One DuckDB connection and its tables per thread (a DuckDB connection serves one query at a time), kept while
# the copy's files stay the same: opening the copy re-read every Parquet footer (some 100 files) per request.
_duckdb_cache = threading.local()


def _copy_stamp() -> tuple:
    """What the copy is now: every file's path, size and modification time (a refresh replaces files)."""
    stamp: list = [str(store.analytics_dir())]
    for name in TABLES:
        for path in _copy_files(name):
            try:
                stat = os.stat(path)
            except FileNotFoundError:  # a full refresh dropped it meanwhile: the next call sees the new copy
                stamp.append((path, None))
                continue
            stamp.append((path, stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(stamp)


def _duckdb_tables() -> Tables:
    stamp = _copy_stamp()
    cached = getattr(_duckdb_cache, "tables", None)
    if cached is None or cached[0] != stamp:
        cached = (stamp, _open_duckdb())
        _duckdb_cache.tables = cached
    return dict(cached[1])


def _open_duckdb() -> Tables:
    con = ibis.duckdb.connect()
    # Footers of unchanged files are read once (DuckDB checks each file's modification time).
    con.raw_sql("SET parquet_metadata_cache = true")
    result = {}
    for name, schema in TABLES.items():
        files = _copy_files(name)
        if files:
            result[name] = con.read_parquet(files, table_name=name)
        else:  # nothing copied yet: the table exists, empty
            result[name] = con.create_table(name, schema=ibis.Schema.from_pyarrow(schema), temp=True)
    return result


# --- Spark over the copy --------------------------------------------------------------------------------------

_SPARK_TYPES = {pa.string(): "string", pa.int64(): "bigint", pa.float64(): "double", pa.date32(): "date",
                pa.timestamp("us"): "timestamp_ntz", pa.bool_(): "boolean"}


def spark_session() -> Any:
    """The process's Spark session (created on first use; Spark keeps one per process)."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(settings.ANALYTICS_SPARK_MASTER).appName("fieldcrm-analytics")
               .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    for key, value in settings.ANALYTICS_SPARK_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _spark_tables() -> Tables:
    session = spark_session()
    con = ibis.pyspark.connect(session)
    result = {}
    for name, schema in TABLES.items():
        ddl = ", ".join(f"`{f.name}` {_SPARK_TYPES[f.type]}" for f in schema)
        files = _copy_files(name)
        frame = session.read.schema(ddl).parquet(*files) if files else session.createDataFrame([], ddl)
        view = f"fieldcrm_{name}"
        frame.createOrReplaceTempView(view)
        result[name] = con.table(view)
    return result


# --- PostgreSQL over the live tables --------------------------------------------------------------------------


def _local_day(column: str) -> str:
    return f"(({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _utc(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'UTC')"


_ENDED = ", ".join(f"'{s}'" for s in ENDED_STATUSES)
_PRICE_CLASS = "CASE s.price_class " + " ".join(
    f"WHEN '{code}' THEN '{label}'" for code, label in PRICE_CLASS_LABELS.items()) + " ELSE s.price_class END"

POSTGRES_SQL = {
    "orders": """SELECT o.order_no, o.customer_id::bigint AS customer_id, o.sku_id::bigint AS sku_id,
        o.order_date, o.quantity::bigint AS quantity, o.amount::float8 AS amount,
        (o.quantity * o.unit_cost)::float8 AS cost FROM sales_orderline o""",
    "observations": f"""SELECT b.visit_id::bigint AS visit_id, v.customer_id::bigint AS customer_id,
        b.sku_id::bigint AS sku_id, {_local_day('v.checked_in_at')} AS observed_on,
        b.stock_cartons::bigint AS stock_cartons, b.retail_price::float8 AS retail_price
        FROM visits_skuobservation b JOIN visits_visit v ON v.id = b.visit_id""",
    "visits": f"""SELECT v.id::bigint AS visit_id, v.customer_id::bigint AS customer_id,
        {_local_day('v.checked_in_at')} AS visited_on, {_utc('v.checked_in_at')} AS checked_in_at,
        NULLIF(v.profit_situation, '') AS profit_situation,
        v.monthly_sales_cartons::bigint AS monthly_sales_cartons FROM visits_visit v""",
    "opinions": f"""SELECT p.id::bigint AS opinion_id, p.visit_id::bigint AS visit_id,
        v.customer_id::bigint AS customer_id, {_local_day('v.checked_in_at')} AS visited_on, p.topic
        FROM visits_visitopinion p JOIN visits_visit v ON v.id = p.visit_id""",
    "customers": f"""SELECT c.id::bigint AS customer_id, c.customer_code, c.company_id::bigint AS company_id,
        co.name AS company, c.manager_id::bigint AS manager_id, u.username AS manager,
        COALESCE(ta.name, ua.name) AS area, t.name AS territory, c.tier::bigint AS tier,
        cc.name AS customer_class, c.business_format, c.market_type, c.status,
        {_local_day('c.created_at')} AS licence_start,
        CASE WHEN c.status IN ({_ENDED}) THEN {_local_day(f'''COALESCE(
            (SELECT min(h.history_date) FROM customers_historicalcustomer h
              WHERE h.id = c.id AND h.status IN ({_ENDED}) AND h.history_date > COALESCE(
                (SELECT max(h2.history_date) FROM customers_historicalcustomer h2
                  WHERE h2.id = c.id AND h2.status NOT IN ({_ENDED})), '-infinity'::timestamptz)),
            c.updated_at)''')} END AS licence_end
        FROM customers_customer c JOIN org_company co ON co.id = c.company_id
        JOIN org_user u ON u.id = c.manager_id LEFT JOIN org_marketingarea ua ON ua.id = u.area_id
        LEFT JOIN org_territory t ON t.id = c.territory_id LEFT JOIN org_marketingarea ta ON ta.id = t.area_id
        LEFT JOIN customers_customerclass cc ON cc.id = c.customer_class_id""",
    "skus": f"""SELECT s.id::bigint AS sku_id, s.code AS sku_code, b.name AS brand, {_PRICE_CLASS} AS price_class,
        s.retail_price::float8 AS suggested_price, s.wholesale_price::float8 AS wholesale_price
        FROM catalog_sku s JOIN catalog_brand b ON b.id = s.brand_id""",
    "classification_changes": f"""SELECT g.id::bigint AS change_id, g.customer_id::bigint AS customer_id,
        g.field, g.old_value, g.new_value, {_utc('g.changed_at')} AS changed_at,
        {_local_day('g.changed_at')} AS changed_on FROM customers_classificationchange g""",
    "change_requests": f"""SELECT r.id::bigint AS request_id, r.customer_id::bigint AS customer_id, r.field,
        {_local_day('r.decided_at')} AS decided_on FROM customers_changerequest r
        WHERE r.status = 'approved' AND r.decided_at IS NOT NULL""",
}


def _postgres_tables() -> Tables:
    from django.db import connection

    connection.ensure_connection()
    con = ibis.postgres.from_connection(connection.connection)
    result = {}
    for name, schema in TABLES.items():
        result[name] = con.sql(POSTGRES_SQL[name], schema=ibis.Schema.from_pyarrow(schema))
    return result


__all__ = ["BACKENDS", "DIMENSIONS", "FACTS", "Tables", "current_tables", "spark_session", "tables"]
