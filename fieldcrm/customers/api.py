"""Customer and change-request endpoints (/api/v1/customers, /change-requests): the same permissions and
actions as the pages (customers/access.py, customers/actions.py). Refusals map through the API's one handler."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from fieldcrm.customers import access, actions
from fieldcrm.customers.models import ChangeRequest, Customer
from fieldcrm.customers.search import apply_filters, capped_count
from fieldcrm.schemas import CustomerCode, Id, InputSchema, Offset, Text, Version, refusals

router = Router()


class CustomerOut(Schema):
    customer_code: str
    name: str
    license_no: str
    owner_name: str
    phone: str = Field(description="digits only")
    address: str
    longitude: float | None = Field(None, description="WGS-84")
    latitude: float | None = Field(None, description="WGS-84")
    business_format: str
    market_type: str
    business_scale: str
    tier: int | None
    customer_class: str | None = Field(None, alias="customer_class.name")
    order_day: int | None = Field(None, description="1–7, Monday = 1")
    business_hours: str
    manager: str = Field(description="the manager's employee number, or login when none")
    territory: str | None = Field(None, alias="territory.name")
    owner_birthday: date | None
    license_expiry: date | None
    status: str
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_manager(obj):
        return obj.manager.employee_no or obj.manager.username


class CustomerPage(Schema):
    count: int = Field(description="matches, counted exactly up to 10,000")
    count_capped: bool = Field(description="true when there are more than `count` matches")
    items: list[CustomerOut]


class CustomerFilters(InputSchema):
    q: str | None = Field(None, max_length=100, description="name, code, licence, phone or address contains")
    tier_min: int | None = Field(None, ge=1, le=30)
    tier_max: int | None = Field(None, ge=1, le=30)
    customer_class: Id | None = None
    business_format: str | None = None
    market_type: str | None = None
    territory: Id | None = None
    manager: Id | None = None
    status: str | None = None
    stale: str | None = Field(None, description="any, phone, address, owner_name or business_scale")
    limit: int = Field(50, ge=1, le=500)
    offset: Offset = 0


class ChangeRequestOut(Schema):
    id: int
    customer_code: CustomerCode
    field: str
    old_value: str
    new_value: str
    reason: str
    department: str = Field(alias="department.name")
    status: str
    proposed_by: str = Field(alias="proposed_by.username")
    proposed_at: datetime
    decided_by: str | None = Field(None, alias="decided_by.username")
    decided_at: datetime | None
    decision_note: str


class ProposeIn(InputSchema):
    customer_code: str = Field(max_length=20)
    field: str = Field(max_length=30)
    new_value: str = Field("", max_length=200)
    reason: str = Field("", max_length=200)
    version: Version | None = Field(None, description="the profile version the change is based on")
    client_uuid: UUID | None = Field(None, description="makes a repeated submission harmless")


class ProposeOut(Schema):
    applied: bool = Field(description="true when the field was manager-editable and is already saved")
    change_request: ChangeRequestOut | None


class DecisionIn(InputSchema):
    note: str = Field("", max_length=200, description="required to reject")


CUSTOMER_RELATED = ("manager", "territory", "customer_class")
REQUEST_RELATED = ("customer", "department", "proposed_by", "decided_by")


@router.get("/customers", response=CustomerPage, tags=["customers"])
def list_customers(request, filters: Query[CustomerFilters]):
    values = filters.dict(exclude={"limit", "offset"})
    queryset = apply_filters(Customer.objects.visible_to(request.user), values)
    queryset = queryset.select_related(*CUSTOMER_RELATED).order_by("customer_code")
    count, capped = capped_count(queryset)
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {"count": count, "count_capped": capped, "items": items}


@router.get("/customers/{code}", response=refusals({200: CustomerOut}), tags=["customers"])
def get_customer(request, code: Text):
    return access.get_customer_for_user(request.user, code)


@router.get("/change-requests", response=list[ChangeRequestOut], tags=["change requests"])
def list_change_requests(request, status: Text | None = None, limit: int = Query(50, ge=1, le=500)):
    queryset = ChangeRequest.objects.visible_to(request.user).select_related(*REQUEST_RELATED)
    if status:
        queryset = queryset.filter(status=status)
    return list(queryset[:limit])


@router.get("/change-requests/{pk}", response=refusals({200: ChangeRequestOut}), tags=["change requests"])
def get_change_request(request, pk: Id):
    return access.get_change_request_for_user(request.user, pk)


@router.post("/change-requests", response=refusals({200: ProposeOut, 201: ProposeOut}), tags=["change requests"])
def propose_change(request, payload: ProposeIn):
    customer = access.get_customer_for_user(request.user, payload.customer_code, for_change=True)
    change_request = actions.propose_change(
        customer,
        payload.field,
        payload.new_value,
        by=request.user,
        reason=payload.reason,
        client_uuid=payload.client_uuid,
        expected_version=payload.version,
    )
    if change_request is None:
        return Status(200, {"applied": True, "change_request": None})
    return Status(201, {"applied": False, "change_request": change_request})


@router.post("/change-requests/{pk}/approve", response=refusals({200: ChangeRequestOut}),
             tags=["change requests"])
def approve_change_request(request, pk: Id, payload: DecisionIn):
    change_request = access.get_change_request_to_decide(request.user, pk)
    actions.approve_change_request(change_request, by=request.user, note=payload.note)
    return access.get_change_request_for_user(request.user, pk)


@router.post("/change-requests/{pk}/reject", response=refusals({200: ChangeRequestOut}), tags=["change requests"])
def reject_change_request(request, pk: Id, payload: DecisionIn):
    """Reject with a note saying why (400 without one)."""
    change_request = access.get_change_request_to_decide(request.user, pk)
    actions.reject_change_request(change_request, by=request.user, note=payload.note)
    return access.get_change_request_for_user(request.user, pk)
