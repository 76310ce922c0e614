"""REST API at /api/v1 (OpenAPI at /api/v1/openapi.json). Same permissions as the pages:
every lookup goes through fieldcrm.customers.access."""

from datetime import date, datetime
from uuid import UUID

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import HttpBearer, SessionAuth

from fieldcrm.care.access import get_task_for_user
from fieldcrm.care.actions import complete_task
from fieldcrm.care.models import ServiceItem, ServiceStandard, ServiceTask, StandardItem
from fieldcrm.customers import access, actions
from fieldcrm.customers.models import ChangeRequest, Customer
from fieldcrm.customers.search import apply_filters, capped_count
from fieldcrm.errors import Refusal, StaleVersion
from fieldcrm.lib.cleaning import CleanError
from fieldcrm.org.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="FieldCRM API",
    version="1",
    urls_namespace="api",
    auth=[SessionAuth(), TokenAuth()],
)


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
    customer_class: str | None
    order_day: int | None = Field(None, description="1–7, Monday = 1")
    business_hours: str
    manager: str = Field(description="the manager's employee number, or login when none")
    territory: str | None
    owner_birthday: date | None
    license_expiry: date | None
    status: str
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_customer_class(obj):
        return obj.customer_class.name if obj.customer_class_id else None

    @staticmethod
    def resolve_territory(obj):
        return obj.territory.name if obj.territory_id else None

    @staticmethod
    def resolve_manager(obj):
        return obj.manager.employee_no or obj.manager.username


class CustomerPage(Schema):
    count: int = Field(description="matches, counted exactly up to 10,000")
    count_capped: bool = Field(description="true when there are more than `count` matches")
    items: list[CustomerOut]


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=100, description="name, code, licence, phone or address contains")
    tier_min: int | None = Field(None, ge=1, le=30)
    tier_max: int | None = Field(None, ge=1, le=30)
    customer_class: int | None = None
    business_format: str | None = None
    market_type: str | None = None
    territory: int | None = None
    manager: int | None = None
    status: str | None = None
    stale: str | None = Field(None, description="any, phone, address, owner_name or business_scale")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class ChangeRequestOut(Schema):
    id: int
    customer_code: str
    field: str
    old_value: str
    new_value: str
    reason: str
    department: str
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_customer_code(obj):
        return obj.customer.customer_code

    @staticmethod
    def resolve_department(obj):
        return obj.department.name

    @staticmethod
    def resolve_proposed_by(obj):
        return obj.proposed_by.username

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.username if obj.decided_by_id else None


class ProposeIn(Schema):
    customer_code: str = Field(max_length=20)
    field: str = Field(max_length=30)
    new_value: str = Field("", max_length=200)
    reason: str = Field("", max_length=200)
    version: int | None = Field(None, description="the profile version the change is based on")
    client_uuid: UUID | None = Field(None, description="makes a repeated submission harmless")


class ProposeOut(Schema):
    applied: bool = Field(description="true when the field was manager-editable and is already saved")
    change_request: ChangeRequestOut | None


class DecisionIn(Schema):
    note: str = Field("", max_length=200)


class Message(Schema):
    detail: str


CUSTOMER_RELATED = ("manager", "territory", "customer_class")
REQUEST_RELATED = ("customer", "department", "proposed_by", "decided_by")


@api.get("/customers", response=CustomerPage, tags=["customers"])
def list_customers(request, filters: Query[CustomerFilters]):
    values = filters.dict(exclude={"limit", "offset"})
    queryset = apply_filters(Customer.objects.visible_to(request.user), values)
    queryset = queryset.select_related(*CUSTOMER_RELATED).order_by("customer_code")
    count, capped = capped_count(queryset)
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {"count": count, "count_capped": capped, "items": items}


@api.get("/customers/{code}", response=CustomerOut, tags=["customers"])
def get_customer(request, code: str):
    return access.get_customer_for_user(request.user, code)


@api.get("/change-requests", response=list[ChangeRequestOut], tags=["change requests"])
def list_change_requests(request, status: str | None = None, limit: int = Query(50, ge=1, le=500)):
    queryset = ChangeRequest.objects.visible_to(request.user).select_related(*REQUEST_RELATED)
    if status:
        queryset = queryset.filter(status=status)
    return list(queryset[:limit])


@api.get("/change-requests/{pk}", response=ChangeRequestOut, tags=["change requests"])
def get_change_request(request, pk: int):
    return access.get_change_request_for_user(request.user, pk)


@api.post("/change-requests", response={200: ProposeOut, 201: ProposeOut, 400: Message, 409: Message},
          tags=["change requests"])
