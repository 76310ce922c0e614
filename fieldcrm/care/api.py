"""Service endpoints (/api/v1/service-items, /service-standards, /service-tasks): the catalogue, the standards
per customer class and the service plan, with the same permissions and actions as the pages (care/access.py,
care/actions.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.db.models import Prefetch
from ninja import Field, FilterLookup, Query, Router, Schema

from fieldcrm.care.access import get_task_for_user
from fieldcrm.care.actions import complete_task
from fieldcrm.care.content import References
from fieldcrm.care.models import ServiceItem, ServiceStandard, ServiceTask, StandardItem
from fieldcrm.schemas import CustomerCode, Day, Id, ListFilters, Offset, refusals

router = Router(tags=["service"])


class ServiceItemOut(Schema):
    code: str
    kind: str
    name: str
    needs_visit: bool
    active: bool


class StandardItemOut(Schema):
    item: str = Field(alias="item.code")
    frequency: str


class ServiceStandardOut(Schema):
    customer_class: str = Field(alias="customer_class.name")
    visit_frequency: str
    visits_per_four_weeks: int
    response_hours: int
    services: list[StandardItemOut] = Field(alias="standard_items")


class ServiceTaskOut(Schema):
    id: int
    customer_code: CustomerCode
    service: str = Field(alias="item.code")
    source: str
    due_date: date
    reason: str
    content: str = Field(alias="said", description="What the service delivers — the news, the promotion, the "
                                                    "advice — in the request's language, as the catalogue is now")
    status: str = Field(description="open, done, skipped or cancelled (by re-planning: nothing left to say)")
    cancel_reason: str = Field(description="Why re-planning cancelled it: news_withdrawn, promotion_withdrawn, "
                                           "no_advice; empty otherwise")
    done_at: datetime | None


class ServiceTaskFilters(ListFilters):
    status: str | None = Field(None, description="open, done, skipped or cancelled")
    due_before: Annotated[Day | None, FilterLookup("due_date__lt")] = None
    due_from: Annotated[Day | None, FilterLookup("due_date__gte")] = None
    customer_code: Annotated[str | None, FilterLookup("customer__customer_code")] = Field(None, max_length=20)
    limit: int = Field(100, ge=1, le=1000)
    offset: Offset = 0


@router.get("/service-items", response=list[ServiceItemOut])
def list_service_items(request):
    """The company's service catalogue (basic, marketing, emotional)."""
    return list(ServiceItem.objects.filter(company_id=request.user.company_id))


@router.get("/service-standards", response=list[ServiceStandardOut])
def list_service_standards(request):
    """Visit frequency, response time and services for each customer class of the user's company."""
    standards = ServiceStandard.objects.filter(company_id=request.user.company_id).select_related("customer_class")
    return list(standards.prefetch_related(Prefetch("standard_items", StandardItem.objects.select_related("item"))))


@router.get("/service-tasks", response=list[ServiceTaskOut])
def list_service_tasks(request, filters: Query[ServiceTaskFilters]):
    """The service plan: tasks on the customers the user may see, by due date."""
    tasks = ServiceTask.objects.visible_to(request.user).select_related("customer", "item")
    return _saying(list(filters.page(filters.filter(tasks))))


@router.post("/service-tasks/{pk}/done", response=refusals({200: ServiceTaskOut}))
def complete_service_task(request, pk: Id):
    """Mark a service done; repeating the call changes nothing."""
    task = get_task_for_user(request.user, pk, for_change=True)
    complete_task(task, by=request.user)
    return _saying([get_task_for_user(request.user, pk)])[0]


def _saying(tasks: list[ServiceTask]) -> list[ServiceTask]:
    """The tasks, each with what it delivers (`said`), their subjects' references loaded once."""
    refs = References(tasks)
    for task in tasks:
        task.said = refs.said(task)  # type: ignore[attr-defined]
    return tasks
