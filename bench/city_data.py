"""A city-scale dataset for the analytics benchmark (issue 14 "Performance"), generated vectorised and seeded.

    .venv/bin/python bench/city_data.py --database fieldcrm_bench_city --analytics-dir /work/bench-data/city \
        [--customers 50000] [--skus 150] [--weeks 104] [--lines-per-week 820000] [--managers 200] [--seed 1] \
        [--no-postgres-facts] [--reuse-database]

What it writes:
- a PostgreSQL database migrated with `manage.py migrate`: the company, areas, managers and territories of
  `seed_demo --customers 0`, the catalogue topped up to `--skus` SKUs, `--customers` retailers (the demo's
  retailer builder: formats, tiers 1–30, order days, classes), some opened and some closed during the two
  years; then (unless `--no-postgres-facts`) every order line, visit, SKU observation and opinion by COPY,
  with the Django indexes rebuilt after the load plus `sales_orderline(order_date)`;
- the Parquet copy in exactly the layout `fieldcrm.sales.analytics.store` writes: facts per month written
  from the generated arrays (same rows as PostgreSQL), dimensions by the store's own builders, and a
  `state.json` whose watermark and month counts let the next `store.refresh()` be incremental.

`--reuse-database` keeps the retailers and catalogue of an existing database (so a bigger Parquet-only run,
`--no-postgres-facts`, has the very same dimensions). The order lines are realistic enough for the queries'
shapes: each retailer orders on its order day with a probability that rises with its tier, the number of lines
and the quantities rise with the tier, each line is one of the retailer's habitual SKUs (a per-retailer
weighted list favouring its price classes), brands trend up or down over the two years, a few SKUs launch
midway, and the weeks before the Spring Festival sell more. The weeks end with the last complete week
(`--last-monday` to fix it)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
HABITS = 60  # habitual SKUs per retailer: an order's lines are drawn from these, favourites first
OBSERVED = 5  # SKUs a visit observes (stock, price)
SPRING_FESTIVALS = [date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26)]
BRANDS = ["中华", "玉溪", "芙蓉王", "黄鹤楼", "南京", "苏烟", "利群", "云烟", "红塔山", "黄山", "泰山", "钻石",
          "娇子", "真龙", "双喜", "七匹狼", "红双喜", "白沙", "长白山", "好猫", "贵烟", "天子", "牡丹", "金圣"]
TZ_OFFSET = timedelta(hours=8)  # Asia/Shanghai, no daylight saving


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the database: org, catalogue and retailers ---------------------------------------------------------------


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def create_database(name: str) -> None:
    import psycopg

    assert name.startswith("fieldcrm_bench_"), "benchmark databases are named fieldcrm_bench_*"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database: str, analytics_dir: str | None = None) -> None:
    os.environ["DATABASE_URL"] = database_url(database)
    if analytics_dir:
        os.environ["ANALYTICS_DIR"] = analytics_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
    import django

    django.setup()


def build_dimensions(customers: int, skus: int, managers: int, seed: int, first_day: date, rng) -> None:
    """Org, catalogue and retailers through the project's own code (migrate, the demo's builders)."""
    from django.core.management import call_command
    from django.db import connection

    from fieldcrm.catalog.models import Brand, Sku, price_class_for
    from fieldcrm.demo import DemoBuilder

    call_command("migrate", verbosity=0)
    builder = DemoBuilder(seed=seed, managers=managers, customers=customers)
    from fieldcrm.company_setup import setup_company
    from fieldcrm.demo import COMPANY

    builder.company = setup_company(*COMPANY)
    builder.build_people()
    builder.build_skus()
    existing = Sku.objects.count()
    extra = []
    for n in range(skus - existing):
        brand, _ = Brand.objects.get_or_create(name=BRANDS[n % len(BRANDS)])
        cost = float(np.round(np.exp(rng.normal(4.9, 0.6)), 0))  # ≈ 60 … 900 元/条, most 100–250
        wholesale = round(cost * 1.12, 2)
        extra.append(Sku(code=f"69020{n + 1:05d}", name=f"{brand.name}(城{n + 1})", brand=brand,
                         purchase_cost=cost, wholesale_price=wholesale,
                         retail_price=round(wholesale * 1.18), price_class=price_class_for(cost), launched_on=None))
    Sku.objects.bulk_create(extra)
    builder.build_customers()
    # Licences: ~8 % opened during the two years, ~4 % closed during them (the rest older and live).
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM customers_customer ORDER BY id")
        ids = np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)
        span = 7 * 104
        opened = rng.random(len(ids)) < 0.08
        closed = ~opened & (rng.random(len(ids)) < 0.04)
        start = datetime.combine(first_day, datetime.min.time(), UTC) - TZ_OFFSET + timedelta(hours=10)
        created = [start - timedelta(days=int(d)) for d in rng.integers(30, 3000, len(ids))]
        for i in np.flatnonzero(opened):
            created[i] = start + timedelta(days=int(rng.integers(0, span)))
        updated = list(created)
        status = ["active"] * len(ids)
        for i in np.flatnonzero(closed):
            updated[i] = start + timedelta(days=int(rng.integers(30, span)))
            status[i] = "closed"
        cursor.execute("""UPDATE customers_customer c SET created_at = v.created, updated_at = v.updated,
            status = v.status FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::text[])
            AS v(id, created, updated, status) WHERE c.id = v.id""", [list(map(int, ids)), created, updated, status])
        # A closed licence ends on the profile's last change when its history has no closing record.
        cursor.execute("DELETE FROM customers_historicalcustomer h USING customers_customer c "
                       "WHERE c.id = h.id AND c.status = 'closed'")


@dataclass
class City:
    """The retailers and catalogue as arrays (index = position, not id)."""

    customer_id: np.ndarray
    tier: np.ndarray
    order_day: np.ndarray  # 1 = Monday … 6 = Saturday
    rural: np.ndarray
    first_week: np.ndarray  # first week a retailer can order (opened midway) …
    end_week: np.ndarray  # … and the week its licence ended (exclusive; a big number when live)
    sku_id: np.ndarray
    brand: np.ndarray  # brand index per SKU
    wholesale: np.ndarray
    cost: np.ndarray
    retail: np.ndarray
    price_class: np.ndarray
    habits: np.ndarray  # retailer × HABITS SKU positions, favourites first
    weeks: int
    first_monday: date


def load_city(weeks: int, first_monday: date, seed: int) -> City:
    from django.db import connection

    rng = np.random.default_rng(seed + 7)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT id, tier, order_day, market_type = 'rural', created_at, status, updated_at
                          FROM customers_customer ORDER BY id""")
        rows = cursor.fetchall()
        cursor.execute("""SELECT id, brand_id, wholesale_price, purchase_cost, retail_price, price_class
                          FROM catalog_sku ORDER BY id""")
        skus = cursor.fetchall()
    start = datetime.combine(first_monday, datetime.min.time(), UTC) - TZ_OFFSET

    def week_of(at: datetime) -> int:
        return (at - start).days // 7

    first_week = np.array([max(0, week_of(r[4]) + 1) for r in rows])
    end_week = np.array([week_of(r[6]) if r[5] in ("closed", "revoked") else 10**6 for r in rows])
    tier = np.array([r[1] for r in rows], dtype=np.int64)
    rural = np.array([bool(r[3]) for r in rows])
    brand_ids = sorted({s[1] for s in skus})
    price_class = np.array([int(s[5]) for s in skus])
    # Popularity per SKU, then each retailer's affinity to price classes: big urban stores sell class 1–2, small
    # rural ones class 4–5; a weighted draw without replacement (exponential keys) gives each its habits.
    popularity = rng.pareto(1.2, len(skus)) + 0.2
    wanted_class = np.clip(5.5 - tier / 7 + rural * 1.2, 1, 5)
    affinity = np.exp(-np.abs(price_class[None, :] - wanted_class[:, None]))
    keys = rng.exponential(size=affinity.shape) / (affinity * popularity[None, :])
    habits = np.argsort(keys, axis=1)[:, :HABITS].astype(np.int16)
    return City(
        customer_id=np.array([r[0] for r in rows], dtype=np.int64), tier=tier,
        order_day=np.array([r[2] or 1 for r in rows], dtype=np.int64), rural=rural,
        first_week=first_week, end_week=end_week,
        sku_id=np.array([s[0] for s in skus], dtype=np.int64),
        brand=np.array([brand_ids.index(s[1]) for s in skus]),
        wholesale=np.array([float(s[2]) for s in skus]), cost=np.array([float(s[3]) for s in skus]),
        retail=np.array([float(s[4]) for s in skus]), price_class=price_class, habits=habits,
        weeks=weeks, first_monday=first_monday)


