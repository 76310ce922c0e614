"""Benchmark: stream a large order-line csv into the database, against a naive baseline.

    .venv/bin/python bench/order_import_bench.py --lines 1000000 [--baseline-lines 20000] \
        [--database postgres|sqlite] [--customers 5000] [--skus 200] [--skip-baseline] [--db-prefix NAME]

Generates a csv of N valid order lines (the contract's Orders layout) for customers and SKUs it creates
itself, then imports it in a child process on a fresh database, which reports its wall time, lines/s,
CPU, the PostgreSQL backend's CPU and its peak RSS (getrusage of that process). The baseline does what a
first version would: csv.DictReader, the customer and SKU looked up per row, update_or_create per line —
on the first --baseline-lines lines of the same file, in its own process and database. Side by side.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import backend_cpu_seconds, fresh_database  # noqa: E402

HEADER = ["订单日期", "订单号", "客户编码", "卷烟编码", "订货量(条)", "单价", "金额"]
LINES_PER_ORDER = 12


def sku_code(n: int) -> str:
    return f"69{n:011d}"


def customer_code(n: int) -> str:
    return f"3203{n:08d}"


def sku_price(n: int) -> str:
    return f"{60 + (n * 37) % 400}.{(n * 13) % 100:02d}"


def write_order_file(path: str, lines: int, customers: int, skus: int, seed: int = 1) -> None:
    """N valid lines: orders of LINES_PER_ORDER distinct SKUs for a customer, over one week."""
    rng = random.Random(seed)
    prices = [sku_price(n) for n in range(skus)]
    cents = [int(p.replace(".", "")) for p in prices]
    days = [f"2026-01-{d:02d}" for d in range(5, 12)]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        chunk = []
        for n in range(lines):
            order = n // LINES_PER_ORDER
            sku = (order * 7 + n % LINES_PER_ORDER) % skus
            quantity = rng.randint(1, 30)
            amount = quantity * cents[sku]
            chunk.append(f"{days[order % 7]},DD{order:010d},{customer_code(order % customers)},{sku_code(sku)},"
                         f"{quantity},{prices[sku]},{amount // 100}.{amount % 100:02d}\n")
            if len(chunk) >= 100_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))


def prepare(database_url: str, customers: int, skus: int):
    """Migrate, then the customers and SKUs the file refers to (written directly: they are not timed)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--customers", "0", "--managers", "10", stdout=open(os.devnull, "w"))
    from fieldcrm.catalog.models import Brand, Sku
    from fieldcrm.customers.models import Customer
    from fieldcrm.org.models import Company, User

    company = Company.objects.get()
    managers = list(User.objects.filter(role=User.Role.MANAGER))
    brand = Brand.objects.create(name="基准")
    with transaction.atomic():
        for n in range(skus):  # save(): each SKU gets its history record, as an import gives it
            price = Decimal(sku_price(n))
            Sku.objects.create(code=sku_code(n), name=f"基准{n}", brand=brand, wholesale_price=price,
                               retail_price=price + 10, purchase_cost=price - 5, price_class="3")
        Customer.objects.bulk_create(
            [Customer(company=company, customer_code=customer_code(n), name=f"店{n}", license_no=f"L{n:010d}",
                      owner_name="张伟", phone=f"139{n:08d}", address="沛县", business_format="grocery",
                      market_type="urban", manager=managers[n % len(managers)]) for n in range(customers)],
            batch_size=2000,
        )


def worker(method: str, path: str, database_url: str, lines: int, customers: int, skus: int) -> dict:
    prepare(database_url, customers, skus)
    from fieldcrm.org.models import User
    from fieldcrm.sales.models import OrderLine

    admin = User.objects.get(username="admin")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    db_cpu_before = backend_cpu_seconds()
    rss_before = usage.ru_maxrss
    started = time.perf_counter()
    phases = {}
    if method == "ours":
        from fieldcrm.imports.orders import OrderImport

        importer = OrderImport(admin, "en")
        result = importer.run(path, commit=True)
        assert result.written and not result.rejected, result.rejected[:5]
        phases = importer.timings
    else:
        naive_import(path, lines)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "lines": OrderLine.objects.count(),
        "seconds": round(seconds, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
        "db_cpu_s": round(backend_cpu_seconds() - db_cpu_before, 2),
        "rss_before_mb": round(rss_before / 1024, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "phases": phases,
    }


def naive_import(path: str, lines: int):
    """What a first version would do: DictReader, two lookups and an update_or_create per line."""
    import csv
    from decimal import Decimal

    from django.db import transaction

    from fieldcrm.catalog.models import Sku
    from fieldcrm.customers.models import Customer
    from fieldcrm.sales.models import OrderLine

    with open(path, encoding="utf-8", newline="") as handle, transaction.atomic():
        for index, row in enumerate(csv.DictReader(handle)):
            if index >= lines:
                break
            sku = Sku.objects.get(code=row["卷烟编码"])
            OrderLine.objects.update_or_create(
                order_no=row["订单号"], sku=sku,
                defaults={"customer": Customer.objects.get(customer_code=row["客户编码"]),
                          "order_date": row["订单日期"], "quantity": int(row["订货量(条)"]),
                          "unit_price": Decimal(row["单价"]), "amount": Decimal(row["金额"]),
                          "unit_cost": sku.purchase_cost},
            )


def run_worker(method, path, kind, lines, args, data_dir):
    database_url = fresh_database(kind, f"{args.db_prefix}_{method}", data_dir)
    env = {**os.environ, "DATA_DIR": data_dir, "DEBUG": "true"}
    command = [sys.executable, __file__, "_worker", method, path, database_url, str(lines), str(args.customers),
               str(args.skus)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{method} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-lines", type=int, default=20_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--db-prefix", default="fieldcrm_orders_bench",
                        help="benchmark databases are PREFIX_ours and PREFIX_naive (dropped and recreated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        path = f"{data_dir}/orders.csv"
        started = time.perf_counter()
        write_order_file(path, args.lines, args.customers, args.skus)
        print(f"file: {args.lines} lines, {os.path.getsize(path) / 1e6:.0f} MB, written in "
              f"{time.perf_counter() - started:.1f} s; database: {args.database}; cpus: {os.cpu_count()}; "
              f"load average: {os.getloadavg()[0]:.2f}", flush=True)
        runs = [("FieldCRM streaming import", run_worker("ours", path, args.database, args.lines, args, data_dir))]
        if not args.skip_baseline:
            baseline = min(args.baseline_lines, args.lines)
            runs.append(("naive update_or_create per line",
                         run_worker("naive", path, args.database, baseline, args, data_dir)))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"{'method':<34}{'lines':>10}{'wall s':>9}{'lines/s':>10}{'CPU s':>8}{'DB CPU s':>10}{'peak MB':>9}"
          f"{'(start MB)':>11}")
    for label, f in runs:
        print(f"{label:<34}{f['lines']:>10}{f['seconds']:>9}{f['lines'] / f['seconds']:>10.0f}{f['cpu_s']:>8}"
              f"{f['db_cpu_s']:>10}{f['peak_rss_mb']:>9}{f['rss_before_mb']:>11}")
    print(f"phases of the import (s): {runs[0][1]['phases']}")
    if len(runs) == 2:
        ours, naive = runs[0][1], runs[1][1]
        print(f"speed-up (lines/s): {(ours['lines'] / ours['seconds']) / (naive['lines'] / naive['seconds']):.0f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3], sys.argv[4], *map(int, sys.argv[5:8]))))
    else:
        main()
