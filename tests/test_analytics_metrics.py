"""Every figure of the four analyses on the hand-built dataset (tests/analytics_data.py), equal to the number
worked out by hand, on each backend: DuckDB over the Parquet copy, PostgreSQL over the live tables (when the
suite runs on PostgreSQL) and Spark's local mode over the copy (one session for the module)."""

import shutil
from datetime import date

import pytest
from django.db import connection
from pytest import approx

from fieldcrm.sales.analytics import analyses, sources, store
from fieldcrm.sales.analytics.periods import Period, Scope
from tests import analytics_data
from tests.conftest import need_service

MARCH = Period(*analytics_data.MARCH)
BACKENDS = ["duckdb", "postgres", "spark"]
SMALL_SPARK = {"spark.sql.shuffle.partitions": "1", "spark.default.parallelism": "1", "spark.ui.enabled": "false",
               "spark.ui.showConsoleProgress": "false", "spark.driver.memory": "512m",
               "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
               "spark.sql.execution.arrow.pyspark.enabled": "true",
               "spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN",
               "spark.sql.adaptive.enabled": "false", "spark.sql.autoBroadcastJoinThreshold": "-1"}


@pytest.fixture(scope="module")
def spark():
    """One Spark session for the whole module (starting one takes seconds), tuned for a tiny dataset: one
    thread, one shuffle partition, no UI, a small heap with the quick JIT only, Arrow to hand rows back, no code
    generation (compiling it costs more than running these queries)."""
    if shutil.which("java") is None:
        need_service("java is not installed (Spark's local mode needs it)")
    from django.conf import settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "ANALYTICS_SPARK_MASTER", "local[1]")
        patch.setattr(settings, "ANALYTICS_SPARK_CONF", SMALL_SPARK)
        session = sources.spark_session()
    yield session
    session.stop()


@pytest.fixture
def data(db, settings, tmp_path, time_machine):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return analytics_data.build(time_machine)


@pytest.fixture(params=BACKENDS)
def tables(request, data):
    backend = request.param
    if backend == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite")
    if backend == "spark":
        request.getfixturevalue("spark")
    if backend != "postgres":
        store.refresh()
    return sources.tables(backend)


def by_key(rows):
    return {row["key"]: row for row in rows}


def check(row, expected):
    for metric, value in expected.items():
        assert row[metric] == (value if value is None or isinstance(value, (str, dict)) else approx(value)), metric


def test_sales(tables, data):
    revenue = 3816 + 1500 + 1908 + 3000 + 900
    cost = 3400 + 1200 + 1700 + 2400 + 750
    (company,) = analyses.sales(tables, MARCH)
    check(company, {
        "key": "沛县分公司", "volume_cartons": 85, "volume_cases": 85 / 250, "revenue": revenue,
        "gross_profit": revenue - cost, "gross_margin": (revenue - cost) / revenue,
        "revenue_per_case": revenue / (85 / 250), "avg_carton_price": revenue / 85,
        # previous period: 8 + 30 + 10 条 for 3052.8 + 2250 + 750; last year 6 + 20 条 for 2289.6 + 1500
        "volume_cases_mom": (85 - 48) / 48, "volume_cases_yoy": (85 - 26) / 26,
        "mom": (85 - 48) / 48, "yoy": (85 - 26) / 26,
        "revenue_mom": (revenue - 6052.8) / 6052.8, "revenue_yoy": (revenue - 3789.6) / 3789.6,
    })
    rows = by_key(analyses.sales(tables, MARCH, "manager"))
    assert set(rows) == {"alice", "charlie"}  # bob ordered nothing
    check(rows["alice"], {"volume_cartons": 35, "revenue": 7224, "gross_profit": 7224 - 6300,
                          "volume_cartons_mom": (35 - 8) / 8, "volume_cartons_yoy": (35 - 6) / 6})
    check(rows["charlie"], {"volume_cartons": 50, "revenue": 3900, "gross_margin": (3900 - 3150) / 3900,
                            "volume_cartons_mom": (50 - 40) / 40, "volume_cartons_yoy": (50 - 20) / 20})
    rows = by_key(analyses.sales(tables, MARCH, "price_class", filters={"area": "农村营销部"}))
    check(rows["二类"], {"volume_cartons": 50, "avg_carton_price": 3900 / 50})
    assert set(rows) == {"二类"}
    rows = by_key(analyses.sales(tables, MARCH, "sku", scope=Scope(manager_ids=frozenset({data["bob"].pk}))))
    assert rows == {}
    rows = by_key(analyses.sales(tables, MARCH, "customer", filters={"sku": "S4"}))
    check(rows[data["customers"]["C1"].customer_code], {"volume_cartons": 10, "revenue": 900,
                                                        "gross_profit": 150, "mom": None, "yoy": None})


