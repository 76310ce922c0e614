"""`GET /api/v1/today`: what the phone stores before the manager leaves — today's route in order with reasons,
problems, positions, navigation links and usual SKUs, plus the manager's customers for an unplanned visit.
Read-only; every write goes through the visits, demands, market-report and photo endpoints."""

from __future__ import annotations

from datetime import date, time

from django.utils import timezone
from ninja import Field, Router, Schema

from fieldcrm.customers.models import Customer
from fieldcrm.field.today import navigation, todays_stops, usual_skus
from fieldcrm.schemas import Day
from fieldcrm.visits.models import PlanningPolicy
from fieldcrm.visits.reasons import reason_text

router = Router(tags=["field app"])


class StoreOut(Schema):
    customer_code: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None


class StopOut(StoreOut):
    planned_visit: int
    sequence: int
    arrival: time | None
    reasons: list[str] = Field(description="in the request's language")
    problems: str
    outcome: str
    navigation: dict[str, str] = Field(description="amap (GCJ-02), baidu_app and baidu (BD-09) links")
    usual_skus: list[str] = Field(description="SKU codes most observed at this store first")


class TodayOut(Schema):
    day: date
    checkin_radius_m: int
    stops: list[StopOut]
    customers: list[StoreOut] = Field(description="the manager's own customers, for an unplanned visit")


def _store(customer: Customer) -> dict:
    return {"customer_code": customer.customer_code, "name": customer.name, "address": customer.address,
            "latitude": customer.latitude, "longitude": customer.longitude}


@router.get("/today", response=TodayOut)
def today(request, day: Day | None = None):
    """The signed-in manager's route for `day` (default today): their own plan only, so anyone else gets an
    empty route, never another manager's."""
    day = day or timezone.localdate()
    stops = todays_stops(request.user, day)
    usual = usual_skus([stop.customer for stop in stops])
    own = Customer.objects.visible_to(request.user).filter(manager=request.user).only(
        "customer_code", "name", "address", "latitude", "longitude").order_by("name")
    return {
        "day": day,
        "checkin_radius_m": PlanningPolicy.for_company(request.user.company).checkin_radius_m
        if request.user.company_id else 200,
        "stops": [
            _store(stop.customer) | {
                "planned_visit": stop.pk, "sequence": stop.sequence, "arrival": stop.arrival,
                "reasons": [reason_text(reason) for reason in stop.reasons], "problems": stop.problems,
                "outcome": stop.outcome, "navigation": navigation(stop.customer),
                "usual_skus": usual.get(stop.customer_id, []),
            }
            for stop in stops
        ],
        "customers": [_store(customer) for customer in own],
    }
