"""The DuckDB tables are opened once per thread and kept while the Parquet copy is unchanged; a refresh that
rewrites a month makes the next request read the new copy (issue 14 "Performance")."""

import threading

import pytest

from fieldcrm.sales.analytics import analyses, sources, store
from fieldcrm.sales.analytics.periods import Period
from fieldcrm.sales.models import OrderLine
from tests import analytics_data


@pytest.fixture
def data(db, settings, tmp_path, time_machine):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return analytics_data.build(time_machine)


MARCH = Period(*analytics_data.MARCH)


def march_cartons(tables) -> int:
    (company,) = analyses.sales(tables, MARCH)
    return company["volume_cartons"]


def test_tables_are_kept_until_the_copy_changes(data, time_machine):
    store.refresh()
    first = sources.tables("duckdb")
    again = sources.tables("duckdb")
    assert again["orders"] is first["orders"]  # the same DuckDB view: nothing re-opened
    assert march_cartons(again) == 85

    time_machine.move_to(analytics_data.at("2026-04-03"))
    line = OrderLine.objects.filter(order_date__gte=MARCH.start, order_date__lt=MARCH.end).first()
    line.quantity += 10
    line.save()
    store.refresh()
    fresh = sources.tables("duckdb")
    assert fresh["orders"] is not first["orders"]
    assert march_cartons(fresh) == 95


def test_each_thread_has_its_own_connection(data):  # noqa: F811
    store.refresh()
    here = sources.tables("duckdb")
    there: dict = {}
    thread = threading.Thread(target=lambda: there.update(sources.tables("duckdb")))
    thread.start()
    thread.join()
    assert there["orders"] is not here["orders"]
    assert march_cartons(there) == march_cartons(here) == 85
