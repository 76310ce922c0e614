"""Today's route for the phone: the manager's own plan for this week (draft, submitted or approved), today's
stops in order with their reasons and problems, navigation links and the store's usual SKUs; and the stores
planned later this week whose open need cannot wait for that visit ("overdue by then", as the plan page says)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from urllib.parse import quote

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.utils import formats, timezone

from fieldcrm.customers.models import Customer
from fieldcrm.followup.models import Demand
from fieldcrm.followup.reasons import demand_reason_text, reason_args
from fieldcrm.lib.coords import wgs84_to_bd09, wgs84_to_gcj02
from fieldcrm.lib.periods import week_start
from fieldcrm.visits import checklist
from fieldcrm.visits.models import PlannedVisit, PlanningPolicy, SkuObservation, Visit, WeekPlan
from fieldcrm.visits.reasons import reason_text

USUAL_SKUS = 20  # a store carries 10-20 SKUs; its most observed ones come first on the capture screen
ROUTE_STATUSES = (WeekPlan.Status.DRAFT, WeekPlan.Status.SUBMITTED, WeekPlan.Status.APPROVED)


def navigation(customer: Customer) -> dict[str, str]:
    """AMap wants GCJ-02, Baidu BD-09; the store's position is stored in WGS-84."""
    if customer.longitude is None or customer.latitude is None:
        return {}
    name = quote(customer.name)
    gcj_lon, gcj_lat = wgs84_to_gcj02(customer.longitude, customer.latitude)
    bd_lon, bd_lat = wgs84_to_bd09(customer.longitude, customer.latitude)
    return {
        "amap": f"https://uri.amap.com/marker?position={gcj_lon:.6f},{gcj_lat:.6f}&name={name}",
        "baidu_app": f"baidumap://map/marker?location={bd_lat:.6f},{bd_lon:.6f}&title={name}"
                     "&coord_type=bd09ll&src=fieldcrm",
        "baidu": f"https://api.map.baidu.com/marker?location={bd_lat:.6f},{bd_lon:.6f}&title={name}"
                 "&content=&output=html&coord_type=bd09ll&src=fieldcrm",
    }


def _this_week(manager, day: date):
    return PlannedVisit.objects.filter(plan__manager=manager, plan__week_start=week_start(day),
                                       plan__status__in=ROUTE_STATUSES)


def todays_stops(manager, day: date) -> list[PlannedVisit]:
    return list(_this_week(manager, day).filter(day=day).select_related("customer", "done_visit")
                .order_by("sequence", "pk"))


def also_due(manager, day: date) -> list[tuple[PlannedVisit, list[Demand]]]:
    """This week's visits after `day`, not done yet, to stores not on (or visited) today, that are for a need
    still open and due before their day (`Demand.planned_visits`, "overdue by then" as the plan page says):
    the manager had better go today. Each comes with those needs, the earliest first."""
    overdue_needs = Prefetch("demands", to_attr="open_needs",
                             queryset=Demand.objects.open().only("pk", "kind", "description", "due_at"))
    later = (_this_week(manager, day).filter(day__gt=day, done_visit__isnull=True, demands__isnull=False)
             .exclude(customer__in=_this_week(manager, day).filter(day=day).values("customer"))
             .select_related("customer").prefetch_related(overdue_needs).distinct().order_by("day", "sequence", "pk"))
    found = []
    for visit in later:
        needs = sorted((need for need in visit.open_needs if timezone.localdate(need.due_at) < visit.day),
                       key=lambda need: (need.due_at, need.pk))
        if needs:
            found.append((visit, needs))
    if not found:
        return []
    visited = set(Visit.objects.filter(manager=manager, customer__in=[visit.customer_id for visit, _n in found],
                                       checked_in_at__date=day).values_list("customer_id", flat=True))
    return [(visit, needs) for visit, needs in found if visit.customer_id not in visited]


def usual_skus(customers: list[Customer]) -> dict[int, list[str]]:
    """Each store's SKUs by how often they were observed there, most often first."""
    rows = (SkuObservation.objects.filter(visit__customer__in=customers)
            .values("visit__customer_id", "sku__code").annotate(n=Count("id")))
    counts: dict[int, Counter] = {}
    for row in rows:
        counts.setdefault(row["visit__customer_id"], Counter())[row["sku__code"]] = row["n"]
    return {pk: [code for code, _n in c.most_common(USUAL_SKUS)] for pk, c in counts.items()}


