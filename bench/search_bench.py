"""Benchmark: customer list search + filters with 300,000 customers in PostgreSQL.

    .venv/bin/python bench/search_bench.py [--rows 300000] [--repeat 20] [--keep]

Loads the customers through FieldCRM's own import into a fresh database `fieldcrm_bench_search`, then
times the customer list page (server side: the view rendered through Django's test client) and the API
for a set of searches and filters, as an admin (all customers), a supervisor (half) and a manager (their
own), and prints p50/p95 per case and overall, with the number of SQL queries per request. The same cases
run again without the trigram index as the baseline, side by side.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [
    ("search 2 chars 烟酒", {"q": "烟酒"}),
    ("search street 汉源大道12", {"q": "汉源大道12"}),
    ("search phone digits", {"q": "13900012"}),
    ("search licence fragment", {"q": "32030001"}),
    ("search code exact", {"q": "320300123456"}),
    ("search name 家便利", {"q": "家便利"}),
    ("no match", {"q": "不存在的店名"}),
    ("filter tier ≥ 20", {"tier_min": "20"}),
    ("filter format + market", {"business_format": "tobacco_liquor", "market_type": "urban"}),
    ("filter stale phone", {"stale": "phone"}),
    ("search + filter", {"q": "便利店", "tier_min": "10", "tier_max": "20"}),
    ("page 200", {"page": "200"}),
]


def setup(rows: int, keep: bool) -> None:
    from bench.import_bench import fresh_database, prepare_django

    url = "postgres://postgres@127.0.0.1:5432/fieldcrm_bench_search"
    if keep:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
        import django

        django.setup()
        from fieldcrm.customers.models import Customer

        if Customer.objects.count() >= rows:
            return
    data_dir = tempfile.mkdtemp()
    fresh_database("postgres", "fieldcrm_bench_search", data_dir)
    prepare_django(url)
    from bench.customer_file import write_customer_file
    from fieldcrm.imports.customers import CustomerImport
    from fieldcrm.org.models import User

    path = f"{data_dir}/customers.xlsx"
    write_customer_file(path, rows, 100)
    started = time.perf_counter()
    result = CustomerImport(User.objects.get(username="admin"), "en").run(path, commit=True)
    print(f"loaded {result.new} customers in {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:  # most profiles verified at some point in the last year
        cursor.execute(
            "UPDATE customers_customer SET phone_verified_at = now() - (id % 365) * interval '1 day' "
            "WHERE id % 10 <> 0"
        )
        cursor.execute("ANALYZE")


def measure(repeat: int):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fieldcrm.org.models import User

    rows = []
    for login in ("admin", "supervisor1", "manager1"):
        client = Client()
        client.force_login(User.objects.get(username=login))
        for name, params in CASES:
            for path in ("/customers/", "/api/v1/customers"):
                client.get(path, params)  # warm
                times = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        response = client.get(path, params)
                        times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, params, response.status_code)
                rows.append((login, name, path, times, len(queries)))
    return rows


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(title, rows):
    print(f"\n{title}")
    print(f"{'user':<12}{'case':<28}{'endpoint':<20}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}")
    for login, name, path, times, queries in rows:
        print(f"{login:<12}{name:<28}{path:<20}{statistics.median(times):>8.1f}"
              f"{percentile(times, 0.95):>8.1f}{queries:>9}")
    every = [t for *_, times, _q in rows for t in times]
    print(f"overall: p50 {statistics.median(every):.1f} ms, p95 {percentile(every, 0.95):.1f} ms, "
          f"max {max(every):.1f} ms over {len(every)} requests")
    return percentile(every, 0.95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse the database of a previous run")
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "true")
    os.environ["DB_CONN_MAX_AGE"] = "600"
    setup(args.rows, args.keep)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from django.db import connection

    from fieldcrm.customers.models import Customer

    print(f"customers: {Customer.objects.count()}; PostgreSQL; cpus: {os.cpu_count()}")
    ours = report("FieldCRM (trigram index)", measure(args.repeat))
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX customer_search_trgm")
        baseline = report("baseline: same queries without the trigram index", measure(max(3, args.repeat // 4)))
        cursor.execute(
            "CREATE INDEX customer_search_trgm ON customers_customer USING gin (search_text gin_trgm_ops)"
        )
    print(f"\np95 with index {ours:.1f} ms vs without {baseline:.1f} ms: {baseline / ours:.1f}x")


if __name__ == "__main__":
    main()
