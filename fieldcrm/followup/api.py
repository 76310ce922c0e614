"""Needs endpoints (/api/v1/demands): the same permissions and actions as the pages (customers/access.py,
followup/actions.py). Bad input is 400 (422 when it does not fit the schema); closing a closed need is 409."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.errors import InvalidInput, Refusal
from fieldcrm.followup import actions
from fieldcrm.followup.access import get_demand_for_user
from fieldcrm.followup.models import Demand

router = Router(tags=["needs"])


class DemandOut(Schema):
    id: int
    customer_code: str
    customer_name: str
    kind: Demand.Kind
    description: str
    raised_by: str
    raised_at: datetime
    response_hours: int
    due_at: datetime
    overdue: bool
    status: Demand.Status
    closed_at: datetime | None
    closed_by: str | None
    resolution: str
    feedback_at: datetime | None = Field(description="when the retailer was told the outcome")

    @staticmethod
    def resolve_customer_code(obj):
        return obj.customer.customer_code

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_raised_by(obj):
        return obj.raised_by.username

    @staticmethod
    def resolve_closed_by(obj):
        return obj.closed_by.username if obj.closed_by_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()


class DemandFilters(Schema):
    status: Demand.Status | None = None
    customer_code: str | None = Field(None, max_length=20)
    overdue: bool | None = Field(None, description="true: open needs past their deadline only")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class RaiseIn(Schema):
    customer_code: str = Field(max_length=20)
    kind: Demand.Kind
    description: str = Field(min_length=1, max_length=actions.DESCRIPTION_MAX)
    raised_at: datetime | None = Field(None, description="when the retailer raised it (default now; not later)")
    client_uuid: UUID | None = Field(None, description="makes a repeated submission harmless")


class CloseIn(Schema):
    resolution: str = Field(min_length=1, max_length=actions.RESOLUTION_MAX)
    feedback_given: bool = Field(True, description="the retailer has been told the outcome")


class Message(Schema):
    detail: str


RELATED = ("customer__manager", "raised_by", "closed_by")


@router.get("/demands", response=list[DemandOut])
def list_demands(request, filters: Query[DemandFilters]):
    """Needs on the customers the user may see: open ones by deadline, closed ones latest first."""
    demands = Demand.objects.visible_to(request.user).select_related(*RELATED)
    if filters.status:
        demands = demands.filter(status=filters.status)
    if filters.status == Demand.Status.CLOSED:
        demands = demands.order_by("-closed_at", "-pk")
    if filters.customer_code:
        demands = demands.filter(customer__customer_code=filters.customer_code)
    if filters.overdue is not None:
        overdue = demands.overdue(timezone.now())
        demands = overdue if filters.overdue else demands.exclude(pk__in=overdue.values("pk"))
    return list(demands[filters.offset : filters.offset + filters.limit])


@router.get("/demands/{pk}", response=DemandOut)
def get_demand(request, pk: int):
    return get_demand_for_user(request.user, pk)


@router.post("/demands", response={200: DemandOut, 201: DemandOut, 400: Message})
def raise_demand(request, payload: RaiseIn):
    """Record a need; its deadline follows the customer's service standard. A repeated `client_uuid`
    returns the need already recorded (200)."""
    customer = get_customer_for_user(request.user, payload.customer_code, for_change=True)
    if payload.client_uuid:
        existing = Demand.objects.filter(client_uuid=payload.client_uuid, customer=customer).first()
        if existing is not None:
            return Status(200, get_demand_for_user(request.user, existing.pk))
    try:
        demand = actions.raise_demand(customer, kind=payload.kind, description=payload.description,
                                      by=request.user, raised_at=payload.raised_at, client_uuid=payload.client_uuid)
    except Refusal as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201, get_demand_for_user(request.user, demand.pk))


@router.post("/demands/{pk}/close", response={200: DemandOut, 400: Message})
def close_demand(request, pk: int, payload: CloseIn):
    demand = get_demand_for_user(request.user, pk, for_change=True)
    try:
        actions.close_demand(demand, by=request.user, resolution=payload.resolution,
                             feedback_given=payload.feedback_given)
    except InvalidInput as exc:
        return Status(400, {"detail": str(exc)})
    except Refusal as exc:
        raise HttpError(409, str(exc)) from exc
    return get_demand_for_user(request.user, pk)