def last_figures(customers: list[Customer]) -> dict[int, dict]:
    """Each store's last visit with SKU figures: when, and per SKU the stock and retail price seen then. The
    phone offers them as "same as last time", one tap a row; they are never recorded unless confirmed."""
    latest = (Visit.objects.filter(customer=OuterRef("pk"), observations__isnull=False)
              .order_by("-checked_in_at").values("pk")[:1])
    visits = dict(Customer.objects.filter(pk__in=[c.pk for c in customers]).annotate(last=Subquery(latest))
                  .filter(last__isnull=False).values_list("last", "pk"))
    found: dict[int, dict] = {}
    rows = (SkuObservation.objects.filter(visit_id__in=visits).select_related("visit", "sku")
            .only("visit__checked_in_at", "sku__code", "stock_cartons", "retail_price", "visit_id"))
    for row in rows:
        last = found.setdefault(visits[row.visit_id], {
            "day": timezone.localdate(row.visit.checked_in_at), "observations": {}})
        last["observations"][row.sku.code] = {
            "stock_cartons": row.stock_cartons,
            "retail_price": float(row.retail_price) if row.retail_price is not None else None}
    return found


def store(customer: Customer) -> dict:
    return {"customer_code": customer.customer_code, "name": customer.name, "address": customer.address,
            "latitude": customer.latitude, "longitude": customer.longitude}


def day_label(day: date) -> str:
    """'11月27日 周五' / 'Nov 27 Fri': drawn as it comes, so the phone needs no Intl (slow to start on a phone)."""
    return f"{formats.date_format(day, 'MONTH_DAY_FORMAT')} {formats.date_format(day, 'D')}"


def route(manager, day: date, *, checklists: bool = False) -> dict:
    """What the phone draws first: the day, today's stops and the needs that cannot wait (no customer list:
    the page carries this inline, so it stays small). With `checklists`, what each of those visits must cover
    (as `GET /customers/{code}/checklist` says): one request loads the day instead of one per store."""
    stops = todays_stops(manager, day)
    usual = usual_skus([stop.customer for stop in stops])
    last = last_figures([stop.customer for stop in stops])
    late = also_due(manager, day)
    now = timezone.localtime()  # the company's zone (Asia/Shanghai), whatever zone the phone is in
    payload = {
        "day": day,
        "day_label": day_label(day),
        "generated_at": now,
        "generated_label": f"{formats.date_format(now, 'MONTH_DAY_FORMAT')} {now:%H:%M}",
        "checkin_radius_m": PlanningPolicy.for_company(manager.company).checkin_radius_m
        if manager.company_id else 200,
        "stops": [
            store(stop.customer) | {
                "owner_name": stop.customer.owner_name, "phone": stop.customer.phone,
                "planned_visit": stop.pk, "sequence": stop.sequence, "arrival": stop.arrival,
                "reasons": [reason_text(reason) for reason in stop.reasons], "problems": stop.problems,
                "outcome": stop.outcome, "navigation": navigation(stop.customer),
                "usual_skus": usual.get(stop.customer_id, []),
                "last_visit": last.get(stop.customer_id),
            }
            for stop in stops
        ],
        "also_due": [
            store(visit.customer) | {
                "planned_visit": visit.pk, "planned_day": visit.day, "planned_day_label": day_label(visit.day),
                "needs": [demand_reason_text(reason_args(need, now)) for need in needs],
                "navigation": navigation(visit.customer),
            }
            for visit, needs in late
        ],
    }
    if checklists:
        visits: list[tuple[Customer, PlannedVisit | None]] = [(stop.customer, stop) for stop in stops]
        visits += [(visit.customer, None) for visit, _needs in late]  # an unplanned visit today
        payload["checklists"] = [
            {"customer_code": customer.customer_code,
             "items": [item.as_dict() for item in checklist.items_for(customer, day, manager, planned)]}
            for customer, planned in visits
        ]
    return payload