def test_brands(tables, data):
    rows = by_key(analyses.brands(tables, MARCH, "brand"))
    assert set(rows) == {"中华", "红塔山"}
    # active on 31 March: A1 A2 A3 C1 C3 B1 (C2 closed on the 20th) = 6; on 28 February: all but A3 = 6
    check(rows["中华"], {"volume_cartons": 15, "share_of_volume": 15 / 85, "distribution_rate": 2 / 6,
                         "repurchase_rate": 1 / 1, "momentum": (15 / 2) / (8 / 1) * 100, "new_buyers": 0,
                         "volume_cartons_mom": (15 - 8) / 8, "volume_cartons_yoy": (15 - 6) / 6,
                         "distribution_rate_mom": (2 / 6 - 1 / 6) / (1 / 6)})
    check(rows["红塔山"], {"volume_cartons": 70, "share_of_volume": 70 / 85, "distribution_rate": 2 / 6,
                          "repurchase_rate": 1 / 2, "momentum": (70 / 2) / (40 / 2) * 100, "new_buyers": 1,
                          "volume_cartons_mom": (70 - 40) / 40, "volume_cartons_yoy": (70 - 20) / 20})
    rows = by_key(analyses.brands(tables, MARCH, "sku", filters={"brand": "红塔山"}))
    check(rows["S3"], {"brand": "红塔山", "price_class": "二类", "volume_cartons": 60, "share_of_volume": 60 / 70,
                       "repurchase_rate": 1 / 2, "momentum": (60 / 2) / (40 / 2) * 100, "new_buyers": 1})
    check(rows["S4"], {"volume_cartons": 10, "share_of_volume": 10 / 70, "distribution_rate": 1 / 6,
                       "repurchase_rate": None, "momentum": None, "new_buyers": 1, "mom": None})
    # by manager: the denominator is the manager's own active customers (alice 3, charlie 2)
    rows = by_key(analyses.brands(tables, MARCH, "manager"))
    check(rows["alice"], {"distribution_rate": 2 / 3, "repurchase_rate": 1.0, "new_buyers": 0,
                          "momentum": (35 / 2) / (8 / 1) * 100, "share_of_volume": 35 / 85})
    check(rows["charlie"], {"distribution_rate": 1 / 2, "repurchase_rate": 1 / 2, "new_buyers": 0,
                            "momentum": (50 / 1) / (40 / 2) * 100})


def test_market(tables, data):
    (company,) = analyses.market(tables, MARCH)
    index = (18 * (480 / 450) + 60 * (87.5 / 85) + 0 * (95 / 100)) / 78 * 100
    check(company, {
        "price_compliance_rate": 3 / 5, "avg_price_index": index, "stock_to_sales": 17 / (75 / 4),
        "out_of_stock_rate": 2 / 4, "observations": 6, "opinions": 3, "opinions_product": 2, "opinions_price": 1,
        "opinions_supply": 0, "opinions_product_mom": (2 - 1) / 1,
        # February's one price observation (80 against 85) was out of line: nothing to compare with
        "price_compliance_rate_mom": None, "mom": None, "yoy": None,
    })
    rows = by_key(analyses.market(tables, MARCH, "manager"))
    check(rows["alice"], {"price_compliance_rate": 1 / 3, "avg_price_index": 480 / 450 * 100,
                          "stock_to_sales": 5 / (35 / 4), "out_of_stock_rate": 2 / 3, "opinions": 2})
    check(rows["charlie"], {"price_compliance_rate": 2 / 2, "avg_price_index": 100.0, "stock_to_sales": 12 / 10,
                            "out_of_stock_rate": 0.0, "price_compliance_rate_mom": None})
    rows = by_key(analyses.market(tables, MARCH, "sku"))
    check(rows["S4"], {"price_compliance_rate": 1.0, "avg_price_index": 95.0, "stock_to_sales": None,
                       "out_of_stock_rate": None})
    check(rows["S2"], {"price_compliance_rate": None, "avg_price_index": None, "stock_to_sales": None,
                       "out_of_stock_rate": None, "observations": 1})
    assert "opinions" not in rows["S1"]  # an opinion names no SKU


def test_customers(tables, data):
    rows = by_key(analyses.customers(tables, MARCH, "manager"))
    assert set(rows) == {"alice", "bob", "charlie"}
    check(rows["alice"], {
        "customers_added": 1, "customers_lost": 0, "active_customers": 3, "ordering_customers": 2,
        "order_rate": 2 / 3, "order_rate_mom": (2 / 3 - 1 / 2) / (1 / 2), "mom": (2 / 3 - 1 / 2) / (1 / 2),
        "tier_changes": 1, "tier_up": 1, "tier_down": 0, "class_changes": 0,
        "profile_changes": 2, "profile_changes_by_field": {"address": 1, "phone": 1},
        "visited_customers": 2, "profit_customers": 0, "break_even_customers": 1, "loss_customers": 1,
        "monthly_sales_cartons": 320,
    })
    check(rows["charlie"], {
        "customers_added": 0, "customers_lost": 1, "active_customers": 2, "ordering_customers": 1,
        "order_rate": 1 / 2, "order_rate_mom": (1 / 2 - 2 / 3) / (2 / 3),
        "tier_changes": 1, "tier_up": 0, "tier_down": 1, "class_changes": 1, "tier_up_mom": -1.0,
        "profile_changes": 1, "profile_changes_by_field": {"phone": 1}, "profile_changes_mom": 0.0,
        "visited_customers": 1, "profit_customers": 1, "monthly_sales_cartons": 500,
    })
    check(rows["bob"], {"active_customers": 1, "order_rate": 0.0, "visited_customers": 0,
                        "monthly_sales_cartons": None})
    rows = by_key(analyses.customers(tables, MARCH, "area", filters={"brand": "中华"}))
    check(rows["城区营销部"], {"order_rate": 2 / 4, "active_customers": 4})  # A1 A2 A3 B1 (bob: manager's area)
    check(rows["农村营销部"], {"order_rate": 0.0, "customers_lost": 1})
    with pytest.raises(ValueError):
        analyses.customers(tables, MARCH, "brand")


def test_periods():
    assert MARCH.previous() == Period(date(2026, 1, 29), date(2026, 3, 1))
    assert MARCH.previous(4).start == date(2025, 10, 28)
    assert Period(date(2028, 2, 29), date(2028, 3, 1)).last_year() == Period(date(2027, 2, 28), date(2027, 3, 1))
    with pytest.raises(ValueError):
        Period(date(2026, 3, 1), date(2026, 3, 1))
