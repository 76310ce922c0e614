"""Needs endpoints (/api/v1/demands, per ../shared/docs/field-api.md): the same permissions and actions as the
pages (followup/access.py, followup/actions.py). Refusals map through the API's one handler: bad input 400
(422 when it does not fit the schema), a step the need's state does not allow 409 (closing without the
feedback step names the missing step), a step that is not the user's part 403."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.db.models import Prefetch, Q
from django.utils import timezone
from ninja import Field, FilterLookup, Query, Router, Schema
from ninja.responses import Status

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.followup import actions
from fieldcrm.followup.access import get_demand_for_user
from fieldcrm.followup.models import Demand, DemandStep
from fieldcrm.schemas import CustomerCode, CustomerName, Id, InputSchema, ListFilters, Offset, refusals

router = Router(tags=["needs"])
STEPS = Prefetch("steps", queryset=DemandStep.objects.select_related("by"))


class StepOut(Schema):
    action: DemandStep.Action
    by: str | None = Field(None, alias="by.username")
    at: datetime
    note: str


class DemandOut(Schema):
    id: int
    client_uuid: UUID
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
    department: str | None = Field(None, alias="department.kind", description="org department kind it is routed to")
    department_name: str | None = Field(None, alias="department.name")
    resolution: str
    resolved_at: datetime | None
    resolved_by: str | None = Field(None, alias="resolved_by.username")
    escalated_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None = Field(None, alias="closed_by.username")
    feedback_at: datetime | None = Field(description="when the retailer was told the outcome")
    feedback_channel: str
    retailer_response: str
    satisfied: bool | None
    timeline: list[StepOut]

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()

    @staticmethod
    def resolve_timeline(obj):
        prefetched = getattr(obj, "_prefetched_objects_cache", {}).get("steps")
        return list(prefetched if prefetched is not None else obj.steps.select_related("by"))


class DemandFilters(ListFilters):
    status: Demand.Status | None = None
    department: Annotated[str | None, FilterLookup("department__kind")] = Field(None, max_length=20)
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
    """Kept for older clients; closing is the feedback step (POST /demands/{id}/feedback)."""

    resolution: str | None = Field(None, max_length=actions.RESOLUTION_MAX, description="ignored")
    feedback_given: bool | None = Field(None, description="ignored")


class ResolveIn(InputSchema):
    resolution: str = Field(min_length=1, max_length=actions.RESOLUTION_MAX)


class HandBackIn(InputSchema):
    reason: str = Field(min_length=1, max_length=actions.REASON_MAX)


class FeedbackIn(InputSchema):
    channel: Demand.Channel
    retailer_response: str = Field("", max_length=actions.RESPONSE_MAX)
    satisfied: bool | None = None
    given_at: datetime | None = Field(None, description="when the retailer was told (default now)")
    client_uuid: UUID | None = Field(None, description="makes a repeated submission harmless")


RELATED = ("customer__manager", "raised_by", "closed_by", "resolved_by", "department")


@router.get("/demands", response=list[DemandOut])
def list_demands(request, filters: Query[DemandFilters]):
    """Needs on the customers the user may see: open ones by deadline, closed ones latest first."""
    demands = filters.filter(Demand.objects.visible_to(request.user).select_related(*RELATED)
                             .prefetch_related(STEPS))
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
    demand, created = actions.record_demand(customer, kind=payload.kind, description=payload.description,
                                            by=request.user, raised_at=payload.raised_at,
                                            client_uuid=payload.client_uuid)
    return Status(201 if created else 200, get_demand_for_user(request.user, demand.pk))


@router.post("/demands/{pk}/close", response=refusals({200: DemandOut}))
def close_demand(request, pk: Id, payload: CloseIn):
    """A need closes with the feedback step: here a need whose feedback is recorded is returned as it is
    (200), any other is refused (409) naming the missing step, and stays open."""
    demand = get_demand_for_user(request.user, pk, for_change=True)
    actions.close_demand(demand, by=request.user)
    return get_demand_for_user(request.user, pk)


@router.post("/demands/{pk}/accept", response=refusals({200: DemandOut}))
def accept_demand(request, pk: Id):
    """The department the need is routed to takes it on (again: no change)."""
    actions.accept_demand(get_demand_for_user(request.user, pk, for_change=True), by=request.user)
    return get_demand_for_user(request.user, pk)


@router.post("/demands/{pk}/resolve", response=refusals({200: DemandOut}))
def resolve_demand(request, pk: Id, payload: ResolveIn):
    """What was done: by the department, or by the manager settling it alone (the same again: no change)."""
    demand = get_demand_for_user(request.user, pk, for_change=True)
    actions.resolve_demand(demand, by=request.user, resolution=payload.resolution)
    return get_demand_for_user(request.user, pk)


@router.post("/demands/{pk}/hand-back", response=refusals({200: DemandOut}))
def hand_back_demand(request, pk: Id, payload: HandBackIn):
    """The department gives the need back to the manager, with the reason."""
    demand = get_demand_for_user(request.user, pk, for_change=True)
    actions.hand_back_demand(demand, by=request.user, reason=payload.reason)
    return get_demand_for_user(request.user, pk)


@router.post("/demands/{pk}/feedback", response=refusals({200: DemandOut}))
def record_feedback(request, pk: Id, payload: FeedbackIn):
    """The manager told the retailer the outcome: this closes the need. The same `client_uuid` again
    returns the closed need unchanged."""
    demand = get_demand_for_user(request.user, pk, for_change=True)
    actions.record_feedback(demand, by=request.user, channel=payload.channel,
                            retailer_response=payload.retailer_response, satisfied=payload.satisfied,
                            client_uuid=payload.client_uuid, given_at=payload.given_at)
    return get_demand_for_user(request.user, pk)
