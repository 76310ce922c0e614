"""Dashboards (issue 14 item 7): the four analyses and the six-duty scorecard as pages, drilled down by links,
every table exported to xlsx, and a retailer's monthly guidance letter (letters.py).

Nothing here computes a figure: every number comes from the analytics engine through `figures()`, the one
door, which also applies who may see what (a manager their own stores, a supervisor the team, department staff
and monopoly officers the company). Pages carry the rows as they are and hand charts the same rows as JSON.
Drill-down is a link that narrows the filters by the clicked row's key and groups by the next level:
company → area → territory → manager → customer (the retailer's page), and brand → SKU.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.customers.models import ClassificationChange, Customer
from fieldcrm.lib.sheets import write_rows_xlsx
from fieldcrm.org.models import User
from fieldcrm.sales import letters
from fieldcrm.sales.analytics.periods import CUSTOMER_GROUPS
from fieldcrm.sales.figures import (
    engine_tables,
    figure_series,
    figures,
    month_start,
    months_back,
    ranked,
    scorecard_rows,
)

KINDS = {
    "sales": gettext_lazy("Sales"),
    "brands": gettext_lazy("Brands"),
    "market": gettext_lazy("Market"),
    "customers": gettext_lazy("Customers"),
}
# The organisation's drill path, and the product's.
ORG_LEVELS = ["company", "area", "territory", "manager", "customer"]
PRODUCT_LEVELS = ["brand", "sku"]
PRICE_LEVELS = ["price_class", "sku"]
FILTERS = ["area", "territory", "manager", "customer", "brand", "sku", "price_class"]
GROUP_LABELS = {
    "company": gettext_lazy("Company"), "area": gettext_lazy("Marketing area"),
    "territory": gettext_lazy("Territory"), "manager": gettext_lazy("Manager"),
    "customer": gettext_lazy("Retailer"), "brand": gettext_lazy("Brand"), "sku": gettext_lazy("SKU"),
    "price_class": gettext_lazy("Price class"),
}
# Column titles for the metric names of metrics.md (any other column shows its own name).
METRIC_LABELS = {
    "volume_cartons": gettext_lazy("Volume (条)"), "volume_cases": gettext_lazy("Volume (箱)"),
    "revenue": gettext_lazy("Revenue (元)"), "gross_profit": gettext_lazy("Gross profit (元)"),
    "gross_margin": gettext_lazy("Gross margin"), "revenue_per_case": gettext_lazy("Revenue per case (元)"),
    "avg_carton_price": gettext_lazy("Average carton price (元)"), "yoy": gettext_lazy("YoY"),
    "mom": gettext_lazy("PoP"), "distribution_rate": gettext_lazy("Distribution"),
    "repurchase_rate": gettext_lazy("Repurchase"), "momentum": gettext_lazy("Momentum"),
    "new_buyers": gettext_lazy("New buyers"), "share_of_volume": gettext_lazy("Share of volume"),
    "price_compliance_rate": gettext_lazy("Price compliance"), "avg_price_index": gettext_lazy("Price index"),
    "stock_to_sales": gettext_lazy("Stock to sales"), "out_of_stock_rate": gettext_lazy("Out-of-stock rate"),
    "days_of_cover": gettext_lazy("Days of cover"), "oos_risk": gettext_lazy("Out-of-stock risk"),
    "customers_added": gettext_lazy("Added"), "customers_lost": gettext_lazy("Lost"),
    "tier_changes": gettext_lazy("Tier changes"), "class_changes": gettext_lazy("Class changes"),
    "profile_changes": gettext_lazy("Profile changes"), "order_rate": gettext_lazy("Order rate"),
    "profile_accuracy": gettext_lazy("Profiles accurate"), "change_latency_days": gettext_lazy("Change latency (days)"),
    "service_completion": gettext_lazy("Service done"), "plan_on_time": gettext_lazy("Plans on time"),
    "visit_completion": gettext_lazy("Visits done"), "demand_closure": gettext_lazy("Needs closed"),
    "market_reports": gettext_lazy("Market reports"), "sales_vs_target": gettext_lazy("Sales vs target"),
    "market_reports_confirmed": gettext_lazy("Reports confirmed"), "target_cases": gettext_lazy("Target (箱)"),
}
RATES = {"gross_margin", "distribution_rate", "repurchase_rate", "share_of_volume", "price_compliance_rate",
         "out_of_stock_rate", "order_rate", "profile_accuracy", "service_completion", "plan_on_time",
         "visit_completion", "demand_closure", "sales_vs_target", "market_reports_confirmed", "yoy", "mom"}
# The default first level and headline chart metric of each analysis.
HEADLINE = {"sales": "volume_cases", "brands": "share_of_volume", "market": "price_compliance_rate",
            "customers": "order_rate"}
TREND_MONTHS = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def no_store(response):
    """Pages and exports with personal data stay out of every cache."""
    response["Cache-Control"] = "private, no-store"
    return response


# --- the period ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-open range [start, end) as the period picker chose it."""

    kind: str  # month | quarter | custom
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m-%d} – {self.end - timedelta(days=1):%Y-%m-%d}"

    def query(self) -> dict:
        if self.kind == "custom":
            return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}
        return {"period": self.kind, "at": self.start.isoformat()}