def propose_change(request, payload: ProposeIn):
    customer = access.get_customer_for_user(request.user, payload.customer_code, for_change=True)
    try:
        change_request = actions.propose_change(
            customer,
            payload.field,
            payload.new_value,
            by=request.user,
            reason=payload.reason,
            client_uuid=payload.client_uuid,
            expected_version=payload.version,
        )
    except CleanError as exc:
        return Status(400, {"detail": f"{payload.field}: {exc}"})
    except StaleVersion as exc:
        return Status(409, {"detail": str(exc)})
    except Refusal as exc:
        return Status(400, {"detail": str(exc)})
    if change_request is None:
        return Status(200, {"applied": True, "change_request": None})
    return Status(201, {"applied": False, "change_request": change_request})


def _decide(request, pk, approve, payload):
    change_request = access.get_change_request_to_decide(request.user, pk)
    try:
        if approve:
            actions.approve_change_request(change_request, by=request.user, note=payload.note)
        else:
            actions.reject_change_request(change_request, by=request.user, note=payload.note)
    except Refusal as exc:
        raise HttpError(409, str(exc)) from exc
    return access.get_change_request_for_user(request.user, pk)


@api.post("/change-requests/{pk}/approve", response=ChangeRequestOut, tags=["change requests"])
def approve_change_request(request, pk: int, payload: DecisionIn):
    return _decide(request, pk, True, payload)


@api.post("/change-requests/{pk}/reject", response=ChangeRequestOut, tags=["change requests"])
def reject_change_request(request, pk: int, payload: DecisionIn):
    if not payload.note.strip():
        raise HttpError(400, _("Give the reason for rejecting, so the manager knows what to do."))
    return _decide(request, pk, False, payload)


class ServiceItemOut(Schema):
    code: str
    kind: str
    name: str
    needs_visit: bool
    active: bool


class StandardItemOut(Schema):
    item: str
    frequency: str

    @staticmethod
    def resolve_item(obj):
        return obj.item.code


class ServiceStandardOut(Schema):
    customer_class: str
    visit_frequency: str
    visits_per_four_weeks: int
    response_hours: int
    services: list[StandardItemOut]

    @staticmethod
    def resolve_customer_class(obj):
        return obj.customer_class.name

    @staticmethod
    def resolve_services(obj):
        return list(obj.standard_items.all())


@api.get("/service-items", response=list[ServiceItemOut], tags=["service"])
def list_service_items(request):
    """The company's service catalogue (basic, marketing, emotional)."""
    return list(ServiceItem.objects.filter(company_id=request.user.company_id))


@api.get("/service-standards", response=list[ServiceStandardOut], tags=["service"])
def list_service_standards(request):
    """Visit frequency, response time and services for each customer class of the user's company."""
    standards = ServiceStandard.objects.filter(company_id=request.user.company_id).select_related("customer_class")
    return list(standards.prefetch_related(Prefetch("standard_items", StandardItem.objects.select_related("item"))))


class ServiceTaskOut(Schema):
    id: int
    customer_code: str
    service: str
    source: str
    due_date: date
    reason: str
    status: str
    done_at: datetime | None

    @staticmethod
    def resolve_customer_code(obj):
        return obj.customer.customer_code

    @staticmethod
    def resolve_service(obj):
        return obj.item.code


class ServiceTaskFilters(Schema):
    status: str | None = Field(None, description="open, done or skipped")
    due_before: date | None = None
    due_from: date | None = None
    customer_code: str | None = Field(None, max_length=20)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


@api.get("/service-tasks", response=list[ServiceTaskOut], tags=["service"])
def list_service_tasks(request, filters: Query[ServiceTaskFilters]):
    """The service plan: tasks on the customers the user may see, by due date."""
    tasks = ServiceTask.objects.visible_to(request.user).select_related("customer", "item")
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.due_from:
        tasks = tasks.filter(due_date__gte=filters.due_from)
    if filters.due_before:
        tasks = tasks.filter(due_date__lt=filters.due_before)
    if filters.customer_code:
        tasks = tasks.filter(customer__customer_code=filters.customer_code)
    return list(tasks[filters.offset : filters.offset + filters.limit])


@api.post("/service-tasks/{pk}/done", response=ServiceTaskOut, tags=["service"])
def complete_service_task(request, pk: int):
    """Mark a service done; repeating the call changes nothing."""
    task = get_task_for_user(request.user, pk, for_change=True)
    complete_task(task, by=request.user)
    return get_task_for_user(request.user, pk)


# Visit plans and needs live with their apps; mounted here so they share the auth and the OpenAPI document.
from fieldcrm.followup.api import router as followup_router  # noqa: E402
from fieldcrm.visits.api import router as visits_router  # noqa: E402

api.add_router("", visits_router)
api.add_router("", followup_router)
