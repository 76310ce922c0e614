"""The Parquet copy: month partitions, incremental refresh (only changed months are rewritten), atomic files,
the command and the job."""

import os
from datetime import date

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from fieldcrm.sales.analytics import store
from fieldcrm.sales.models import OrderLine
from fieldcrm.sales.tasks import refresh_after_import
from tests import analytics_data


@pytest.fixture
def data(db, settings, tmp_path, time_machine):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return analytics_data.build(time_machine)


def mtimes(root):
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("part.parquet")}


def test_a_second_refresh_rewrites_only_changed_months(data, settings, time_machine):
    first = store.refresh()
    assert first.rewritten["orders"] == ["2025-03", "2025-12", "2026-02", "2026-03"]
    assert first.rewritten["visits"] == ["2026-02", "2026-03"]
    assert store.fact_months("observations") == ["2026-02", "2026-03"]
    march = pq.read_table(store.analytics_dir() / "facts/orders/2026-03/part.parquet")
    assert march.num_rows == 5 and sum(march.column("quantity").to_pylist()) == 85
    assert sorted(march.column("cost").to_pylist()) == [750.0, 1200.0, 1700.0, 2400.0, 3400.0]

    time_machine.move_to(analytics_data.at("2026-04-03"))  # past the safety margin
    assert store.refresh().rewritten == {}
    line = OrderLine.objects.get(order_no="O005")  # the February line of A1
    line.quantity = 9
    line.save()
    before = mtimes(settings.ANALYTICS_DIR)
    assert store.refresh().rewritten == {"orders": ["2026-02"]}
    after = mtimes(settings.ANALYTICS_DIR)
    assert {k for k in after if after[k] != before[k]} == {"facts/orders/2026-02/part.parquet"}

    time_machine.move_to(analytics_data.at("2026-04-04"))
    store.refresh()  # a change within the safety margin of the last refresh is copied once more
    time_machine.move_to(analytics_data.at("2026-04-05"))
    OrderLine.objects.filter(order_no="O010").delete()  # December's only line: the month disappears
    report = store.refresh()
    assert report.removed == {"orders": ["2025-12"]} and report.rewritten == {}
    assert "2025-12" not in store.fact_months("orders")
    leftovers = [p for p in settings.ANALYTICS_DIR.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_an_import_names_its_months(data, time_machine):
    store.refresh()
    time_machine.move_to(analytics_data.at("2026-04-03"))
    refresh_after_import([date(2025, 3, 3)])  # runs in-process without a broker
    assert os.path.exists(store.analytics_dir() / "facts/orders/2025-03/part.parquet")
    assert store.refresh(months=["2025-03"]).rewritten == {"orders": ["2025-03"]}


def test_command(data, capsys, time_machine):
    call_command("refresh_analytics")
    assert "orders: rewrote 2025-03, 2025-12, 2026-02, 2026-03" in capsys.readouterr().out
    time_machine.move_to(analytics_data.at("2026-04-03"))
    call_command("refresh_analytics")
    assert "Nothing changed." in capsys.readouterr().out
    call_command("refresh_analytics", "--full")
    assert "visits: rewrote 2026-02, 2026-03" in capsys.readouterr().out


def test_an_empty_copy_answers_empty_tables(db, settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    from fieldcrm.sales.analytics import analyses, sources
    from fieldcrm.sales.analytics.periods import Period

    assert analyses.sales(sources.tables("duckdb"), Period(*analytics_data.MARCH)) == []
    store.refresh()
    assert analyses.customers(sources.tables("duckdb"), Period(*analytics_data.MARCH)) == []
