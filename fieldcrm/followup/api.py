"""Needs endpoints (/api/v1/demands): the same permissions and actions as the pages (customers/access.py,
followup/actions.py). Refusals map through the API's one handler: bad input 400 (422 when it does not fit the
schema), closing a closed need 409."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterLookup, Query, Router, Schema
from ninja.responses import Status

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.followup import actions
from fieldcrm.followup.access import get_demand_for_user
from fieldcrm.followup.models import Demand
from fieldcrm.schemas import CustomerCode, CustomerName, Id, InputSchema, ListFilters, Offset, refusals

router = Router(tags=["needs"])


class DemandOut(Schema):
    id: int
    customer_code: CustomerCode
    customer_name: CustomerName
    kind: Demand.Kind
    description: str
    raised_by: str = Field(alias="raised_by.username")
    raised_at: datetime
    response_hours: int
    due_at: datetime
    overdue: bool
    status: Demand.Status
    closed_at: datetime | None
    closed_by: str | None = Field(None, alias="closed_by.username")
    resolution: str
    feedback_at: datetime | None = Field(description="when the retailer was told the outcome")

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()


class DemandFilters(ListFilters):
    status: Demand.Status | None = None
    customer_code: Annotated[str | None, FilterLookup("customer__customer_code")] = Field(None, max_length=20)
    overdue: bool | None = Field(None, description="true: open needs past their deadline only")
    limit: int = Field(100, ge=1, le=1000)
    offset: Offset = 0

    def filter_overdue(self, value) -> Q:
        if value is None:
            return Q()
        overdue = Q(pk__in=Demand.objects.overdue(timezone.now()).values("pk"))
        return overdue if value else ~overdue


class RaiseIn(InputSchema):
    customer_code: str = Field(max_length=20)
    kind: Demand.Kind
    description: str = Field(min_length=1, max_length=actions.DESCRIPTION_MAX)
    raised_at: datetime | None = Field(None, description="when the retailer raised it (default now; not later, "
                                                         "nor more than 30 days back)")
    client_uuid: UUID | None = Field(None, description="makes a repeated submission harmless")


class CloseIn(InputSchema):
    resolution: str = Field(min_length=1, max_length=actions.RESOLUTION_MAX)
    feedback_given: bool = Field(True, description="the retailer has been told the outcome")


RELATED = ("customer__manager", "raised_by", "closed_by")


@router.get("/demands", response=list[DemandOut])
def list_demands(request, filters: Query[DemandFilters]):
    """Needs on the customers the user may see: open ones by deadline, closed ones latest first."""
    demands = filters.filter(Demand.objects.visible_to(request.user).select_related(*RELATED))
    if filters.status == Demand.Status.CLOSED:
        demands = demands.order_by("-closed_at", "-pk")
    return list(filters.page(demands))


@router.get("/demands/{pk}", response=refusals({200: DemandOut}))
def get_demand(request, pk: Id):
    return get_demand_for_user(request.user, pk)


@router.post("/demands", response=refusals({200: DemandOut, 201: DemandOut}))
def raise_demand(request, payload: RaiseIn):
    """Record a need; its deadline follows the customer's service standard. A repeated `client_uuid`
    returns the need already recorded (200)."""
    customer = get_customer_for_user(request.user, payload.customer_code, for_change=True)
    if payload.client_uuid:
        existing = Demand.objects.filter(client_uuid=payload.client_uuid, customer=customer).first()
        if existing is not None:
            return Status(200, get_demand_for_user(request.user, existing.pk))
    demand = actions.raise_demand(customer, kind=payload.kind, description=payload.description,
                                  by=request.user, raised_at=payload.raised_at, client_uuid=payload.client_uuid)
    return Status(201, get_demand_for_user(request.user, demand.pk))


@router.post("/demands/{pk}/close", response=refusals({200: DemandOut}))
def close_demand(request, pk: Id, payload: CloseIn):
    demand = get_demand_for_user(request.user, pk, for_change=True)
    actions.close_demand(demand, by=request.user, resolution=payload.resolution, feedback_given=payload.feedback_given)
    return get_demand_for_user(request.user, pk)
