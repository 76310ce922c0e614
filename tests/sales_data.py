"""A small sales cast for the dashboard and letter tests: alice (town) has two grocery stores of tier 12, bob
(town) one of the same tier and format, charlie (rural) one; two brands; orders in May 2026 (the period the
pages show on TODAY), April 2026 (previous period) and May 2025 (last year)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fieldcrm.org.models import Territory
from fieldcrm.sales.models import OrderLine
from tests.factories import make_customer, make_sku

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 6, 10, 10, tzinfo=SHANGHAI)
MAY = date(2026, 5, 1)
_orders = iter(range(1, 10_000))


def order(customer, sku, day, quantity, price, cost):
    return OrderLine.objects.create(order_no=f"O{next(_orders):06d}", sku=sku, customer=customer, order_date=day,
                                    quantity=quantity, unit_price=Decimal(price),
                                    amount=Decimal(price) * quantity, unit_cost=Decimal(cost))


def make_sales(cast):
    town = Territory.objects.get(name="汉城片区")
    rural = Territory.objects.get(name="龙固片区")
    stores = {
        "a1": make_customer(cast["alice"], territory=town, latitude=34.72, longitude=116.93),
        "a2": make_customer(cast["alice"], territory=town, latitude=34.73, longitude=116.94),
        "b1": make_customer(cast["bob"], territory=town),
        "c1": make_customer(cast["charlie"], territory=rural, tier=5),
    }
    zhonghua = make_sku("6901028000001", "中华(硬)", brand="中华")
    yunyan = make_sku("6901028000002", "云烟(紫)", brand="云烟", price_class="4")
    order(stores["a1"], zhonghua, date(2026, 5, 6), 10, "400", "340")
    order(stores["a1"], yunyan, date(2026, 5, 13), 20, "100", "80")
    order(stores["a2"], zhonghua, date(2026, 5, 20), 5, "400", "340")
    order(stores["b1"], zhonghua, date(2026, 5, 7), 30, "400", "340")
    order(stores["c1"], yunyan, date(2026, 5, 8), 50, "100", "80")
    order(stores["a1"], zhonghua, date(2026, 4, 8), 5, "400", "340")
    order(stores["a1"], zhonghua, date(2025, 5, 9), 8, "400", "340")
    return {**stores, "zhonghua": zhonghua, "yunyan": yunyan}
