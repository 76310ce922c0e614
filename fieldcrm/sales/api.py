"""Analytics endpoints: GET /api/v1/analytics/{sales|brands|market|customers|scorecard}.

Query: `start`, `end` (ISO days, the half-open period [start, end)), `group_by` and optional filters by the
same names (`area`, `territory` by name, `manager` by login, `customer` by code, `brand` by name, `sku` by code,
`price_class` as 一类…五类). Answer: `{"rows": [{"key": …, <metric>: …}]}` with metrics.md's names, numbers
unrounded, null where undefined. Every figure is limited to what the caller may see (`scope.scope_for`): a
filter naming someone else's stores finds nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from fieldcrm.errors import InvalidInput
from fieldcrm.sales.analytics import analyses, sources
from fieldcrm.sales.analytics.periods import CUSTOMER_GROUPS, GROUPS, Period
from fieldcrm.sales.scope import scope_for
from fieldcrm.sales.scorecard import scorecard
from fieldcrm.schemas import Day, InputSchema, Text, refusals

router = Router(tags=["analytics"])
MAX_DAYS = 5 * 366  # longer periods would reach back decades for their comparisons


class AnalyticsQuery(InputSchema):
    start: Day
    end: Day
    group_by: str = "company"
    company: Text | None = None
    area: Text | None = None
    territory: Text | None = None
    manager: Text | None = None
    customer: Text | None = None
    brand: Text | None = None
    sku: Text | None = None
    price_class: Text | None = None


class AnalyticsOut(Schema):
    rows: list[dict[str, Any]]


def _period(query: AnalyticsQuery) -> Period:
    if query.end <= query.start:
        raise InvalidInput(_("The end must come after the start (the end day is not included)."), field="end")
    if (query.end - query.start).days > MAX_DAYS:
        raise InvalidInput(_("A period can be at most five years long."), field="end")
    return Period(query.start, query.end)


def _group_by(query: AnalyticsQuery, allowed) -> str:
    if query.group_by not in allowed:
        raise InvalidInput(_("Group by one of: %(names)s.") % {"names": ", ".join(allowed)}, field="group_by")
    return query.group_by


def _filters(query: AnalyticsQuery) -> dict[str, str]:
    return {name: value for name in GROUPS if (value := getattr(query, name)) is not None}


def _run(request, query: AnalyticsQuery, analysis: str, allowed=GROUPS) -> dict:
    period, group_by = _period(query), _group_by(query, allowed)
    rows = analyses.ANALYSES[analysis](sources.tables(), period, group_by, _filters(query), scope_for(request.user))
    return {"rows": rows}


ANSWERS = refusals({200: AnalyticsOut}, 400, 422)


@router.get("/analytics/sales", response=ANSWERS)
def analytics_sales(request, query: Query[AnalyticsQuery]):
    """Sales performance: volume_cartons, volume_cases, revenue, gross_profit, gross_margin, revenue_per_case,
    avg_carton_price, each with _mom / _yoy; mom / yoy of volume_cases."""
    return _run(request, query, "sales")


@router.get("/analytics/brands", response=ANSWERS)
def analytics_brands(request, query: Query[AnalyticsQuery]):
    """Brands: distribution_rate, repurchase_rate, momentum, new_buyers, share_of_volume, volume_cartons (and
    brand, price_class by SKU), each with _mom / _yoy."""
    return _run(request, query, "brands")


@router.get("/analytics/market", response=ANSWERS)
def analytics_market(request, query: Query[AnalyticsQuery]):
    """Market: price_compliance_rate, avg_price_index, stock_to_sales, out_of_stock_rate, observations, and
    opinions by topic (customer groupings), each with _mom / _yoy."""
    return _run(request, query, "market")


@router.get("/analytics/customers", response=ANSWERS)
def analytics_customers(request, query: Query[AnalyticsQuery]):
    """Customers: customers_added, customers_lost, tier_changes (tier_up, tier_down), class_changes,
    profile_changes (and by field), order_rate, and what visits learned; customer groupings only."""
    return _run(request, query, "customers", CUSTOMER_GROUPS)


@router.get("/analytics/scorecard", response=ANSWERS)
def analytics_scorecard(request, query: Query[AnalyticsQuery]):
    """The duty scorecard per customer manager: volume_cases, target_cases, sales_vs_target (duty 6), then
    the figures of duties 1–5 as their apps register them."""
    if query.group_by == "company":  # the default of the other analyses: here every row is a manager
        query.group_by = "manager"
    period, _ignored = _period(query), _group_by(query, ("manager",))
    return {"rows": scorecard(sources.tables(), period, scope_for(request.user), _filters(query))}


__all__ = ["router"]
