"""Page times of the analysis pages on a demo-sized county: the demo (600 retailers, its visits, plans, needs
and reports) plus 15 months of order lines (each retailer orders weekly, 3 of the 10 SKUs per order), the
analytics copy refreshed, then each page fetched as it is served (Django's test client, the default DuckDB
backend over the Parquet copy).

Run: DATA_DIR=$(mktemp -d) .venv/bin/python -m bench.dashboards_bench [--managers 3] [--repeat 3]
(run again with the same DATA_DIR to time the pages on the data already built)
"""

import argparse
import datetime as dt
import os
import random
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldcrm.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from fieldcrm.catalog.models import Sku  # noqa: E402
from fieldcrm.customers.models import Customer  # noqa: E402
from fieldcrm.org.models import User  # noqa: E402
from fieldcrm.sales.analytics import store  # noqa: E402
from fieldcrm.sales.models import OrderLine  # noqa: E402

MONTHS = 15


def orders(seed: int = 1) -> int:
    rng = random.Random(seed)
    today = timezone.localdate()
    skus = list(Sku.objects.all())
    lines, n = [], 0
    for customer in Customer.objects.all().only("pk"):
        day = today - dt.timedelta(days=MONTHS * 30 + rng.randrange(7))
        while day < today:
            n += 1
            for sku in rng.sample(skus, min(3, len(skus))):
                quantity = rng.randint(1, 20)
                price = sku.wholesale_price or Decimal("100")
                lines.append(OrderLine(order_no=f"B{n:08d}", sku=sku, customer=customer, order_date=day,
                                       quantity=quantity, unit_price=price, amount=price * quantity,
                                       unit_cost=price * Decimal("0.85")))
            day += dt.timedelta(days=7)
    OrderLine.objects.bulk_create(lines, batch_size=5000)
    return len(lines)


def timed(client: Client, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--managers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    call_command("migrate", verbosity=0)
    if not User.objects.exists():
        began = time.perf_counter()
        call_command("seed_demo", managers=args.managers, verbosity=0)
        print(f"demo seeded in {time.perf_counter() - began:.0f} s")
    if not OrderLine.objects.filter(order_no__startswith="B").exists():
        began = time.perf_counter()
        print(f"{orders()} order lines in {time.perf_counter() - began:.0f} s")
        began = time.perf_counter()
        store.refresh(full=True)
        print(f"analytics copy refreshed in {time.perf_counter() - began:.1f} s")
    print(f"{OrderLine.objects.count()} order lines, {Customer.objects.count()} retailers")
    pages = [("supervisor1", "/analysis/scorecard/"), ("admin", "/analysis/scorecard/"),
             ("supervisor1", "/analysis/sales/"), ("supervisor1", "/analysis/brands/"),
             ("supervisor1", "/analysis/market/"), ("supervisor1", "/analysis/customers/"),
             ("manager1", "/analysis/sales/"), ("admin", "/analysis/sales/")]
    for login, url in pages:
        client = Client()
        client.force_login(User.objects.get(username=login))
        times = timed(client, url, args.repeat)
        print(f"{login:12} {url:28} first {times[0]:.2f} s, best {min(times):.2f} s")


if __name__ == "__main__":
    main()
