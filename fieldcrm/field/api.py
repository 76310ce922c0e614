"""`GET /api/v1/today`: what the phone stores before the manager leaves — today's route in order with reasons,
problems, positions, navigation links and usual SKUs, the stores planned later this week whose open need
cannot wait for that visit, each of those visits' checklist, plus the manager's customers for an unplanned
visit. Read-only; every write goes through the visits, demands, market-report and photo endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view

from fieldcrm.customers.models import Customer
from fieldcrm.field.today import route, store
from fieldcrm.schemas import Day, LocalTime

router = Router(tags=["field app"])


class StoreOut(Schema):
    customer_code: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None


class LastFigures(Schema):
    stock_cartons: int | None
    retail_price: float | None = Field(description="元 per 条")


class LastVisitOut(Schema):
    day: date
    observations: dict[str, LastFigures] = Field(description="by SKU code: what was seen at the store's last "
                                                             "visit with SKU figures")


class StopOut(StoreOut):
    owner_name: str = ""
    phone: str = Field("", description="the store's phone: tap to call from the visit screen")
    planned_visit: int
    sequence: int
    arrival: LocalTime | None
    reasons: list[str] = Field(description="in the request's language")
    problems: str
    outcome: str
    navigation: dict[str, str] = Field(description="amap (GCJ-02), baidu_app and baidu (BD-09) links")
    usual_skus: list[str] = Field(description="SKU codes most observed at this store first")
    last_visit: LastVisitOut | None = Field(None, description="the last visit's figures, offered as 'same as last "
                                                              "time' (never recorded unless confirmed)")


class AlsoDueOut(StoreOut):
    planned_visit: int = Field(description="the visit planned later this week")
    planned_day: date
    planned_day_label: str = Field(description="planned_day as the phone shows it, in the request's language")
    needs: list[str] = Field(description="the open needs due before planned_day, in the request's language")
    navigation: dict[str, str]


class RouteOut(Schema):
    """What /field/ carries inline, so the route is on screen after one round trip."""

    day: date
    day_label: str = Field(description="the day as the phone shows it, in the request's language")
    generated_at: datetime = Field(description="when the server answered: the phone shows it as 'loaded at'")
    generated_label: str = Field(description="generated_at in the company's time zone (Asia/Shanghai), as shown")
    checkin_radius_m: int
    stops: list[StopOut]
    also_due: list[AlsoDueOut] = Field(description="stores planned later this week with an open need whose "
                                                   "deadline falls before that visit: overdue by then")


class ChecklistOut(Schema):
    customer_code: str
    items: list[dict[str, Any]] = Field(description="as GET /customers/{code}/checklist answers")


class TodayOut(RouteOut):
    customers: list[StoreOut] = Field(description="the manager's own customers, for an unplanned visit")
    checklists: list[ChecklistOut] = Field(description="the checklist of each stop and each also-due store")


@router.get("/today", response=TodayOut)
@decorate_view(gzip_page)  # JSON of names and addresses: a fifth of it once compressed, and no secret in it
def today(request, day: Day | None = None):
    """The signed-in manager's route for `day` (default today): their own plan only, so anyone else gets an
    empty route, never another manager's."""
    own = Customer.objects.visible_to(request.user).filter(manager=request.user).only(
        "customer_code", "name", "address", "latitude", "longitude").order_by("name")
    return route(request.user, day or timezone.localdate(), checklists=True) | {
        "customers": [store(customer) for customer in own]}
