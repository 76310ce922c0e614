"""Benchmark: import a large customer register (preview + commit) against a naive baseline.

    .venv/bin/python bench/import_bench.py [--rows 300000] [--baseline-rows N] [--database sqlite|postgres]

Each method runs in its own process on a fresh database (so peak memory is its own): ours = FieldCRM's
CustomerImport dry run (preview) then commit; the baseline = openpyxl row reading + one ORM save per row.
Prints wall time, rows/s and peak RSS side by side, and the speed ratio. With --baseline-rows smaller
than --rows, the baseline's time is also given scaled linearly to the full row count (marked as such).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MANAGERS = 100


def fresh_database(kind: str, name: str, data_dir: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{data_dir}/{name}.sqlite3"
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def prepare_django(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--customers", "0", "--managers", str(MANAGERS), stdout=open(os.devnull, "w"))


def worker(method: str, path: str, database_url: str, rows: int) -> dict:
    prepare_django(database_url)
    from fieldcrm.customers.models import Customer
    from fieldcrm.imports.customers import CustomerImport
    from fieldcrm.org.models import User

    admin = User.objects.get(username="admin")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    db_cpu_before = backend_cpu_seconds()
    started = time.perf_counter()
    figures = {}
    if method == "ours":
        # As the web flow does: the preview keeps its cleaned rows, the confirm re-checks them against
        # the database and writes.
        cache = f"{os.path.dirname(path)}/checked.pickle"
        importer = CustomerImport(admin, "en")
        preview = importer.run(path, commit=False, cache=cache)
        figures["preview_s"] = round(time.perf_counter() - started, 2)
        figures["preview_phases"] = importer.timings
        importer = CustomerImport(admin, "en")
        result = importer.run(path, commit=True, cache=cache)
        figures["commit_phases"] = importer.timings
        assert result.written and not result.rejected, result.rejected[:5]
        assert preview.new == result.new
    else:
        naive_import(path, admin, rows)
    figures["seconds"] = round(time.perf_counter() - started, 2)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["cpu_s"] = round(usage.ru_utime + usage.ru_stime - cpu_before, 2)
    figures["db_cpu_s"] = round(backend_cpu_seconds() - db_cpu_before, 2)
    figures["customers"] = Customer.objects.count()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def backend_cpu_seconds() -> float:
    """CPU seconds the PostgreSQL server process of this connection has used (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def naive_import(path, admin, rows):
    """What a first version would do: openpyxl rows, look up the manager, one save per row."""
    import openpyxl

    from fieldcrm.customers.models import Customer
    from fieldcrm.org.models import User

    formats = {"食杂店": "grocery", "便利店": "convenience", "超市": "supermarket", "烟酒店": "tobacco_liquor",
               "娱乐服务类": "entertainment", "其他": "other", "商场": "mall"}
    sheet = openpyxl.load_workbook(path, read_only=True).active
    for index, row in enumerate(sheet.iter_rows(min_row=2, values_only=True)):
        if index >= rows:
            break
        manager = User.objects.get(username=row[16])
        customer = Customer.objects.filter(customer_code=row[0]).first() or Customer(customer_code=row[0])
        customer.company_id = manager.company_id
        customer.name, customer.license_no, customer.owner_name = row[1], row[2], row[3]
        customer.phone, customer.address = str(row[4]), row[5]
        customer.longitude, customer.latitude = row[6], row[7]
        customer.business_format = formats[row[9]]
        customer.market_type = "urban" if row[10] == "城网" else "rural"
        customer.tier = row[12]
        customer.manager = manager
        customer.search_text = customer.build_search_text()
        customer.save()


def run_worker(method, path, kind, rows, data_dir):
    database_url = fresh_database(kind, f"fieldcrm_bench_{method}", data_dir)
    env = {**os.environ, "DATA_DIR": data_dir, "DEBUG": "true"}
    out = subprocess.run([sys.executable, __file__, "_worker", method, path, database_url, str(rows)],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{method} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--baseline-rows", type=int, default=None, help="rows the naive baseline imports")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    baseline_rows = args.baseline_rows or args.rows
    from bench.customer_file import write_customer_file

    with tempfile.TemporaryDirectory() as data_dir:
        path = f"{data_dir}/customers.xlsx"
        started = time.perf_counter()
        write_customer_file(path, args.rows, MANAGERS)
        print(f"file: {args.rows} rows, {os.path.getsize(path) / 1e6:.1f} MB, written in "
              f"{time.perf_counter() - started:.1f} s; database: {args.database}; cpus: {os.cpu_count()}")
        load_before = f"{os.getloadavg()[0]:.2f}"
        ours = run_worker("ours", path, args.database, args.rows, data_dir)
        naive = run_worker("naive", path, args.database, baseline_rows, data_dir)
    scaled = naive["seconds"] * args.rows / baseline_rows
    print(f"load average before the runs: {load_before}; after: {os.getloadavg()[0]:.2f}")
    print(f"{'method':<34}{'rows':>9}{'wall s':>9}{'rows/s':>9}{'CPU s':>8}{'DB CPU s':>10}{'peak MB':>9}")
    for label, figures in (("FieldCRM preview + commit", ours), ("naive openpyxl + save() per row", naive)):
        print(f"{label:<34}{figures['customers']:>9}{figures['seconds']:>9}"
              f"{figures['customers'] / figures['seconds']:>9.0f}{figures['cpu_s']:>8}{figures['db_cpu_s']:>10}"
              f"{figures['peak_rss_mb']:>9}")
    print(f"FieldCRM preview alone: {ours['preview_s']} s; phases (s): preview {ours['preview_phases']}, "
          f"commit {ours['commit_phases']}")
    note = "" if baseline_rows == args.rows else f" (baseline scaled linearly from {baseline_rows} rows)"
    print(f"naive time for {args.rows} rows: {scaled:.1f} s{note}")
    print(f"speed-up (wall): {scaled / ours['seconds']:.1f}x")
    print("CPU s = this process's CPU time; DB CPU s = the PostgreSQL server process's. On a busy machine wall "
          "time exceeds their sum; on an idle one it approaches it.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))
    else:
        main()