class PeriodForm(forms.Form):
    PERIODS = [("month", gettext_lazy("Month")), ("quarter", gettext_lazy("Quarter")),
               ("custom", gettext_lazy("Custom"))]
    period = forms.ChoiceField(choices=PERIODS, required=False)
    at = forms.DateField(required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def period_or_default(self, today: date) -> Period:
        """The chosen period; by default the last whole month (this month has only just begun to be ordered)."""
        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("period") or "month"
        if kind == "custom":
            start, end = data.get("start"), data.get("end")
            if start and end and end > start and (end - start).days <= 3 * 366:
                return Period("custom", start, end)
            kind = "month"
        at = data.get("at") or month_start(today, 1)
        if kind == "quarter":
            start = date(at.year, (at.month - 1) // 3 * 3 + 1, 1)
            return Period("quarter", start, month_start(month_start(start, -3)))
        start = date(at.year, at.month, 1)
        return Period("month", start, month_start(start, -1))


def period_of(request) -> Period:
    return PeriodForm(request.GET).period_or_default(timezone.localdate())


def neighbours(period: Period) -> dict:
    """The picker's previous / next period of the same length."""
    months = {"month": 1, "quarter": 3}.get(period.kind)
    if months is None:
        length = period.end - period.start
        return {"previous": Period("custom", period.start - length, period.start),
                "next": Period("custom", period.end, period.end + length)}
    return {"previous": Period(period.kind, month_start(period.start, months), period.start),
            "next": Period(period.kind, period.end, month_start(period.end, -months))}


# --- drilling ---------------------------------------------------------------------------------------------------


def chosen_filters(request) -> dict[str, str]:
    return {name: request.GET[name].strip()[:60] for name in FILTERS if request.GET.get(name, "").strip()}


def next_level(group_by: str) -> str | None:
    for path in (ORG_LEVELS, PRODUCT_LEVELS, PRICE_LEVELS):
        if group_by in path and path.index(group_by) + 1 < len(path):
            return path[path.index(group_by) + 1]
    return None


def default_level(user, filters: dict) -> str:
    """Where a user starts: an admin or staff at the company, a supervisor at their managers, a manager at
    their stores; below the deepest filter already chosen."""
    for name in reversed(ORG_LEVELS[1:]):
        if name in filters:
            return next_level(name) or "customer"
    if user.is_manager:
        return "customer"
    if user.is_supervisor:
        return "manager"
    return "company"


def page_url(name: str, kind: str | None, period: Period, group_by: str, filters: dict) -> str:
    args = [kind] if kind else []
    return f"{reverse(name, args=args)}?{urlencode({**period.query(), 'group_by': group_by, **filters})}"


def drill_link(kind: str, period: Period, group_by: str, filters: dict, key) -> str | None:
    """Where a row's key leads: the retailer's page for a store, else the next level filtered by the key."""
    if key in (None, "") or group_by == "company":
        return page_url("sales:dashboard", kind, period, "area", filters) if group_by == "company" else None
    if group_by == "customer":
        return f"{reverse('sales:retailer', args=[key])}?{urlencode(period.query())}"
    deeper = next_level(group_by)
    if deeper is None:
        return None
    return page_url("sales:dashboard", kind, period, deeper, {**filters, group_by: str(key)})


def breadcrumbs(kind: str, period: Period, group_by: str, filters: dict) -> list[dict]:
    """The way back up: the company, then each chosen filter in drill order."""
    crumbs = [{"label": _("Company"), "url": page_url("sales:dashboard", kind, period, "area", {})}]
    kept: dict = {}
    for name in FILTERS:
        if name in filters:
            kept[name] = filters[name]
            crumbs.append({"label": f"{GROUP_LABELS[name]}: {filters[name]}",
                           "url": page_url("sales:dashboard", kind, period, next_level(name) or name, dict(kept))})
    return crumbs


def metric_label(name: str) -> str:
    """A column's heading: the metric's, or for `<metric>_yoy` / `<metric>_mom` the metric's with 同比 / 环比."""
    if name in METRIC_LABELS:
        return str(METRIC_LABELS[name])
    base, _, change = name.rpartition("_")
    if change in ("yoy", "mom") and base in METRIC_LABELS:
        return f"{METRIC_LABELS[base]} {METRIC_LABELS[change]}"
    return name


def is_rate(name: str) -> bool:
    return name in RATES or name.endswith(("_yoy", "_mom"))


def columns_of(rows: list[dict]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        for name in row:
            if name != "key" and name not in seen:
                seen.append(name)
    return seen


def table(kind: str, rows: list[dict], period: Period, group_by: str, filters: dict) -> dict:
    """Rows and columns for the page's table (the export writes the same rows)."""
    columns = columns_of(rows)
    return {
        "columns": [{"name": c, "label": metric_label(c), "rate": is_rate(c)} for c in columns],
        "rows": [{"key": row.get("key"), "link": drill_link(kind, period, group_by, filters, row.get("key")),
                  "cells": [{"value": row.get(c), "rate": is_rate(c)} for c in columns]} for row in rows],
    }


# --- charts (the same rows, as JSON for ECharts) ------------------------------------------------------------


def trend(kind: str, user, period: Period, filters: dict, tables) -> dict:
    """The headline metric month by month up to the period's end, with YoY and PoP per month."""
    metric = headline_of(kind, "company")
    points = []
    months = months_back(period.end, TREND_MONTHS)
    for (start, _end), rows in zip(months, figure_series(kind, user, months, "company", filters, tables=tables),
                                   strict=True):
        row = rows[0] if rows else {}
        points.append({"month": f"{start:%Y-%m}", "value": row.get(metric), "yoy": row.get(f"{metric}_yoy"),
                       "mom": row.get(f"{metric}_mom")})
    return {"metric": metric, "label": str(METRIC_LABELS[metric]), "points": points,
            "yoy": str(METRIC_LABELS["yoy"]), "mom": str(METRIC_LABELS["mom"])}


def headline_of(kind: str, group_by: str) -> str:
    """The metric a table is ordered by and its bars show (a brand's share only means something per product)."""
    return HEADLINE[kind] if kind != "brands" or group_by in ("brand", "sku", "price_class") else "volume_cartons"


def bars(kind: str, rows: list[dict], group_by: str) -> dict:
    metric = headline_of(kind, group_by)
    return {"metric": metric, "label": metric_label(metric),
            "keys": [str(r.get("key")) for r in rows[:30]], "values": [r.get(metric) for r in rows[:30]]}


def tier_migration(user, period: Period) -> dict:
    """Who moved from which tier to which in the period (the customers analysis counts them; this shows the
    pairs): each store's first logged 'from' and last logged 'to' of the period, where they differ."""
    changes = (ClassificationChange.objects.filter(
        field=ClassificationChange.Field.TIER, customer__in=Customer.objects.visible_to(user).values("pk"),
        changed_at__date__gte=period.start, changed_at__date__lt=period.end,
    ).order_by("customer_id", "changed_at", "pk").values_list("customer_id", "old_value", "new_value"))
    moves: dict[int, list[str]] = {}
    for customer_id, old, new in changes:
        moves.setdefault(customer_id, [old, new])[1] = new
    pairs: dict[tuple[str, str], int] = {}
    for old, new in moves.values():
        if old != new:
            pairs[(old, new)] = pairs.get((old, new), 0) + 1
    tiers = sorted({t for pair in pairs for t in pair}, key=lambda t: (len(t), t))
    return {"tiers": tiers, "cells": [[tiers.index(new), tiers.index(old), n] for (old, new), n in pairs.items()],
            "from": _("from tier"), "to": _("to tier")}


def compliance_map(user, rows: list[dict]) -> dict:
    """Each retailer's price compliance where it stands (WGS-84), for a scatter map without tiles."""
    by_code = {str(r.get("key")): r.get("price_compliance_rate") for r in rows}
    stores = Customer.objects.visible_to(user).filter(customer_code__in=list(by_code), latitude__isnull=False,
                                                      longitude__isnull=False)
    points = [[c.longitude, c.latitude, by_code[c.customer_code], c.customer_code, c.name]
              for c in stores.only("customer_code", "name", "latitude", "longitude")
              if by_code[c.customer_code] is not None]
    return {"points": points, "label": str(METRIC_LABELS["price_compliance_rate"]),
            "link": reverse("sales:retailer", args=["CODE"])}


# --- pages ----------------------------------------------------------------------------------------------------


def _can_analyse(user) -> None:
    if user.company_id is None and not user.is_superuser:
        raise PermissionDenied


def _group_by(request, user, filters, kind: str) -> str:
    """The grouping asked for, where the analysis has it (customers are counted by customer groups only)."""
    group_by = request.GET.get("group_by", "")
    allowed = CUSTOMER_GROUPS if kind == "customers" else GROUP_LABELS
    return group_by if group_by in allowed else default_level(user, filters)


@never_cache
@login_required
def dashboard(request, kind="sales"):
    if kind not in KINDS:
        raise Http404
    user = request.user
    _can_analyse(user)
    period, filters = period_of(request), chosen_filters(request)
    group_by = _group_by(request, user, filters, kind)
    tables = engine_tables()
    rows = ranked(figures(kind, user, period.start, period.end, group_by, filters, tables=tables),
                  headline_of(kind, group_by))
    charts = {"trend": trend(kind, user, period, filters, tables), "bars": bars(kind, rows, group_by)}
    if kind == "customers":
        charts["tiers"] = tier_migration(user, period)
    if kind == "market" and group_by == "customer":
        charts["map"] = compliance_map(user, rows)
    context = {
        "kind": kind,
        "kinds": [{"kind": k, "label": v, "url": page_url("sales:dashboard", k, period, group_by, filters)}
                  for k, v in KINDS.items()],
        "period": period, "periods": {k: page_url("sales:dashboard", kind, p, group_by, filters)
                                      for k, p in neighbours(period).items()},
        "form": PeriodForm(initial={"period": period.kind, "at": period.start, "start": period.start,
                                    "end": period.end}),
        "group_by": group_by, "group_label": GROUP_LABELS[group_by], "filters": filters,
        "levels": [{"name": g, "label": label, "url": page_url("sales:dashboard", kind, period, g, filters)}
                   for g, label in GROUP_LABELS.items()],
        "crumbs": breadcrumbs(kind, period, group_by, filters), "table": table(kind, rows, period, group_by, filters),
        "export": page_url("sales:export", kind, period, group_by, filters), "charts": charts,
        "keep": {"group_by": group_by, **filters}, "period_query": urlencode(period.query()),
    }
    return no_store(render(request, "sales/dashboard.html", context))


def xlsx_response(name: str, header: list, rows: list[list]) -> HttpResponse:
    output = io.BytesIO()
    write_rows_xlsx(output, header, rows, sheet_name=name[:31])
    response = HttpResponse(output.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return no_store(response)


def export_rows(group_by: str, rows: list[dict]) -> tuple[list, list[list]]:
    columns = columns_of(rows)
    header = [str(GROUP_LABELS.get(group_by, group_by))] + [metric_label(c) for c in columns]
    return header, [[row.get("key")] + [row.get(c) for c in columns] for row in rows]


@never_cache
@login_required
def export(request, kind):
    """The page's table as xlsx: the same rows, unrounded."""
    if kind not in KINDS:
        raise Http404
    user = request.user
    _can_analyse(user)
    period, filters = period_of(request), chosen_filters(request)
    group_by = _group_by(request, user, filters, kind)
    rows = ranked(figures(kind, user, period.start, period.end, group_by, filters), headline_of(kind, group_by))
    header, cells = export_rows(group_by, rows)
    return xlsx_response(f"{kind}-{group_by}-{period.start:%Y%m%d}-{period.end:%Y%m%d}", header, cells)


# The records behind each duty's figure: the page, and what it is filtered by (each page has its own filters:
# the manager where it takes one, the week or days of the period where it takes those).
DUTY_PAGES = {
    "profile_accuracy": ("customers:list", ("manager",)),
    "change_latency_days": ("customers:requests", ("approved",)),
    "service_completion": ("care:plan", ("done",)),
    "plan_on_time": ("visits:index", ("week",)),
    "visit_completion": ("visits:records", ("manager", "week")),
    "demand_closure": ("followup:demand_list", ("closed",)),
    "market_reports": ("monopoly:counts", ("days",)),
    "market_reports_confirmed": ("monopoly:counts", ("days",)),
    "volume_cases": ("sales:dashboard", ()), "target_cases": ("sales:dashboard", ()),
    "sales_vs_target": ("sales:dashboard", ()),
}


def first_monday(period: Period) -> date:
    """The first week starting in the period (a page that shows one week opens on it)."""
    return period.start + timedelta(days=-period.start.weekday() % 7)


def duty_link(metric: str, manager_pk, login: str, period: Period) -> str | None:
    page = DUTY_PAGES.get(metric)
    if page is None:
        return None
    name, by = page
    if name == "sales:dashboard":
        return page_url(name, "sales", period, "customer", {"manager": login})
    query: dict = {}
    if "manager" in by and manager_pk:
        query["manager"] = manager_pk
    if "week" in by:
        query["week"] = first_monday(period).isoformat()
    if "approved" in by:
        query["status"] = "approved"
    if "closed" in by:
        query["status"] = "closed"
    if "done" in by:
        query["window"] = "done"
    if "days" in by:
        query.update(period="days", start=period.start.isoformat(),
                     end=(period.end - timedelta(days=1)).isoformat())
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


@never_cache
@login_required
def scorecard(request):
    """One row per manager in the user's scope, the six duties side by side, each figure linking to the
    records behind it."""
    user = request.user
    _can_analyse(user)
    period = period_of(request)
    rows = scorecard_rows(user, period.start, period.end)
    if request.GET.get("format") == "xlsx":
        header, cells = export_rows("manager", rows)
        return xlsx_response(f"scorecard-{period.start:%Y%m%d}-{period.end:%Y%m%d}", header, cells)
    logins = [str(row.get("key")) for row in rows]
    people = {u.username: u for u in User.objects.filter(company_id=user.company_id, username__in=logins)}
    columns = columns_of(rows)
    lines = [{"key": login, "name": str(people[login]) if login in people else login,
              "cells": [{"value": row.get(c), "rate": c in RATES,
                         "link": duty_link(c, people[login].pk if login in people else None, login, period)}
                        for c in columns]} for login, row in zip(logins, rows, strict=True)]
    context = {"period": period, "columns": [{"name": c, "label": metric_label(c)} for c in columns],
               "rows": lines, "periods": {k: f"{reverse('sales:scorecard')}?{urlencode(p.query())}"
                                          for k, p in neighbours(period).items()},
               "form": PeriodForm(initial={"period": period.kind, "at": period.start, "start": period.start,
                                           "end": period.end}),
               "export": f"{reverse('sales:scorecard')}?{urlencode({**period.query(), 'format': 'xlsx'})}",
               "period_query": urlencode(period.query())}
    return no_store(render(request, "sales/scorecard.html", context))


@never_cache
@login_required
def retailer(request, code):
    """The bottom of the drill: one retailer's sales by brand, its trend, stock cover, and its letter."""
    customer = get_customer_for_user(request.user, code)
    period = period_of(request)
    filters = {"customer": customer.customer_code}
    tables = engine_tables()
    rows = ranked(figures("sales", request.user, period.start, period.end, "brand", filters, tables=tables),
                  "volume_cases")
    stock = figures("market", request.user, period.start, period.end, "sku", filters, tables=tables)
    context = {
        "customer": customer, "period": period,
        "periods": {k: f"{reverse('sales:retailer', args=[code])}?{urlencode(p.query())}"
                    for k, p in neighbours(period).items()},
        "table": table("sales", rows, period, "brand", filters),
        "stock": table("market", stock, period, "sku", filters),
        "charts": {"trend": trend("sales", request.user, period, filters, tables),
                   "bars": bars("sales", rows, "brand")},
        "export": page_url("sales:export", "sales", period, "brand", filters),
        "letter": f"{reverse('sales:letter', args=[code])}?{urlencode({'month': period.start.strftime('%Y-%m')})}",
        "up": page_url("sales:dashboard", "sales", period, "customer", {"manager": customer.manager.username}),
    }
    return no_store(render(request, "sales/retailer.html", context))


def _letter_month(request) -> date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return month_start(timezone.localdate(), 1)


@never_cache
@login_required
def letter(request, code):
    customer = get_customer_for_user(request.user, code)
    month = _letter_month(request)
    guidance = letters.build_letter(customer, month, request.user)
    base = reverse("sales:letter", args=[code])
    context = {"letter": guidance, "customer": customer, "month": month, "low_cover": letters.LOW_COVER_DAYS,
               "pdf_url": f"{reverse('sales:letter_pdf', args=[code])}?month={month:%Y-%m}",
               "previous": f"{base}?month={month_start(month, 1):%Y-%m}",
               "next": f"{base}?month={month_start(month, -1):%Y-%m}",
               "can_send": letters.can_send(request.user, customer)}
    return no_store(render(request, "sales/letter.html", context))


@never_cache
@login_required
def letter_pdf(request, code):
    customer = get_customer_for_user(request.user, code)
    month = _letter_month(request)
    pdf = letters.letter_pdf(letters.build_letter(customer, month, request.user))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="guidance-{customer.customer_code}-{month:%Y%m}.pdf"'
    return no_store(response)


@require_POST
@login_required
def letter_send(request, code):
    """Send the letter's summary to the retailer through the message sender (the store's own manager)."""
    customer = get_customer_for_user(request.user, code)
    if not letters.can_send(request.user, customer):
        raise PermissionDenied
    month = _letter_month(request)
    letters.send_letter(letters.build_letter(customer, month, request.user), by=request.user)
    from django.contrib import messages

    messages.success(request, _("Guidance letter sent to %(phone)s.") % {"phone": customer.phone})
    return redirect(f"{reverse('sales:letter', args=[code])}?month={month:%Y-%m}")