# --- the facts, one week at a time --------------------------------------------------------------------------


class Generator:
    def __init__(self, city: City, lines_per_week: int, seed: int):
        self.city = city
        rng = np.random.default_rng(seed + 11)
        n_brands = city.brand.max() + 1
        self.brand_trend = rng.normal(0, 0.35, n_brands)  # log growth a year
        self.launch_week = np.where(rng.random(len(city.sku_id)) < 0.07,
                                    rng.integers(10, max(11, city.weeks - 10), len(city.sku_id)), -1)
        self.order_prob = np.clip(0.42 + 0.018 * city.tier, 0.3, 0.97)
        self.size = city.tier ** 0.7
        self.qty_mean = 0.4 + city.tier / 8
        self.rank_weight = 1 / (np.arange(HABITS) + 3.0) ** 0.9
        self.set_lines_per_week(lines_per_week)
        self.seed = seed

    def set_lines_per_week(self, lines_per_week: int) -> None:
        expected_orders = (self.order_prob * self.size).sum() / self.size.mean()
        scale = lines_per_week / (self.order_prob * self.size).sum()
        self.lines_mean = np.clip(self.size * scale, 0.5, HABITS * 0.9)
        self.expected_orders = expected_orders

    def monday(self, week: int) -> date:
        return self.city.first_monday + timedelta(weeks=week)

    def season(self, week: int) -> float:
        monday = self.monday(week)
        for festival in SPRING_FESTIVALS:
            days = (festival - monday).days
            if 0 < days <= 21:
                return 1.6
            if -7 < days <= 0:
                return 0.55
        return 1.0

    def orders(self, week: int) -> pa.Table:
        """One week's order lines: canonical columns plus what PostgreSQL stores (unit price and cost)."""
        city, rng = self.city, np.random.default_rng([self.seed, week])
        live = (city.first_week <= week) & (week < city.end_week)
        buyers = np.flatnonzero(live & (rng.random(len(live)) < self.order_prob))
        lines = np.clip(rng.poisson(self.lines_mean[buyers]), 1, HABITS)
        # Weights of each buyer's habits this week: rank, brand trend, launched yet.
        skus = city.habits[buyers].astype(np.int64)
        years = week / 52
        sku_weight = np.exp(self.brand_trend[city.brand] * years) * (self.launch_week <= week)
        weight = self.rank_weight[None, :] * sku_weight[skus] + 1e-12
        keys = rng.exponential(size=weight.shape) / weight
        chosen = np.argsort(keys, axis=1)
        take = np.arange(HABITS)[None, :] < lines[:, None]
        order_of_line = np.repeat(np.arange(len(buyers)), lines)
        sku_pos = np.take_along_axis(skus, chosen, axis=1)[take]
        rank = chosen[take]
        customer = buyers[order_of_line]
        quantity = 1 + rng.poisson(self.qty_mean[customer] * self.season(week) * (1.6 - rank / HABITS))
        day = np.datetime64(self.monday(week)) + (city.order_day[customer] - 1).astype("timedelta64[D]")
        order_day = (np.datetime64(self.monday(week)) + (city.order_day[buyers] - 1).astype("timedelta64[D]"))
        order_no = pc.binary_join_element_wise(
            pc.strftime(pa.array(order_day).cast(pa.timestamp("s")), format="%Y%m%d"),
            pa.array(city.customer_id[buyers]).cast(pa.string()), "-")
        unit_price, unit_cost = city.wholesale[sku_pos], city.cost[sku_pos]
        return pa.table({
            "order_no": order_no.take(pa.array(order_of_line)),
            "customer_id": pa.array(city.customer_id[customer]), "sku_id": pa.array(city.sku_id[sku_pos]),
            "order_date": pa.array(day).cast(pa.date32()), "quantity": pa.array(quantity.astype(np.int64)),
            "amount": pa.array(np.round(quantity * unit_price, 2)), "cost": pa.array(quantity * unit_cost),
            "unit_price": pa.array(unit_price), "unit_cost": pa.array(unit_cost)})

    def visits(self, week: int, first_visit_id: int) -> tuple[pa.Table, pa.Table, pa.Table]:
        """Every fourth week each live retailer is visited (on its order day), five habitual SKUs observed;
        some visits bring a profit situation, a monthly sales estimate or an opinion."""
        city, rng = self.city, np.random.default_rng([self.seed, week, 1])
        live = (city.first_week <= week) & (week < city.end_week)
        seen = np.flatnonzero(live & (np.arange(len(live)) % 4 == week % 4))
        n = len(seen)
        visit_id = np.arange(first_visit_id, first_visit_id + n, dtype=np.int64)
        day = np.datetime64(self.monday(week)) + (city.order_day[seen] - 1).astype("timedelta64[D]")
        local = day.astype("datetime64[s]") + rng.integers(9 * 3600, 18 * 3600, n).astype("timedelta64[s]")
        utc = local - np.timedelta64(8, "h")
        profit = np.array(["profit", "break_even", "loss", None], dtype=object)[
            np.minimum(rng.choice(4, n, p=[0.2, 0.07, 0.03, 0.7]), 3)]
        monthly = np.where(rng.random(n) < 0.3, np.round(city.tier[seen] * rng.uniform(20, 40, n)), np.nan)
        visits = pa.table({
            "visit_id": pa.array(visit_id), "customer_id": pa.array(city.customer_id[seen]),
            "visited_on": pa.array(day).cast(pa.date32()),
            "checked_in_at": pa.array(utc).cast(pa.timestamp("us")),
            "profit_situation": pa.array(profit, type=pa.string()),
            "monthly_sales_cartons": pa.array(monthly, mask=np.isnan(monthly)).cast(pa.int64())})
        rows = np.repeat(np.arange(n), OBSERVED)
        sku_pos = city.habits[seen, :OBSERVED].reshape(-1).astype(np.int64)
        suggested = city.retail[sku_pos]
        price = np.round(suggested * (1 + rng.normal(0, 0.035, len(rows))))
        no_price = rng.random(len(rows)) < 0.1
        stock = np.where(rng.random(len(rows)) < 0.08, 0, rng.poisson(2 + city.tier[seen][rows] / 3))
        observations = pa.table({
            "visit_id": pa.array(visit_id[rows]), "customer_id": pa.array(city.customer_id[seen][rows]),
            "sku_id": pa.array(city.sku_id[sku_pos]), "observed_on": pa.array(day[rows]).cast(pa.date32()),
            "stock_cartons": pa.array(stock.astype(np.int64)),
            "retail_price": pa.array(price, mask=no_price)})
        said = np.flatnonzero(rng.random(n) < 0.05)
        topics = np.array(["ordering", "supply", "delivery", "price", "product", "service", "other"])
        opinions = pa.table({
            "opinion_id": pa.array(np.arange(len(said), dtype=np.int64)),  # renumbered by the writer
            "visit_id": pa.array(visit_id[said]), "customer_id": pa.array(city.customer_id[seen][said]),
            "visited_on": pa.array(day[said]).cast(pa.date32()),
            "topic": pa.array(topics[rng.integers(0, len(topics), len(said))])})
        return visits, observations, opinions


