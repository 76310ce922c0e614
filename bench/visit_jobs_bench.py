"""Benchmark: next week's visit plans for many managers, fanned out to Celery workers over Redis.

    .venv/bin/python bench/visit_jobs_bench.py [--managers 150] [--stores 170] [--workers 2] [--time-limit 20]

Builds a fresh PostgreSQL database `fieldcrm_bench_jobs` with `--managers` managers of `--stores` retailers
each (key customers, visited weekly, order days Monday–Saturday, opening hours, spread over the county's
towns), starts `--workers` Celery worker processes (one job at a time each, as on a 2-core machine) on
Redis db 14, queues one planning run for every manager, and prints the total wall time, the per-job
times, the visits planned, and the ratio to running the same jobs one after another (the sum of the job
times: what a single worker would take).
"""

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "fieldcrm_bench_jobs"
BROKER = "redis://127.0.0.1:6379/14"


def build(managers: int, stores: int):
    from bench.import_bench import fresh_database

    url = fresh_database("postgres", DB_NAME, "")
    os.environ.update(DATABASE_URL=url, CELERY_BROKER_URL=BROKER, DJANGO_SETTINGS_MODULE="fieldcrm.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from fieldcrm.company_setup import setup_company
    from fieldcrm.customers.models import Customer, CustomerClass
    from fieldcrm.demo import TOWNS, URBAN_CENTRE
    from fieldcrm.org.models import MarketingArea, User

    call_command("migrate", verbosity=0)
    company = setup_company("基准分公司", "990000")
    area = MarketingArea.objects.create(company=company, name="基准营销部")
    User.objects.create(username="bench_admin", role=User.Role.ADMIN, company=company)
    key = CustomerClass.objects.get(company=company, name="重点客户")
    rng = random.Random(7)
    now = timezone.now()
    places = [URBAN_CENTRE] + [town[1:] for town in TOWNS]
    customers = []
    for m in range(managers):
        lat0, lon0 = places[m % len(places)]
        manager = User.objects.create(username=f"m{m:03d}", role=User.Role.MANAGER, company=company, area=area,
                                      start_latitude=lat0, start_longitude=lon0)
        for s in range(stores):
            opens = rng.choice([7, 8, 8, 9, 10])
            customers.append(Customer(
                company=company, customer_code=f"99{m:03d}{s:05d}", name=f"店{m}-{s}", license_no=f"99{m:03d}{s:05d}",
                owner_name="张", phone="13900000000", address="沛县", business_format="grocery", market_type="urban",
                latitude=lat0 + rng.gauss(0, 0.02), longitude=lon0 + rng.gauss(0, 0.025), customer_class=key,
                order_day=rng.randint(1, 6), opens_at=clock(opens, 0), closes_at=clock(rng.choice([12] + [20, 21, 22] * 3), 0),
                manager=manager, created_at=now - timedelta(days=400),
                phone_verified_at=now, address_verified_at=now, owner_name_verified_at=now,
                business_scale_verified_at=now,
            ))
    Customer.objects.bulk_create(customers, batch_size=5000)
    return company


def start_workers(count: int, time_limit: int) -> list[subprocess.Popen]:
    env = {**os.environ, "VISIT_PLAN_SECONDS": str(time_limit), "VISIT_PLAN_SOLVER_WORKERS": "1"}
    celery = str(Path(sys.executable).with_name("celery"))
    return [
        subprocess.Popen([celery, "-A", "fieldcrm", "worker", "--pool", "solo", "--loglevel", "WARNING",
                          "-n", f"bench{i}@%h", "--without-gossip", "--without-mingle"],
                         cwd=ROOT, env=env, start_new_session=True)
        for i in range(count)
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--managers", type=int, default=150)
    parser.add_argument("--stores", type=int, default=170)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=int, default=20, help="planner seconds per manager")
    args = parser.parse_args()

    started = time.perf_counter()
    company = build(args.managers, args.stores)
    print(f"built {args.managers} managers x {args.stores} stores in {time.perf_counter() - started:.1f} s")
    from fieldcrm.celery import app
    from fieldcrm.org.models import User
    from fieldcrm.visits.models import PlannedVisit, PlanningJob
    from fieldcrm.visits.tasks import managers_for, start_run
    from fieldcrm.visits.weeks import next_week_start

    app.control.purge()
    workers = start_workers(args.workers, args.time_limit)
    try:
        time.sleep(3)  # let the workers connect
        admin = User.objects.get(username="bench_admin")
        from django.utils import timezone

        t0 = time.perf_counter()
        run = start_run(company, next_week_start(timezone.localdate()), managers_for(admin, company), by=admin)
        last = -1
        while True:
            counts = run.counts()
            if counts["finished"] != last and counts["finished"] % 10 == 0:
                print(f"  {time.perf_counter() - t0:7.1f} s  {counts['finished']}/{counts['total']} finished")
                last = counts["finished"]
            if counts["finished"] >= counts["total"]:
                break
            time.sleep(1)
        wall = time.perf_counter() - t0
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    jobs = list(PlanningJob.objects.filter(run=run))
    durations = [(j.finished_at - j.started_at).total_seconds() for j in jobs if j.started_at and j.finished_at]
    visits = PlannedVisit.objects.filter(plan__week_start=run.week_start).count()
    unplanned = sum(len(j.plan.unplanned) for j in jobs if j.plan)
    load = os.getloadavg()
    print(f"\nplans for {len(jobs)} managers with {args.workers} Celery workers (Redis), {args.time_limit} s each")
    print(f"  done {counts['done']}, failed {counts['failed']}, retries {sum(j.attempts - 1 for j in jobs)}")
    print(f"  total wall time        {wall:8.1f} s")
    print(f"  per job p50 / p95 / max {statistics.median(durations):.1f} / "
          f"{statistics.quantiles(durations, n=20)[18]:.1f} / {max(durations):.1f} s")
    print(f"  one worker, one by one {sum(durations):8.1f} s  (sum of job times)  -> speed-up "
          f"{sum(durations) / wall:.2f}x")
    print(f"  visits planned {visits}, stores left unplanned {unplanned}")
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
