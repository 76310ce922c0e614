"""The four analyses (metrics.md), each written once as Ibis expressions over the canonical tables
(`sources.tables(backend)`), for a half-open period, a grouping, filters and a scope.

Every function returns plain rows sorted by key: `[{"key": …, <metric>: value, <metric>_mom: …,
<metric>_yoy: …, "mom": …, "yoy": …}]`. `mom` / `yoy` are metrics.md's (this − that) / that against the
previous period of equal length and the same period last year, for every numeric metric (`<metric>_mom`) and,
bare, for the analysis' headline figure (sales: `volume_cases`, brands: `volume_cartons`, market:
`price_compliance_rate`, customers: `order_rate`). Numbers are unrounded; a figure that is undefined (nothing
to divide by, no previous period) is None.

Customers belong to the group of their *current* manager, territory and area (the dimension snapshot)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import ibis
from ibis import _

from fieldcrm.sales.analytics.periods import CUSTOMER_GROUPS, GROUPS, PRODUCT_GROUPS, Period, Scope
from fieldcrm.sales.analytics.sources import Tables

Row = dict[str, Any]
EVERYTHING = Scope()  # every company and manager: for jobs and tests; requests pass the user's scope
Filters = Mapping[str, str]
CASE_CARTONS = 250  # 1 箱 = 250 条
OPINION_TOPICS = ("ordering", "supply", "delivery", "price", "product", "service", "other")


# --- shared pieces ------------------------------------------------------------------------------------------


# Filters on a customer's attributes that are not groupings: the guidance letter's peers (same tier and
# business format, active stores). Tiers are numbers in the table and text in a filter.
CUSTOMER_ATTRIBUTES = {"tier": ("tier", int), "format": ("business_format", str), "status": ("status", str)}


def _customers(t: Tables, scope: Scope, filters: Filters) -> ibis.Table:
    c = t["customers"]
    if scope.company_id is not None:
        c = c.filter(c.company_id == scope.company_id)
    if scope.manager_ids is not None:
        ids = sorted(scope.manager_ids)
        c = c.filter(c.manager_id.isin(ids) if ids else ibis.literal(False))
    for name, column in CUSTOMER_GROUPS.items():
        if filters.get(name) is not None:
            c = c.filter(c[column] == filters[name])
    for name, (column, kind) in CUSTOMER_ATTRIBUTES.items():
        if filters.get(name) is not None:
            c = c.filter(c[column] == kind(filters[name]))
    return c


def _skus(t: Tables, filters: Filters) -> ibis.Table:
    s = t["skus"]
    for name, column in PRODUCT_GROUPS.items():
        if filters.get(name) is not None:
            s = s.filter(s[column] == filters[name])
    return s


def _with_key(table: ibis.Table, group_by: str) -> ibis.Table:
    return table.mutate(key=table[GROUPS[group_by]])


def _lines(t: Tables, scope: Scope, filters: Filters, group_by: str, orders: ibis.Table | None = None) -> ibis.Table:
    """Order lines (of `orders`, default all) in scope with their customer's and SKU's attributes and the
    group key."""
    lines = t["orders"] if orders is None else orders
    lines = lines.join(_customers(t, scope, filters), "customer_id").join(_skus(t, filters), "sku_id")
    return _with_key(lines, group_by)


def _orders_within(t: Tables, periods: Iterable[Period]) -> ibis.Table:
    """The order lines of any of `periods`, as one plain date range per stretch of overlapping or adjacent
    periods (a range filter lets DuckDB skip the Parquet row groups outside it; an OR of ranges does not)."""
    stretches: list[list] = []
    for p in sorted(periods, key=lambda p: p.start):
        if stretches and p.start <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], p.end)
        else:
            stretches.append([p.start, p.end])
    o = t["orders"]
    parts = [o.filter((o.order_date >= start) & (o.order_date < end)) for start, end in stretches]
    return parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)


def _within(day: ibis.Value, period: Period) -> ibis.Value:
    return (day >= period.start) & (day < period.end)


def _active_on(c: ibis.Table, day) -> ibis.Value:
    """Licence live on `day` (metrics.md: the last day of the period)."""
    return (c.licence_start.isnull() | (c.licence_start <= day)) & (c.licence_end.isnull() | (c.licence_end > day))


def _flag(condition: ibis.Value) -> ibis.Value:
    return condition.ifelse(1, 0)


def _records(expr: ibis.Table) -> list[Row]:
    """The rows of a (small, aggregated) result as plain Python values (PostgreSQL's numeric sums as numbers)."""
    return [{k: _plain(v) for k, v in row.items()} for row in expr.to_pyarrow().to_pylist()]


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _div(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _change(this, that):
    """metrics.md `yoy` / `mom`: (this − that) / that."""
    if this is None or that is None or that == 0:
        return None
    return (this - that) / that


def _sort_key(row: Row):
    return (row["key"] is None, str(row["key"]))


def _compare(current: dict, previous: dict, last_year: dict, headline: str) -> list[Row]:
    """Rows of this period with `<metric>_mom` / `<metric>_yoy` for each numeric metric, and bare `mom` / `yoy`
    for the headline one."""
    rows = []
    for key, figures in current.items():
        row: Row = {"key": key, **figures}
        for metric, value in figures.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row[f"{metric}_mom"] = _change(value, previous.get(key, {}).get(metric))
                row[f"{metric}_yoy"] = _change(value, last_year.get(key, {}).get(metric))
        row["mom"], row["yoy"] = row.get(f"{headline}_mom"), row.get(f"{headline}_yoy")
        rows.append(row)
    return sorted(rows, key=_sort_key)


def _three_periods(figures: Callable[[Period], dict], period: Period, headline: str) -> list[Row]:
    return _compare(figures(period), figures(period.previous()), figures(period.last_year()), headline)


def _check(group_by: str, allowed: Iterable[str] = GROUPS) -> None:
    if group_by not in allowed:
        raise ValueError(f"cannot group by {group_by!r} here")


# --- sales performance (销售业绩) -----------------------------------------------------------------------------

SALES_METRICS = ("volume_cartons", "volume_cases", "revenue", "gross_profit", "gross_margin", "revenue_per_case",
                 "avg_carton_price")


def sales_figures(quantity, amount, cost) -> dict:
    """metrics.md's sales figures from the sums of one group's lines."""
    if quantity is None:
        return {}
    cases = quantity / CASE_CARTONS
    profit = amount - cost
    return {"volume_cartons": quantity, "volume_cases": cases, "revenue": amount, "gross_profit": profit,
            "gross_margin": _div(profit, amount), "revenue_per_case": _div(amount, cases),
            "avg_carton_price": _div(amount, quantity)}


def sales(t: Tables, period: Period, group_by: str = "company", filters: Filters | None = None,
          scope: Scope = EVERYTHING) -> list[Row]:
    """Volume in 条 and 箱, revenue, gross profit and margin (cost at the order date), revenue per case and
    average carton price, per group, with mom / yoy. One query for the three periods."""
    _check(group_by)
    periods = {"this": period, "prev": period.previous(), "ly": period.last_year()}
    # Each period's lines labelled with it and grouped by (key, period): plain sums, where three sums per
    # period over the union (SUM … FILTER) took twice the time. Each scan is one date range, so DuckDB reads
    # only the Parquet row groups of that range.
    o = t["orders"]
    labelled = ibis.union(*(o.filter(_within(o.order_date, p)).mutate(period=ibis.literal(label))
                            for label, p in periods.items()), distinct=False)
    lines = _lines(t, scope, filters or {}, group_by, labelled)
    sums = lines.group_by(["key", "period"]).aggregate(
        quantity=lines.quantity.sum(), amount=lines.amount.sum(), cost=lines.cost.sum())
    found: dict[str, dict] = {label: {} for label in periods}
    for record in _records(sums):
        figures = sales_figures(record["quantity"], record["amount"], record["cost"])
        if figures:
            found[record["period"]][record["key"]] = figures
    return _compare(found["this"], found["prev"], found["ly"], "volume_cases")


# --- brands (品牌) ---------------------------------------------------------------------------------------------

BRAND_METRICS = ("volume_cartons", "share_of_volume", "distribution_rate", "repurchase_rate", "momentum",
                 "new_buyers")


def _active_counts(t: Tables, day, group_by: str, scope: Scope, filters: Filters) -> Callable[[Any], int]:
    """Active customers on `day`, per customer group (or in the whole scope for a product grouping)."""
    c = _customers(t, scope, filters)
    c = c.filter(_active_on(c, day))
    if group_by in CUSTOMER_GROUPS:
        counts = {r["key"]: r["n"] for r in _records(_with_key(c, group_by).group_by("key").aggregate(n=_.count()))}
        return lambda key: counts.get(key, 0)
    total = _records(c.aggregate(n=_.count()))[0]["n"]
    return lambda key: total


def _brand_figures(t: Tables, period: Period, group_by: str, scope: Scope, filters: Filters) -> dict:
    return _brand_figures_of(t, [period], group_by, scope, filters)[0]


def _brand_figures_of(t: Tables, periods: list[Period], group_by: str, scope: Scope, filters: Filters) -> list[dict]:
    """Each period's brand figures, from one pass over the lines all of them need (a period's own, the one
    before for repurchase and momentum, the four before for new buyers): this period and the previous share
    most of theirs."""
    orders = _orders_within(t, [Period(p.previous(4).start, p.end) for p in periods])
    customers, skus = _customers(t, scope, filters), _skus(t, filters)
    # Lines are grouped by one integer per (group, customer), which takes half the time of grouping by
    # (key text, customer): a customer grouping's key follows from the customer; a product group gets a small
    # number (`code`), and the pair is customer × a million + code. The keys are joined back afterwards.
    product = group_by in PRODUCT_GROUPS
    if product:
        skus = skus.mutate(code=ibis.dense_rank().over(order_by=skus[GROUPS[group_by]]))
        keys = _with_key(skus, group_by).group_by("code").aggregate(
            key=_.key.max(), **({"brand": _.brand.max(), "price_class": _.price_class.max()}
                                if group_by == "sku" else {}))
    else:
        keys = _with_key(customers, group_by).select(code="customer_id", key="key")
    lines = orders.join(customers, "customer_id").join(skus, "sku_id")
    pair = lines.customer_id * 1_000_000 + lines.code if product else lines.customer_id
    day = lines.order_date
    per_customer_sums: dict = {}
    for i, p in enumerate(periods):
        now, then, earlier = _within(day, p), _within(day, p.previous()), _within(day, p.previous(4))
        # Lines are counted by their (never null) day: reading the order numbers would cost a string column.
        per_customer_sums.update({
            f"n_now__{i}": day.count(where=now), f"n_then__{i}": day.count(where=then),
            f"n_earlier__{i}": day.count(where=earlier),
            f"q_now__{i}": lines.quantity.sum(where=now), f"q_then__{i}": lines.quantity.sum(where=then)})
    p = lines.group_by(pair.name("pair")).aggregate(**per_customer_sums)
    p = p.mutate(code=p.pair % 1_000_000 if product else p.pair).join(keys, "code")
    extra = group_by == "sku"
    per_key_sums: dict = {}
    for i in range(len(periods)):
        now, then = p[f"n_now__{i}"] > 0, p[f"n_then__{i}"] > 0
        per_key_sums.update({
            f"buyers__{i}": _flag(now).sum(), f"buyers_then__{i}": _flag(then).sum(),
            f"repeat__{i}": _flag(now & then).sum(), f"new__{i}": _flag(now & (p[f"n_earlier__{i}"] == 0)).sum(),
            f"volume__{i}": p[f"q_now__{i}"].sum(), f"volume_then__{i}": p[f"q_then__{i}"].sum()})
    per_key = p.group_by("key").aggregate(
        **per_key_sums, **({"brand": p.brand.max(), "price_class": p.price_class.max()} if extra else {}))
    found = _records(per_key)
    return [_brand_rows(t, [_nth(r, i) for r in found], period, group_by, scope, filters, extra)
            for i, period in enumerate(periods)]


def _nth(record: Row, i: int) -> Row:
    """The `i`th period's figures from a record holding every period's (`buyers__0`, `buyers__1`, …)."""
    mine = {name.rsplit("__", 1)[0]: value for name, value in record.items() if name.endswith(f"__{i}")}
    return {**{name: value for name, value in record.items() if "__" not in name}, **mine}


def _brand_rows(t: Tables, found: list[Row], period: Period, group_by: str, scope: Scope, filters: Filters,
                extra: bool) -> dict:
    records = [r for r in found if r["buyers"]]
    active = _active_counts(t, period.last_day, group_by, scope, filters)
    total = sum(r["volume"] or 0 for r in records)
    result = {}
    for r in records:
        volume, volume_then = r["volume"] or 0, r["volume_then"] or 0
        result[r["key"]] = {
            **({"brand": r["brand"], "price_class": r["price_class"]} if extra else {}),
            "volume_cartons": volume,
            "share_of_volume": _div(volume, total),
            "distribution_rate": _div(r["buyers"], active(r["key"])),
            "repurchase_rate": _div(r["repeat"], r["buyers_then"]),
            "momentum": (None if not (r["buyers_then"] and volume_then)
                         else (volume / r["buyers"]) / (volume_then / r["buyers_then"]) * 100),
            "new_buyers": r["new"],
        }
    return result


def brands(t: Tables, period: Period, group_by: str = "brand", filters: Filters | None = None,
           scope: Scope = EVERYTHING) -> list[Row]:
    """Distribution, repurchase, momentum, new buyers and share of volume per group (a brand, SKU or price
    class — or a customer group, then of everything the filters leave), with mom / yoy. Distribution's
    denominator is the active customers of the customer group, or of the whole scope for product groups."""
    _check(group_by)
    filters = filters or {}
    this, previous, last_year = _brand_figures_of(t, [period, period.previous(), period.last_year()], group_by,
                                                  scope, filters)
    return _compare(this, previous, last_year, "volume_cartons")


# --- market (市场) ---------------------------------------------------------------------------------------------

MARKET_METRICS = ("price_compliance_rate", "avg_price_index", "stock_to_sales", "out_of_stock_rate")


def _observations(t: Tables, period: Period, group_by: str, scope: Scope, filters: Filters) -> ibis.Table:
    obs = t["observations"]
    obs = obs.filter(_within(obs.observed_on, period))
    obs = obs.join(_customers(t, scope, filters), "customer_id").join(_skus(t, filters), "sku_id")
    return _with_key(obs, group_by)


def _price_figures(obs, weights: dict) -> dict:
    priced = obs.filter(obs.retail_price.notnull())
    # within ±5 %: |seen − suggested| × 20 ≤ suggested (exact in binary, unlike × 0.05)
    compliance = priced.group_by("key").aggregate(
        priced=_.count(), compliant=_flag((priced.retail_price - priced.suggested_price).abs() * 20
                                          <= priced.suggested_price).sum())
    per_sku = priced.group_by(["key", "sku_id"]).aggregate(
        ratio=priced.retail_price.mean() / priced.suggested_price.max())
    result: dict = {}
    for r in _records(compliance):
        result.setdefault(r["key"], {})["price_compliance_rate"] = _div(r["compliant"], r["priced"])
    # The index from the few (key, SKU) ratios and the year's weights: Σ weight × ratio / Σ weight over the
    # SKUs observed in the group, the plain mean of the ratios when none of them sold.
    index: dict = {}
    for r in _records(per_sku):
        weight, ratio = weights.get((r["key"], r["sku_id"]), 0), r["ratio"]
        sums = index.setdefault(r["key"], {"weights": 0, "weighted": None, "ratios": []})
        sums["weights"] += weight
        if ratio is not None:
            sums["weighted"] = (sums["weighted"] or 0) + weight * ratio
            sums["ratios"].append(ratio)
    for key, sums in index.items():
        plain = sum(sums["ratios"]) / len(sums["ratios"]) if sums["ratios"] else None
        value = sums["weighted"] / sums["weights"] if sums["weights"] else plain
        result.setdefault(key, {})["avg_price_index"] = None if value is None else value * 100
    return result


def _yearly_weights(t, periods: list[Period], group_by, scope, filters) -> list[dict]:
    """For each period, each (key, SKU)'s volume over the twelve months before it: the price index's weights,
    {(key, sku_id): 条}. One pass over the lines of all the periods' years (a period's year and the previous
    period's share eleven months; last year's ends where this one's starts). The lines (some 40 M a year at
    city scale) are grouped by integers only — the SKU, and for a customer grouping a small number per group
    (`code`) — and the keys joined back to the few sums: grouping by the key text took half as long again."""
    customers, skus = _customers(t, scope, filters), _skus(t, filters)
    years = [p.twelve_months_before() for p in periods]
    lines = _orders_within(t, years)
    sums = {f"weight__{i}": lines.quantity.sum(where=_within(lines.order_date, year)) for i, year in enumerate(years)}
    if group_by in PRODUCT_GROUPS:
        lines = lines.join(customers.select("customer_id"), "customer_id").join(skus.select("sku_id"), "sku_id")
        found = lines.group_by("sku_id").aggregate(**sums).join(
            _with_key(skus, group_by).select("sku_id", "key"), "sku_id")
    else:
        keyed = _with_key(customers, group_by)
        keyed = keyed.mutate(code=ibis.dense_rank().over(order_by=keyed.key))
        lines = lines.join(keyed.select("customer_id", "code"), "customer_id").join(skus.select("sku_id"), "sku_id")
        codes = keyed.group_by("code").aggregate(key=keyed.key.max())
        found = lines.group_by(["code", "sku_id"]).aggregate(**sums).join(codes, "code")
    records = _records(found)
    return [{(r["key"], r["sku_id"]): r[f"weight__{i}"] or 0 for r in records} for i in range(len(periods))]


STOCK_WEEKS = 4  # stock-to-sales and out-of-stock look at the sales of the 4 weeks before an observation


def _stock_figures(t, obs, period: Period) -> dict:
    stocked = obs.filter(obs.stock_cartons.notnull())
    o = t["orders"]
    # Only the lines an observation of the period can look back to (the join would otherwise pair each
    # observation with every line the customer ever bought of the SKU, the whole history).
    o = o.filter((o.order_date >= period.start - timedelta(days=7 * STOCK_WEEKS)) & (o.order_date < period.end))
    joined = stocked.left_join(o, [stocked.customer_id == o.customer_id, stocked.sku_id == o.sku_id,
                                   o.order_date >= stocked.observed_on - ibis.interval(days=7 * STOCK_WEEKS),
                                   o.order_date < stocked.observed_on])
    per_obs = joined.group_by(["key", "visit_id", "sku_id", "stock_cartons"]).aggregate(
        sold=joined.quantity.sum(), lines=joined.order_no.count())
    p = per_obs
    sold = p.sold.notnull() & (p.sold > 0)
    ordered = p.lines > 0
    per_key = p.group_by("key").aggregate(
        stock=p.stock_cartons.sum(where=sold), weekly=(p.sold.cast("float64") / 4).sum(where=sold),
        ordered=_flag(ordered).sum(), out=_flag(ordered & (p.stock_cartons == 0)).sum())
    return {r["key"]: {"stock_to_sales": _div(r["stock"], r["weekly"]),
                       "out_of_stock_rate": _div(r["out"], r["ordered"])} for r in _records(per_key)}


def _opinion_figures(t, period: Period, group_by: str, scope: Scope, filters: Filters) -> dict:
    if group_by not in CUSTOMER_GROUPS:
        return {}
    ops = t["opinions"]
    ops = ops.filter(_within(ops.visited_on, period)).join(_customers(t, scope, filters), "customer_id")
    ops = _with_key(ops, group_by)
    per_key = ops.group_by("key").aggregate(
        opinions=_.count(), **{f"opinions_{topic}": _flag(ops.topic == topic).sum() for topic in OPINION_TOPICS})
    return {r.pop("key"): r for r in _records(per_key)}


def _market_figures(t: Tables, period: Period, group_by: str, scope: Scope, filters: Filters,
                    weights: dict | None = None) -> dict:
    obs = _observations(t, period, group_by, scope, filters)
    if weights is None:
        (weights,) = _yearly_weights(t, [period], group_by, scope, filters)
    parts = [_price_figures(obs, weights), _stock_figures(t, obs, period)]
    counts = {r["key"]: r["n"] for r in _records(obs.group_by("key").aggregate(n=_.count()))}
    opinions = _opinion_figures(t, period, group_by, scope, filters)
    empty_opinions = ({"opinions": 0, **{f"opinions_{topic}": 0 for topic in OPINION_TOPICS}}
                      if group_by in CUSTOMER_GROUPS else {})
    result = {}
    for key in set(counts) | set(opinions):
        row: Row = {metric: None for metric in MARKET_METRICS}
        for part in parts:
            row.update(part.get(key, {}))
        row["observations"] = counts.get(key, 0)
        row.update(opinions.get(key, empty_opinions))
        result[key] = row
    return result


def market(t: Tables, period: Period, group_by: str = "company", filters: Filters | None = None,
           scope: Scope = EVERYTHING) -> list[Row]:
    """Price compliance, price index, stock-to-sales and out-of-stock rate from the visits' SKU observations,
    and the retailers' opinions by topic (customer groupings only: an opinion names no SKU), with mom / yoy —
    the change in opinions on products, prices and supply is the consumer-demand signal the visits bring."""
    _check(group_by)
    filters = filters or {}
    periods = [period, period.previous(), period.last_year()]
    weights = _yearly_weights(t, periods, group_by, scope, filters)
    this, previous, last_year = (_market_figures(t, p, group_by, scope, filters, w)
                                 for p, w in zip(periods, weights, strict=True))
    return _compare(this, previous, last_year, "price_compliance_rate")


# --- customers (客户) ------------------------------------------------------------------------------------------

PROFIT_SITUATIONS = ("profit", "break_even", "loss")


def _first_and_last(table: ibis.Table, by: list[str], order: list[str]) -> ibis.Table:
    """Each group's rows numbered from the first (`first` = 0) and from the last (`last` = 0) by `order`."""
    return table.mutate(
        first=ibis.row_number().over(group_by=by, order_by=[table[o] for o in order]),
        last=ibis.row_number().over(group_by=by, order_by=[table[o].desc() for o in order]))


def _classification_figures(t, period: Period, keyed: ibis.Table) -> dict:
    ch = t["classification_changes"]
    ch = ch.filter(_within(ch.changed_on, period)).join(keyed, "customer_id")
    ranked = _first_and_last(ch, ["customer_id", "field"], ["changed_at", "change_id"])
    opened = ranked.filter(ranked.first == 0).select("customer_id", "field", "key", was="old_value")
    closed = ranked.filter(ranked["last"] == 0).select("customer_id", "field", now="new_value")
    moves = opened.join(closed, ["customer_id", "field"])
    # Tiers are compared as numbers (a class name never reaches the cast: Spark refuses to cast 'B类').
    tiers = moves.filter(moves.field == "tier")
    before, after = tiers.was.nullif("").cast("int64"), tiers.now.nullif("").cast("int64")
    tier_moves = tiers.group_by("key").aggregate(
        tier_changes=_flag(tiers.was != tiers.now).sum(), tier_up=_flag(after > before).sum(),
        tier_down=_flag(after < before).sum())
    classes = moves.filter(moves.field == "customer_class")
    class_moves = classes.group_by("key").aggregate(class_changes=_flag(classes.was != classes.now).sum())
    result: dict = {}
    for r in _records(tier_moves) + _records(class_moves):
        result.setdefault(r.pop("key"), {}).update(r)
    return result


def _visit_figures(t, period: Period, keyed: ibis.Table) -> dict:
    v = t["visits"]
    v = v.filter(_within(v.visited_on, period)).join(keyed, "customer_id")
    said = v.filter(v.profit_situation.notnull())
    said = _first_and_last(said, ["customer_id"], ["checked_in_at", "visit_id"])
    said = said.filter(said["last"] == 0)
    profit = said.group_by("key").aggregate(
        visited_customers=_.count(),
        **{f"{s}_customers": _flag(said.profit_situation == s).sum() for s in PROFIT_SITUATIONS})
    told = v.filter(v.monthly_sales_cartons.notnull())
    told = _first_and_last(told, ["customer_id"], ["checked_in_at", "visit_id"])
    told = told.filter(told["last"] == 0)
    monthly = told.group_by("key").aggregate(monthly_sales_cartons=told.monthly_sales_cartons.sum())
    result: dict = {}
    for r in _records(profit) + _records(monthly):
        result.setdefault(r.pop("key"), {}).update(r)
    return result


def _customer_figures(t: Tables, period: Period, group_by: str, scope: Scope, filters: Filters) -> dict:
    c = _with_key(_customers(t, scope, filters), group_by)
    active = _active_on(c, period.last_day)
    lines = t["orders"].join(_skus(t, filters), "sku_id")
    buyers = lines.filter(_within(lines.order_date, period)).select("customer_id").distinct()
    ordered = c.left_join(buyers.mutate(ordered=ibis.literal(1)), "customer_id")
    base = ordered.group_by("key").aggregate(
        customers_added=_flag(_within(ordered.licence_start, period)).sum(),
        customers_lost=_flag(_within(ordered.licence_end, period)).sum(),
        active_customers=_flag(active).sum(),
        ordering_customers=_flag(active & ordered.ordered.notnull()).sum())
    keyed = c.select("customer_id", "key")
    requests = t["change_requests"]
    requests = requests.filter(_within(requests.decided_on, period)).join(keyed, "customer_id")
    by_field = requests.group_by(["key", "field"]).aggregate(n=_.count())
    classes = _classification_figures(t, period, keyed)
    visits = _visit_figures(t, period, keyed)
    changes: dict = {}
    for r in _records(by_field):
        changes.setdefault(r["key"], {})[r["field"]] = r["n"]
    zero = {"tier_changes": 0, "tier_up": 0, "tier_down": 0, "class_changes": 0}
    unseen = {"visited_customers": 0, **{f"{s}_customers": 0 for s in PROFIT_SITUATIONS},
              "monthly_sales_cartons": None}
    result = {}
    for r in _records(base):
        key = r.pop("key")
        result[key] = {
            **r, "order_rate": _div(r["ordering_customers"], r["active_customers"]), **zero,
            **classes.get(key, {}), "profile_changes": sum(changes.get(key, {}).values()),
            "profile_changes_by_field": dict(sorted(changes.get(key, {}).items())), **unseen,
            **visits.get(key, {})}
    return result


def customers(t: Tables, period: Period, group_by: str = "company", filters: Filters | None = None,
              scope: Scope = EVERYTHING) -> list[Row]:
    """Customers added and lost, tier (up / down) and class moves, approved profile changes by field, order
    rate, and what the visits learned (each visited customer's latest profit situation and monthly sales
    estimate in the period), per customer group, with mom / yoy. Product filters narrow the order rate to
    orders of those products."""
    _check(group_by, CUSTOMER_GROUPS)
    filters = filters or {}
    return _three_periods(lambda p: _customer_figures(t, p, group_by, scope, filters), period, "order_rate")


ANALYSES = {"sales": sales, "brands": brands, "market": market, "customers": customers}
HEADLINES = {"sales": "volume_cases", "brands": "volume_cartons", "market": "price_compliance_rate",
             "customers": "order_rate"}
_PERIOD_FIGURES = {"brands": _brand_figures, "market": _market_figures, "customers": _customer_figures}


def series(kind: str, t: Tables, periods: list[Period], group_by: str = "company", filters: Filters | None = None,
           scope: Scope = EVERYTHING) -> list[list[Row]]:
    """Analysis `kind` for each of `periods` (a trend's months), the same rows as one call per period, but each
    period's figures worked out once however many periods and comparisons share it (twelve consecutive months
    need 25 periods' figures, not 36). Sales answers its three periods in one query already."""
    filters = filters or {}
    if kind == "sales":
        return [sales(t, p, group_by, filters, scope) for p in periods]
    _check(group_by, CUSTOMER_GROUPS if kind == "customers" else GROUPS)
    worked_out: dict[Period, dict] = {}

    def figures(p: Period) -> dict:
        if p not in worked_out:
            worked_out[p] = _PERIOD_FIGURES[kind](t, p, group_by, scope, filters)
        return worked_out[p]

    return [_compare(figures(p), figures(p.previous()), figures(p.last_year()), HEADLINES[kind]) for p in periods]

__all__ = ["ANALYSES", "BRAND_METRICS", "HEADLINES", "MARKET_METRICS", "SALES_METRICS", "brands", "customers", "market",
           "sales", "sales_figures", "series"]
