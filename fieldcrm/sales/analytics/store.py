"""The columnar copy (Parquet) the DuckDB and Spark backends read, under `settings.ANALYTICS_DIR`.

Layout (names and columns: `schema.py`):

    facts/<table>/<YYYY-MM>/part.parquet     orders, observations, visits, opinions, one file per month
    dims/<table>.parquet                     customers, skus, classification_changes, change_requests
    state.json                               watermarks and per-month row counts of the last refresh

Every file is written beside its final name and `os.replace`d, so a reader sees the old file or the new one,
never half of one. A refresh rewrites only the months that changed: order lines whose `changed_at` (visits:
received `created_at`) is past the last watermark (less a safety margin for transactions that committed
late), plus any month whose row count differs from the copy's (which catches deletions). Dimensions are small
and rewritten whole. `refresh(full=True)` rewrites everything and drops months that no longer exist."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fieldcrm.catalog.models import Sku
from fieldcrm.customers.models import ChangeRequest, ClassificationChange, Customer
from fieldcrm.sales.analytics.schema import DIMENSIONS, ENDED_STATUSES, FACTS, PRICE_CLASS_LABELS
from fieldcrm.sales.models import OrderLine
from fieldcrm.visits.models import SkuObservation, Visit, VisitOpinion

# Rows written in a transaction that committed after the last refresh read may carry an older stamp.
SAFETY_MARGIN = timedelta(hours=1)
# The facts that come from visits share one watermark (a visit arrives with its observations and opinions).
VISIT_FACTS = ("observations", "visits", "opinions")


@dataclass
class RefreshReport:
    rewritten: dict[str, list[str]] = field(default_factory=dict)  # fact → months (YYYY-MM) rewritten
    removed: dict[str, list[str]] = field(default_factory=dict)  # fact → months dropped (now empty)


def analytics_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def fact_glob(name: str) -> str:
    return str(analytics_dir() / "facts" / name / "*" / "part.parquet")


def fact_months(name: str) -> list[str]:
    """The months the copy holds for a fact, oldest first."""
    folder = analytics_dir() / "facts" / name
    return sorted(p.parent.name for p in folder.glob("*/part.parquet")) if folder.exists() else []


def dimension_path(name: str) -> Path:
    return analytics_dir() / "dims" / f"{name}.parquet"


def refresh(*, full: bool = False, months: Iterable[str | date] = ()) -> RefreshReport:
    """Bring the copy up to date: changed months of each fact (plus `months` of orders, e.g. those an import
    just wrote), every dimension. Safe to run from several processes: they take turns on a lock file."""
    forced = {_month_key(m) for m in months}
    report = RefreshReport()
    with _lock():
        state = _read_state()
        now = timezone.now()
        _refresh_orders(state, now, full, forced, report)
        _refresh_visit_facts(state, now, full, report)
        for name in DIMENSIONS:
            _write_atomic(dimension_path(name), _DIMENSION_BUILDERS[name]())
        _write_state(state)
    return report


def refresh_after_import(months: Iterable[str | date]) -> RefreshReport:
    """What the order import calls once its lines are written: those months (and anything else changed)."""
    return refresh(months=months)


# --- facts --------------------------------------------------------------------------------------------------


def _refresh_orders(state: dict, now: datetime, full: bool, forced: set[str], report: RefreshReport) -> None:
    mine = state.setdefault("orders", {})
    counts = _month_counts(OrderLine.objects.annotate(m=TruncMonth("order_date")))
    touched = set(counts) if full else _changed_months(
        mine, counts, OrderLine.objects.filter, "changed_at", TruncMonth("order_date")) | forced
    _rewrite("orders", touched, counts, full, report)
    mine.update(watermark=now.isoformat(), counts=counts)


def _refresh_visit_facts(state: dict, now: datetime, full: bool, report: RefreshReport) -> None:
    mine = state.setdefault("visits", {})
    month = TruncMonth("checked_in_at", tzinfo=timezone.get_default_timezone())
    counts = _month_counts(Visit.objects.annotate(m=month))
    touched = set(counts) if full else _changed_months(mine, counts, Visit.objects.filter, "created_at", month)
    for name in VISIT_FACTS:
        _rewrite(name, touched, counts, full, report)
    mine.update(watermark=now.isoformat(), counts=counts)


def _month_counts(annotated) -> dict[str, int]:
    return {_month_key(row["m"]): row["n"] for row in annotated.values("m").annotate(n=Count("pk")).order_by()}


def _changed_months(mine: dict, counts: dict[str, int], select, stamp: str, month) -> set[str]:
    if "watermark" not in mine:
        return set(counts)
    since = datetime.fromisoformat(mine["watermark"]) - SAFETY_MARGIN
    changed = {_month_key(m) for m in select(**{f"{stamp}__gte": since}).annotate(m=month)
               .values_list("m", flat=True).distinct().order_by()}
    old = mine.get("counts", {})
    differing = {m for m in set(counts) | set(old) if counts.get(m) != old.get(m)}
    return changed | differing


def _rewrite(name: str, touched: set[str], counts: dict[str, int], full: bool, report: RefreshReport) -> None:
    folder = analytics_dir() / "facts" / name
    for month in sorted(touched):
        if month in counts:
            start = date.fromisoformat(month + "-01")
            _write_atomic(folder / month / "part.parquet", _FACT_BUILDERS[name](start, _next_month(start)))
            report.rewritten.setdefault(name, []).append(month)
        elif (folder / month).exists():
            shutil.rmtree(folder / month)
            report.removed.setdefault(name, []).append(month)
    if full and folder.exists():
        for stale in folder.iterdir():
            if stale.name not in counts and not stale.name.startswith("."):
                shutil.rmtree(stale)
                report.removed.setdefault(name, []).append(stale.name)


def _orders(start: date, end: date) -> pa.Table:
    rows = OrderLine.objects.filter(order_date__gte=start, order_date__lt=end).order_by("order_date", "pk")
    cols: dict[str, list] = defaultdict(list)
    for order_no, customer, sku, day, qty, amount, unit_cost in rows.values_list(
            "order_no", "customer_id", "sku_id", "order_date", "quantity", "amount", "unit_cost"):
        for key, value in (("order_no", order_no), ("customer_id", customer), ("sku_id", sku),
                           ("order_date", day), ("quantity", qty), ("amount", float(amount)),
                           ("cost", float(qty * unit_cost))):
            cols[key].append(value)
    return _table("orders", cols)


def _local_span(start: date, end: date) -> dict:
    tz = timezone.get_default_timezone()
    return {"gte": datetime.combine(start, time(), tz), "lt": datetime.combine(end, time(), tz)}


def _visits_in(start: date, end: date, prefix: str = ""):
    span = _local_span(start, end)
    return {f"{prefix}checked_in_at__gte": span["gte"], f"{prefix}checked_in_at__lt": span["lt"]}


def _observations(start: date, end: date) -> pa.Table:
    rows = SkuObservation.objects.filter(**_visits_in(start, end, "visit__")).order_by("pk").values_list(
        "visit_id", "visit__customer_id", "sku_id", "visit__checked_in_at", "stock_cartons", "retail_price")
    cols: dict[str, list] = defaultdict(list)
    for visit, customer, sku, at, stock, price in rows:
        for key, value in (("visit_id", visit), ("customer_id", customer), ("sku_id", sku),
                           ("observed_on", _local_day(at)), ("stock_cartons", stock),
                           ("retail_price", None if price is None else float(price))):
            cols[key].append(value)
    return _table("observations", cols)


def _visits(start: date, end: date) -> pa.Table:
    rows = Visit.objects.filter(**_visits_in(start, end)).order_by("pk").values_list(
        "pk", "customer_id", "checked_in_at", "profit_situation", "monthly_sales_cartons")
    cols: dict[str, list] = defaultdict(list)
    for visit, customer, at, profit, monthly in rows:
        for key, value in (("visit_id", visit), ("customer_id", customer), ("visited_on", _local_day(at)),
                           ("checked_in_at", _utc_naive(at)), ("profit_situation", profit or None),
                           ("monthly_sales_cartons", monthly)):
            cols[key].append(value)
    return _table("visits", cols)


def _opinions(start: date, end: date) -> pa.Table:
    rows = VisitOpinion.objects.filter(**_visits_in(start, end, "visit__")).order_by("pk").values_list(
        "pk", "visit_id", "visit__customer_id", "visit__checked_in_at", "topic")
    cols: dict[str, list] = defaultdict(list)
    for pk, visit, customer, at, topic in rows:
        for key, value in (("opinion_id", pk), ("visit_id", visit), ("customer_id", customer),
                           ("visited_on", _local_day(at)), ("topic", topic)):
            cols[key].append(value)
    return _table("opinions", cols)


_FACT_BUILDERS = {"orders": _orders, "observations": _observations, "visits": _visits, "opinions": _opinions}


# --- dimensions ---------------------------------------------------------------------------------------------


def _customers() -> pa.Table:
    ended = _licence_ends()
    cols: dict[str, list] = defaultdict(list)
    rows = Customer.objects.order_by("pk").values_list(
        "pk", "customer_code", "company_id", "company__name", "manager_id", "manager__username",
        "territory__area__name", "manager__area__name", "territory__name", "tier", "customer_class__name",
        "business_format", "market_type", "status", "created_at")
    for (pk, code, company_id, company, manager_id, manager, area, manager_area, territory, tier, cls, fmt,
         market, status, created) in rows:
        for key, value in (("customer_id", pk), ("customer_code", code), ("company_id", company_id),
                           ("company", company), ("manager_id", manager_id), ("manager", manager),
                           ("area", area or manager_area), ("territory", territory), ("tier", tier),
                           ("customer_class", cls), ("business_format", fmt), ("market_type", market),
                           ("status", status), ("licence_start", _local_day(created)),
                           ("licence_end", ended.get(pk))):
            cols[key].append(value)
    return _table("customers", cols)


def _licence_ends() -> dict[int, date]:
    """For each closed or revoked customer, the day its licence ended: the first history record of its
    current closed/revoked run (the profile's last change when history has none)."""
    ended = dict(Customer.objects.filter(status__in=ENDED_STATUSES).values_list("pk", "updated_at"))
    runs: dict[int, datetime | None] = {}
    history = Customer.history.filter(id__in=list(ended)).order_by("id", "history_date", "history_id")
    for pk, status, at in history.values_list("id", "status", "history_date"):
        if status not in ENDED_STATUSES:
            runs[pk] = None
        elif runs.get(pk) is None:
            runs[pk] = at
    return {pk: _local_day(runs.get(pk) or updated) for pk, updated in ended.items()}


def _skus() -> pa.Table:
    cols: dict[str, list] = defaultdict(list)
    for pk, code, brand, price_class, retail, wholesale in Sku.objects.order_by("pk").values_list(
            "pk", "code", "brand__name", "price_class", "retail_price", "wholesale_price"):
        for key, value in (("sku_id", pk), ("sku_code", code), ("brand", brand),
                           ("price_class", PRICE_CLASS_LABELS.get(price_class, price_class)),
                           ("suggested_price", float(retail)), ("wholesale_price", float(wholesale))):
            cols[key].append(value)
    return _table("skus", cols)


def _classification_changes() -> pa.Table:
    cols: dict[str, list] = defaultdict(list)
    for pk, customer, fld, old, new, at in ClassificationChange.objects.order_by("pk").values_list(
            "pk", "customer_id", "field", "old_value", "new_value", "changed_at"):
        for key, value in (("change_id", pk), ("customer_id", customer), ("field", fld), ("old_value", old),
                           ("new_value", new), ("changed_at", _utc_naive(at)), ("changed_on", _local_day(at))):
            cols[key].append(value)
    return _table("classification_changes", cols)


def _change_requests() -> pa.Table:
    cols: dict[str, list] = defaultdict(list)
    approved = ChangeRequest.objects.filter(status=ChangeRequest.Status.APPROVED, decided_at__isnull=False)
    for pk, customer, fld, at in approved.order_by("pk").values_list("pk", "customer_id", "field", "decided_at"):
        assert at is not None  # filtered above
        for key, value in (("request_id", pk), ("customer_id", customer), ("field", fld),
                           ("decided_on", _local_day(at))):
            cols[key].append(value)
    return _table("change_requests", cols)


_DIMENSION_BUILDERS = {"customers": _customers, "skus": _skus, "classification_changes": _classification_changes,
                       "change_requests": _change_requests}


# --- files --------------------------------------------------------------------------------------------------


def _table(name: str, cols: dict[str, list]) -> pa.Table:
    schema = FACTS.get(name) or DIMENSIONS[name]
    return pa.table({f.name: pa.array(cols.get(f.name, []), type=f.type) for f in schema}, schema=schema)


def _write_atomic(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def _read_state() -> dict:
    path = analytics_dir() / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _write_state(state: dict) -> None:
    path = analytics_dir() / "state.json"
    temporary = path.with_name(f".state.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(temporary, path)


@contextmanager
def _lock():
    analytics_dir().mkdir(parents=True, exist_ok=True)
    with open(analytics_dir() / ".refresh.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _local_day(at: datetime | date) -> date:
    return timezone.localtime(at).date() if isinstance(at, datetime) else at


def _utc_naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if timezone.is_aware(at) else at


def _month_key(value: str | date | datetime) -> str:
    if isinstance(value, str):
        return value[:7]
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year:04d}-{value.month:02d}"


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
