"""Today's route for the phone: the manager's own plan for this week (draft, submitted or approved), today's
stops in order with their reasons and problems, navigation links and the store's usual SKUs."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from urllib.parse import quote

from django.db.models import Count

from fieldcrm.customers.models import Customer
from fieldcrm.lib.coords import wgs84_to_bd09, wgs84_to_gcj02
from fieldcrm.visits.models import PlannedVisit, SkuObservation, WeekPlan

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


def todays_stops(manager, day: date) -> list[PlannedVisit]:
    monday = day - timedelta(days=day.weekday())
    return list(
        PlannedVisit.objects.filter(plan__manager=manager, plan__week_start=monday, plan__status__in=ROUTE_STATUSES,
                                    day=day)
        .select_related("customer", "done_visit")
        .order_by("sequence", "pk")
    )


def usual_skus(customers: list[Customer]) -> dict[int, list[str]]:
    """Each store's SKUs by how often they were observed there, most often first."""
    rows = (SkuObservation.objects.filter(visit__customer__in=customers)
            .values("visit__customer_id", "sku__code").annotate(n=Count("id")))
    counts: dict[int, Counter] = {}
    for row in rows:
        counts.setdefault(row["visit__customer_id"], Counter())[row["sku__code"]] = row["n"]
    return {pk: [code for code, _n in c.most_common(USUAL_SKUS)] for pk, c in counts.items()}