# --- writers --------------------------------------------------------------------------------------------------


def month_of(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    days = np.asarray(column.cast(pa.date32()).to_numpy(zero_copy_only=False), dtype="datetime64[D]")
    return days.astype("datetime64[M]")


class ParquetWriter:
    """Facts into `facts/<name>/<YYYY-MM>/part.parquet`, a month written once it is complete."""

    def __init__(self, analytics_dir: Path):
        from fieldcrm.sales.analytics.schema import FACT_DAY, FACTS

        self.dir, self.schemas, self.day = analytics_dir, FACTS, FACT_DAY
        self.pending: dict[tuple[str, str], list[pa.Table]] = {}
        self.counts: dict[str, dict[str, int]] = {name: {} for name in FACTS}

    def add(self, name: str, table: pa.Table) -> None:
        table = table.select(self.schemas[name].names).cast(self.schemas[name])
        months = month_of(table[self.day[name]])
        for month in np.unique(months):
            part = table.filter(pa.array(months == month))
            self.pending.setdefault((name, str(month)), []).append(part)

    def flush(self, before: str | None = None) -> None:
        from fieldcrm.sales.analytics.store import _write_atomic

        for key in sorted(self.pending):
            name, month = key
            if before is not None and month >= before:
                continue
            table = pa.concat_tables(self.pending.pop(key))
            _write_atomic(self.dir / "facts" / name / month / "part.parquet", table)
            self.counts[name][month] = self.counts[name].get(month, 0) + table.num_rows


class PostgresWriter:
    """Facts into the Django tables by COPY (CSV from pyarrow), indexes dropped during the load."""

    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        self.conn = connection.connection
        self.saved: list[str] = []

    def drop_indexes(self, tables: list[str]) -> None:
        with self.conn.cursor() as cur:
            for table in tables:
                cur.execute("""SELECT con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con
                               JOIN pg_class c ON c.oid = con.conrelid WHERE c.relname = %s
                               AND con.contype IN ('u', 'f')""", [table])
                for name, definition in cur.fetchall():
                    self.saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                    cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cur.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s
                               AND indexname NOT LIKE '%%_pkey'""", [table])
                for name, definition in cur.fetchall():
                    self.saved.insert(0, definition)
                    cur.execute(f'DROP INDEX "{name}"')
        self.conn.commit()

    def restore_indexes(self, extra: list[str]) -> None:
        with self.conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            for statement in self.saved + extra:
                log(f"  {statement[:110]}")
                cur.execute(statement)
            self.conn.commit()
        self.saved = []

    def copy(self, table: str, data: pa.Table) -> None:
        buffer = io.BytesIO()
        pacsv.write_csv(data, buffer, pacsv.WriteOptions(include_header=False))
        columns = ", ".join(data.column_names)
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getbuffer())
        self.conn.commit()

    def analyze(self) -> None:
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        self.conn.autocommit = False


def order_rows(lines: pa.Table, changed_at: datetime | None = None) -> pa.Table:
    """sales_orderline columns: changed_at a day after the order (as an import would have stamped it)."""
    days = lines["order_date"].cast(pa.timestamp("s"))
    stamp = (pa.array([changed_at] * lines.num_rows, pa.timestamp("us", tz="UTC")) if changed_at else
             pc.add(days, pa.scalar(timedelta(hours=26), pa.duration("s"))).cast(pa.timestamp("us", tz="UTC")))
    money = pa.decimal128(14, 2)
    return pa.table({
        "order_no": lines["order_no"], "sku_id": lines["sku_id"], "customer_id": lines["customer_id"],
        "order_date": lines["order_date"], "quantity": lines["quantity"],
        "unit_price": lines["unit_price"].cast(money, safe=False),
        "amount": lines["amount"].cast(money, safe=False), "unit_cost": lines["unit_cost"].cast(money, safe=False),
        "changed_at": stamp})


def visit_rows(visits: pa.Table, manager_of: dict[int, int]) -> pa.Table:
    n = visits.num_rows
    ids = visits["visit_id"].to_numpy()
    at = visits["checked_in_at"].cast(pa.timestamp("us", tz="UTC"))
    return pa.table({
        "id": visits["visit_id"], "client_uuid": pa.array([f"00000000-0000-4000-8000-{i:012x}" for i in ids]),
        "customer_id": visits["customer_id"],
        "manager_id": pa.array([manager_of[c] for c in visits["customer_id"].to_pylist()], pa.int64()),
        "ad_hoc": pa.array(np.zeros(n, bool)), "checked_in_at": at, "latitude": pa.array(np.full(n, 34.7)),
        "longitude": pa.array(np.full(n, 116.9)), "on_site": pa.array(np.ones(n, bool)),
        "notes": pa.array([""] * n), "profit_situation": pc.fill_null(visits["profit_situation"], ""),
        "monthly_sales_cartons": visits["monthly_sales_cartons"], "profile_changes": pa.array(["[]"] * n),
        "created_at": at})


def fill_required(conn, table: str, data: pa.Table) -> pa.Table:
    """Columns NOT NULL without a value here get a neutral one ('' / false / 0 / '[]')."""
    with conn.cursor() as cur:
        cur.execute("""SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s
                       AND is_nullable = 'NO' AND column_default IS NULL""", [table])
        missing = [(c, t) for c, t in cur.fetchall() if c not in data.column_names and c != "id"]
    for column, kind in missing:
        value = {"boolean": False, "jsonb": "[]", "text": ""}.get(kind, "" if "char" in kind else 0)
        data = data.append_column(column, pa.array([value] * data.num_rows))
    return data


# --- the whole run ----------------------------------------------------------------------------------------------


def write_state(analytics_dir: Path, counts: dict[str, dict[str, int]], visit_counts: dict[str, int]) -> None:
    now = datetime.now(UTC).isoformat()
    state = {"orders": {"watermark": now, "counts": counts["orders"]},
             "visits": {"watermark": now, "counts": visit_counts}}
    (analytics_dir / "state.json").write_text(json.dumps(state, indent=1, sort_keys=True))


def write_dimensions(analytics_dir: Path) -> None:
    from fieldcrm.sales.analytics import store
    from fieldcrm.sales.analytics.schema import DIMENSIONS

    for name in DIMENSIONS:
        store._write_atomic(store.dimension_path(name), store._DIMENSION_BUILDERS[name]())


def default_last_monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday() + 7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="fieldcrm_bench_city")
    parser.add_argument("--analytics-dir", required=True)
    parser.add_argument("--customers", type=int, default=50000)
    parser.add_argument("--skus", type=int, default=150)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--lines-per-week", type=int, default=820000,
                        help="aimed at with every retailer live; ≈ 80M lines over 104 weeks at the default")
    parser.add_argument("--managers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--last-monday", type=date.fromisoformat, default=default_last_monday())
    parser.add_argument("--no-postgres-facts", action="store_true", help="facts into Parquet only")
    parser.add_argument("--reuse-database", action="store_true", help="keep the retailers and catalogue")
    args = parser.parse_args()

    first_monday = args.last_monday - timedelta(weeks=args.weeks - 1)
    analytics_dir = Path(args.analytics_dir).resolve()
    if analytics_dir.exists() and any(analytics_dir.iterdir()):
        sys.exit(f"{analytics_dir} is not empty: remove it first")
    started = time.perf_counter()
    if not args.reuse_database:
        create_database(args.database)
    setup_django(args.database, str(analytics_dir))
    if not args.reuse_database:
        log("migrating and building the retailers")
        build_dimensions(args.customers, args.skus, args.managers, args.seed, first_monday,
                         np.random.default_rng(args.seed))
    city = load_city(args.weeks, first_monday, args.seed)
    log(f"{len(city.customer_id)} retailers, {len(city.sku_id)} SKUs, weeks {first_monday} … {args.last_monday}")
    generator = Generator(city, args.lines_per_week, args.seed)
    parquet = ParquetWriter(analytics_dir)
    postgres = None if args.no_postgres_facts else PostgresWriter()
    if postgres:
        from fieldcrm.customers.models import Customer

        manager_of = dict(Customer.objects.values_list("pk", "manager_id"))
        for table in ("sales_orderline", "visits_visit", "visits_skuobservation", "visits_visitopinion"):
            with postgres.conn.cursor() as cur:
                cur.execute(f"TRUNCATE {table} CASCADE")
        postgres.drop_indexes(["sales_orderline", "visits_skuobservation", "visits_visitopinion", "visits_visit"])
    total_lines, next_visit, next_opinion = 0, 1, 1
    visit_counts: dict[str, int] = {}
    for week in range(args.weeks):
        lines = generator.orders(week)
        visits, observations, opinions = generator.visits(week, next_visit)
        next_visit += visits.num_rows
        opinions = opinions.set_column(0, "opinion_id", pa.array(
            np.arange(next_opinion, next_opinion + opinions.num_rows, dtype=np.int64)))
        next_opinion += opinions.num_rows
        total_lines += lines.num_rows
        parquet.add("orders", lines)
        for name, table in (("visits", visits), ("observations", observations), ("opinions", opinions)):
            parquet.add(name, table)
        for month, n in zip(*np.unique(month_of(visits["visited_on"]), return_counts=True), strict=True):
            visit_counts[str(month)] = visit_counts.get(str(month), 0) + int(n)
        if postgres:
            postgres.copy("sales_orderline", order_rows(lines))
            postgres.copy("visits_visit", fill_required(postgres.conn, "visits_visit",
                                                        visit_rows(visits, manager_of)))
            postgres.copy("visits_skuobservation", fill_required(postgres.conn, "visits_skuobservation", pa.table({
                "visit_id": observations["visit_id"], "sku_id": observations["sku_id"],
                "stock_cartons": observations["stock_cartons"],
                "retail_price": observations["retail_price"].cast(pa.decimal128(10, 2), safe=False)})))
            postgres.copy("visits_visitopinion", fill_required(postgres.conn, "visits_visitopinion", pa.table({
                "id": opinions["opinion_id"], "visit_id": opinions["visit_id"], "topic": opinions["topic"],
                "text": pa.array(["（基准测试）"] * opinions.num_rows)})))
        parquet.flush(before=str(np.datetime64(generator.monday(week + 1), "M")))
        if week % 8 == 7 or week == args.weeks - 1:
            rate = total_lines / (time.perf_counter() - started)
            log(f"week {week + 1}/{args.weeks}: {total_lines:,} order lines ({rate:,.0f}/s)")
    parquet.flush()
    if postgres:
        log("rebuilding the indexes")
        postgres.restore_indexes([
            "CREATE INDEX IF NOT EXISTS bench_orderline_date ON sales_orderline (order_date)",
            "SELECT setval(pg_get_serial_sequence('visits_visit', 'id'), (SELECT max(id) FROM visits_visit))",
            "SELECT setval(pg_get_serial_sequence('visits_visitopinion', 'id'), "
            "(SELECT coalesce(max(id), 1) FROM visits_visitopinion))"])
        log("VACUUM ANALYZE")
        postgres.analyze()
    write_dimensions(analytics_dir)
    write_state(analytics_dir, parquet.counts, visit_counts)
    size = sum(p.stat().st_size for p in analytics_dir.rglob("*.parquet"))
    log(f"done in {time.perf_counter() - started:,.0f} s: {total_lines:,} order lines, "
        f"{next_visit - 1:,} visits; Parquet {size / 2**30:.2f} GiB in {analytics_dir}")


if __name__ == "__main__":
    main()
