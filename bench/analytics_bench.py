"""Benchmark: every dashboard query on DuckDB (over the Parquet copy) and on PostgreSQL (the same Ibis
expressions over the Django tables), the supervisor's scorecard, and the incremental Parquet refresh after a
weekly import. Run on a dataset from `bench/city_data.py`:

    .venv/bin/python bench/analytics_bench.py --database fieldcrm_bench_city --analytics-dir DIR \
        [--backends duckdb,postgres] [--runs 5] [--pg-runs 3] [--refresh --refresh-lines 800000]

Each query is timed as a request runs it: `sources.tables(backend)` then the analysis, to plain rows. The
figure is the median of `--runs` (PostgreSQL: `--pg-runs`) after `--warmup` untimed runs; a query stops
repeating once it has used `--budget` seconds, and PostgreSQL statements stop at `--pg-timeout`. Results on the
two backends are compared (same keys, figures equal to 1e-9 relative) and any difference is printed.

`--refresh` appends one week of `--refresh-lines` order lines to PostgreSQL (the week after the data, stamped
now, as an import writes them), times `store.refresh_after_import(months)`, then deletes those lines and
times the refresh that puts the copy back. The database must hold the facts (not a `--no-postgres-facts`
run). SalesTargets for the scorecard's month are created (idempotently) if none exist."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from city_data import Generator, PostgresWriter, load_city, log, order_rows, setup_django  # noqa: E402


def month_period(last_day: date):
    """The last complete calendar month before `last_day`, and its quarter-length neighbour."""
    from fieldcrm.sales.analytics.periods import Period

    end = last_day.replace(day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    quarter_start = start
    for _ in range(2):
        quarter_start = (quarter_start - timedelta(days=1)).replace(day=1)
    return Period(start, end), Period(quarter_start, end)


def dashboard_queries(month, quarter, area: str, territory: str):
    """(label, analysis, period, group_by, filters): what the dashboards ask."""
    return [
        ("sales company month (mom, yoy)", "sales", month, "company", {}),
        ("sales by manager month", "sales", month, "manager", {}),
        ("sales by territory month", "sales", month, "territory", {}),
        ("sales by brand quarter", "sales", quarter, "brand", {}),
        ("sales by sku month, one area", "sales", month, "sku", {"area": area}),
        ("sales by price_class month", "sales", month, "price_class", {}),
        ("brands by brand month", "brands", month, "brand", {}),
        ("brands by sku month, one territory", "brands", month, "sku", {"territory": territory}),
        ("market by territory month", "market", month, "territory", {}),
        ("market by brand month", "market", month, "brand", {}),
        ("customers by manager month", "customers", month, "manager", {}),
        ("customers company quarter", "customers", quarter, "company", {}),
    ]


def same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def differences(rows_a: list[dict], rows_b: list[dict]) -> list[str]:
    if [r["key"] for r in rows_a] != [r["key"] for r in rows_b]:
        return [f"keys differ: {len(rows_a)} vs {len(rows_b)} rows"]
    return [f"{ra['key']}.{k}: {ra[k]!r} vs {rb.get(k)!r}" for ra, rb in zip(rows_a, rows_b, strict=True)
            for k in ra if not same(ra[k], rb.get(k))]


def process_cpu() -> float:
    """CPU seconds of this process, every thread (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_clock(backend: str):
    """What to read CPU seconds from: this process (DuckDB), or also the PostgreSQL server process of the
    connection (not its parallel workers, which come and go)."""
    from django.db import connection

    if backend != "postgres":
        return process_cpu
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def both() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return process_cpu() + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return both


CPU: list[float] = []  # CPU seconds of the last timed() call's runs


def timed(run, runs: int, warmup: int, budget: float, cpu=process_cpu) -> tuple[float | None, list[float], object]:
    """Median seconds of up to `runs` timed runs after `warmup` untimed ones, within `budget` seconds (the runs'
    CPU seconds in CPU)."""
    started, result = time.perf_counter(), None
    CPU.clear()
    for _ in range(warmup):
        result = run()
        if time.perf_counter() - started > budget:
            break
    times: list[float] = []
    for _ in range(runs):
        if times and time.perf_counter() - started > budget:
            break
        t0, c0 = time.perf_counter(), cpu()
        result = run()
        times.append(time.perf_counter() - t0)
        CPU.append(cpu() - c0)
    return (statistics.median(times) if times else None), times, result


def set_pg_timeout(seconds: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")


def ensure_targets(period) -> int:
    from fieldcrm.org.models import User
    from fieldcrm.sales.models import SalesTarget

    made = 0
    for manager in User.objects.filter(role=User.Role.MANAGER):
        _target, created = SalesTarget.objects.get_or_create(manager=manager, start=period.start, end=period.end,
                                                            defaults={"cases": 300})
        made += created
    return made


def run_analysis(analysis, t, *, period, group_by, filters):
    return analysis(t, period, group_by, filters)


def bench_queries(args, backends: list[str]) -> list[dict]:
    from fieldcrm.customers.models import Customer
    from fieldcrm.org.models import User
    from fieldcrm.sales.analytics import analyses, sources, store
    from fieldcrm.sales.scope import scope_for
    from fieldcrm.sales.scorecard import scorecard

    last = max(date.fromisoformat(m + "-01") for m in store.fact_months("orders"))
    month, quarter = month_period(last)
    if args.month:
        from fieldcrm.sales.analytics.periods import Period

        start = date.fromisoformat(args.month + "-01")
        month = Period(start, (start + timedelta(days=32)).replace(day=1))
    sample = Customer.objects.select_related("territory__area").filter(territory__isnull=False).first()
    area, territory = sample.territory.area.name, sample.territory.name
    supervisor = User.objects.get(username="supervisor1")
    ensure_targets(month)
    queries = [(label, partial(run_analysis, analyses.ANALYSES[name], period=p, group_by=g, filters=f))
               for label, name, p, g, f in dashboard_queries(month, quarter, area, territory)]
    scope = scope_for(supervisor)
    queries.append(("scorecard, supervisor1's team month", lambda t: scorecard(t, month, scope)))
    log(f"month {month.start}…{month.end}, quarter {quarter.start}…{quarter.end}; filters area={area}, "
        f"territory={territory}; backends {backends}")
    if "postgres" in backends:
        set_pg_timeout(args.pg_timeout)
    results = []
    for label, query in queries:
        row: dict = {"query": label}
        answers = {}
        for backend in backends:
            runs = args.pg_runs if backend == "postgres" else args.runs
            warmup = args.pg_warmup if backend == "postgres" else args.warmup
            try:
                median, times, answer = timed(lambda backend=backend, query=query: query(sources.tables(backend)),
                                              runs, warmup, args.budget, cpu_clock(backend))
                row[f"{backend}_cpu"] = statistics.median(CPU) if CPU else None
            except Exception as error:  # a statement timeout: say so, keep going
                from django.db import connection

                connection.close()
                if backend == "postgres":
                    set_pg_timeout(args.pg_timeout)
                median, times, answer = None, [], None
                row[f"{backend}_error"] = f"{type(error).__name__}: {str(error)[:80]}"
            row[backend] = median
            row[f"{backend}_runs"] = [round(x, 3) for x in times]
            answers[backend] = answer
            row["rows"] = len(answer) if answer is not None else row.get("rows")
        if "duckdb" in backends:  # the same query on tables built once (what a per-process cache would give)
            built = sources.tables("duckdb")
            median, times, _answer = timed(lambda query=query, built=built: query(built), args.runs, args.warmup,
                                           args.budget)
            row["duckdb_cached"] = median
            row["duckdb_cached_cpu"] = statistics.median(CPU) if CPU else None
        if args.rows:  # this run's DuckDB rows against those a run of other code saved (same data)
            compare_rows(args.rows, label, answers.get(backends[0]), row)
        if len(backends) == 2 and all(answers.get(b) is not None for b in backends):
            diff = differences(answers[backends[0]], answers[backends[1]])
            row["equal"] = not diff
            if diff:
                row["differences"] = diff[:3]
        if len(backends) == 2 and row.get(backends[0]) and row.get(backends[1]):
            row["ratio"] = row[backends[1]] / row[backends[0]]
        log(json.dumps(row, ensure_ascii=False))
        results.append(row)
    results.append(page_timing(month, supervisor, args))
    return results


def compare_rows(path: str, label: str, answer, row: dict) -> None:
    """Save the first backend's rows of each query under `path` (a folder); when a run saved them before,
    compare instead (so code changes are checked to give the very same figures)."""
    file = Path(path) / (label.replace(" ", "_").replace("/", "_") + ".json")
    if answer is None:
        return
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(answer, ensure_ascii=False))
        return
    diff = differences(json.loads(file.read_text()), json.loads(json.dumps(answer)))
    row["same_as_saved"] = not diff
    if diff:
        row["saved_differences"] = diff[:3]


def page_timing(month, supervisor, args) -> dict:
    """The scorecard as the supervisor's browser gets it: the API endpoint, through Django's middleware."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(supervisor)
    url = f"/api/v1/analytics/scorecard?start={month.start}&end={month.end}&group_by=manager"

    def get():
        response = client.get(url, secure=True)
        assert response.status_code == 200, (response.status_code, response.content[:200])
        return response.json()["rows"]

    median, times, rows = timed(get, args.runs, args.warmup, args.budget)
    row = {"query": f"GET scorecard API as supervisor1 ({os.environ.get('ANALYTICS_BACKEND', 'duckdb')})",
           "duckdb": median, "duckdb_cpu": statistics.median(CPU) if CPU else None, "duckdb_runs": [round(x, 3) for x in times], "rows": len(rows)}
    log(json.dumps(row, ensure_ascii=False))
    return row


def bench_refresh(args) -> dict:
    """One weekly import's lines appended to PostgreSQL, then the incremental refresh of the copy."""
    from django.db import connection

    from fieldcrm.sales.analytics import store

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(order_date), max(order_date) FROM sales_orderline")
        first, last = cursor.fetchone()
    first_monday = first - timedelta(days=first.weekday())
    weeks = (last - first_monday).days // 7 + 1
    city = load_city(weeks, first_monday, args.seed)
    generator = Generator(city, args.refresh_lines, args.seed)
    lines = generator.orders(weeks)  # the week after the data
    stamp = datetime.now(UTC)
    months = sorted({str(d)[:7] for d in lines["order_date"].to_pylist()})
    writer = PostgresWriter()
    t0 = time.perf_counter()
    writer.copy("sales_orderline", order_rows(lines, changed_at=stamp))
    copy_s = time.perf_counter() - t0
    log(f"appended {lines.num_rows:,} lines for {months} in {copy_s:.1f} s (COPY, indexes in place)")
    result = {"appended_lines": lines.num_rows, "months": months, "copy_s": copy_s}
    try:
        t0, c0 = time.perf_counter(), process_cpu()
        report = store.refresh_after_import(months)
        result["refresh_s"] = time.perf_counter() - t0
        result["refresh_cpu_s"] = process_cpu() - c0  # this process (the ORM read, Parquet write)
        result["rewritten"] = report.rewritten
        result["month_rows"] = store.fact_months("orders") and _rows_in(months)
        log(f"refresh after the import: {result['refresh_s']:.1f} s, rewrote {report.rewritten}, "
            f"rows now in those months: {result['month_rows']}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sales_orderline WHERE changed_at >= %s", [stamp])
        t0 = time.perf_counter()
        report = store.refresh()
        result["restore_refresh_s"] = time.perf_counter() - t0
        log(f"lines removed again; refresh back: {result['restore_refresh_s']:.1f} s, rewrote {report.rewritten}"
            f" removed {report.removed}")
    return result


def _rows_in(months: list[str]) -> dict[str, int]:
    import pyarrow.parquet as pq

    from fieldcrm.sales.analytics import store

    return {m: pq.ParquetFile(store.analytics_dir() / "facts" / "orders" / m / "part.parquet").metadata.num_rows
            for m in months}


def print_table(results: list[dict], backends: list[str]) -> None:
    if "duckdb" in backends:
        backends = [*backends, "duckdb_cached"]
    backends = [*backends, *(f"{b}_cpu" for b in backends)]
    header = f"{'query':44} {'rows':>5} " + " ".join(f"{b + ' s':>14}" for b in backends)
    pair = "postgres" in backends and "duckdb" in backends
    header += f" {'ratio':>7} equal" if pair else ""
    print(header)
    for row in results:
        cells = " ".join(f"{row[b]:14.3f}" if row.get(b) is not None else f"{'—':>14}" for b in backends)
        line = f"{row['query'][:44]:44} {row.get('rows') or 0:5} {cells}"
        if pair:
            line += f" {row['ratio']:7.1f}" if row.get("ratio") else f" {'—':>7}"
            line += f" {row.get('equal', '')}"
        if "same_as_saved" in row:
            line += " same" if row["same_as_saved"] else " DIFFERENT"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="fieldcrm_bench_city")
    parser.add_argument("--analytics-dir", required=True)
    parser.add_argument("--backends", default="duckdb,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--pg-runs", type=int, default=3)
    parser.add_argument("--pg-warmup", type=int, default=1)
    parser.add_argument("--budget", type=float, default=240, help="seconds per query and backend, at most")
    parser.add_argument("--pg-timeout", type=float, default=300)
    parser.add_argument("--month", help="YYYY-MM (default: the last complete month of the data)")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--refresh-lines", type=int, default=800000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the results here too")
    parser.add_argument("--rows", help="a folder: save each query's rows there, or compare with those saved")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    setup_django(args.database, str(Path(args.analytics_dir).resolve()))
    backends = args.backends.split(",")
    started = time.perf_counter()
    out: dict = {"args": vars(args), "load": os.getloadavg()}
    if not args.no_queries:
        out["queries"] = bench_queries(args, backends)
        print_table(out["queries"], backends)
    if args.refresh:
        out["refresh"] = bench_refresh(args)
    out["seconds"] = time.perf_counter() - started
    out["load_after"] = os.getloadavg()
    print(json.dumps({k: v for k, v in out.items() if k != "queries"}, ensure_ascii=False, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
