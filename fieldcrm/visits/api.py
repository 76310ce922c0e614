"""Visit plan endpoints (/api/v1/visit-plans, /visits, /planning-jobs): the same permissions and actions as
the pages (visits/access.py, visits/actions.py). Refusals map through the API's one handler: bad input 400,
state conflicts (submitted plan, stale version) 409."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.lib.periods import next_week_start
from fieldcrm.photos.models import Photo
from fieldcrm.schemas import (
    CustomerCode,
    CustomerName,
    Day,
    Id,
    InputSchema,
    ListFilters,
    LocalTime,
    NonBlankText,
    Text,
    Version,
    refusals,
)
from fieldcrm.visits import access, actions, checklist, fieldwork
from fieldcrm.visits.checklist_items import planned_visit_on
from fieldcrm.visits.models import JoinRequest, OpinionTopic, PlannedVisit, PlanningJob, Visit, WeekPlan
from fieldcrm.visits.reasons import reason_text
from fieldcrm.visits.routing import plan_days
from fieldcrm.visits.tasks import start_planning

router = Router(tags=["visit plans"])


class ReasonOut(Schema):
    code: str
    text: str = Field(description="in the request's language")

    @staticmethod
    def resolve_text(obj):
        return reason_text(obj)


class VisitOut(Schema):
    id: int
    customer_code: CustomerCode
    customer_name: CustomerName
    day: date
    sequence: int
    arrival: LocalTime | None
    reasons: list[ReasonOut]
    problems: str
    ad_hoc: bool
    outcome: PlannedVisit.Outcome = Field(description="done (on site), off_site, missed (its day passed with "
                                                      "no visit) or pending")
    deadline_before_visit: bool = Field(False, description="a need's deadline falls before this visit's day: "
                                                           "overdue by then")

    @staticmethod
    def resolve_deadline_before_visit(obj):
        return obj.deadline_before


class DayOut(Schema):
    date: date
    visits: int
    km: float
    minutes: int
    finish: str
    route: list[VisitOut]


class PlanSummary(Schema):
    id: int
    manager: str
    week_start: date
    status: str
    submitted_at: str | None = None
    submitted_late: bool
    supervisor_comment: str
    version: int

    # PlanOut is built from a dict (with the day routes added); summaries straight from the model.
    @staticmethod
    def resolve_manager(obj):
        return obj["manager"] if isinstance(obj, dict) else obj.manager.username

    @staticmethod
    def resolve_submitted_at(obj):
        if isinstance(obj, dict):
            return obj["submitted_at"]
        return obj.submitted_at.isoformat() if obj.submitted_at else None


class PlanOut(PlanSummary):
    days: list[DayOut]
    unplanned: list[dict]
    km: float
    minutes: int


class PlanFilters(ListFilters):
    week: Annotated[Day | None, FilterLookup("week_start")] = None
    manager: Annotated[str | None, FilterLookup("manager__username")] = Field(None, description="a manager's login")
    status: WeekPlan.Status | None = None


class EditIn(InputSchema):
    reason: str = Field("", max_length=200, description="required once the plan is approved (ad-hoc change)")
    confirm: bool = Field(False, description="save a move or an added visit that arrives after the store closes "
                                             "or makes the day too long (else 409 with the reason)")
    version: Version | None = Field(None, description="the plan version the client saw; a newer plan gives 409")


class AddIn(EditIn):
    customer_code: str = Field(max_length=20)
    day: Day
    problems: str = Field("", max_length=1000)


class VisitPatch(EditIn):
    day: Day | None = None
    position: int | None = Field(None, ge=1, le=200, description="1-based place in the day's route")
    problems: str | None = Field(None, max_length=1000)


class CommentIn(InputSchema):
    comment: str = Field("", max_length=500)


class GenerateIn(InputSchema):
    week: Day | None = Field(None, description="a Monday; default next week")


class JobOut(Schema):
    id: int
    manager: str = Field(alias="manager.username")
    week_start: date
    status: str
    attempts: int
    error: str
    plan_id: int | None


class GenerateOut(Schema):
    run_id: int | None
    jobs: list[JobOut]


class JoinIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=200)


class JoinOut(Schema):
    id: int
    visit_id: int
    status: str
    note: str


def _plan_out(plan) -> dict:
    days = plan_days(plan)
    return {
        **PlanSummary.from_orm(plan).dict(),
        "days": [{"date": r.day, "visits": len(r.visits), "km": round(r.km, 2), "minutes": r.minutes,
                  "finish": r.finish, "route": r.visits} for r in days],
        "unplanned": plan.unplanned,
        "km": round(sum(r.km for r in days), 2),
        "minutes": sum(r.minutes for r in days),
    }


@router.get("/visit-plans", response=list[PlanSummary])
def list_plans(request, filters: Query[PlanFilters]):
    return filters.filter(WeekPlan.objects.visible_to(request.user).select_related("manager"))[:500]


# Declared before /visit-plans/{pk} so "generate" is not read as a plan id.
@router.post("/visit-plans/generate", response=refusals({202: GenerateOut}, 413))
def generate_plans(request, payload: GenerateIn):
    week = payload.week or next_week_start(timezone.localdate())
    run, jobs = start_planning(request.user, week)
    jobs = PlanningJob.objects.filter(pk__in=[job.pk for job in jobs]).select_related("manager")  # as they are now
    return Status(202, {"run_id": run.pk if run else None, "jobs": list(jobs)})


@router.get("/visit-plans/{pk}", response=refusals({200: PlanOut}))
def get_plan(request, pk: Id):
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.get("/planning-jobs/{pk}", response=refusals({200: JobOut}))
def get_job(request, pk: Id):
    return access.get_job_for_user(request.user, pk)


@router.post("/visit-plans/{pk}/visits", response=refusals({201: VisitOut}))
def add_visit(request, pk: Id, payload: AddIn):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    customer = access.customer_to_add(request.user, plan, payload.customer_code)
    if customer is None:
        raise HttpError(404, _("No customer of yours has the code %(code)s.") % {"code": payload.customer_code})
    visit = actions.add_visit(plan, customer, payload.day, by=request.user, reason=payload.reason,
                              problems=payload.problems, expected_version=payload.version,
                              confirm=payload.confirm)
    return Status(201, PlannedVisit.objects.select_related("customer").get(pk=visit.pk))


@router.patch("/planned-visits/{pk}", response=refusals({200: VisitOut}))
def change_planned_visit(request, pk: Id, payload: VisitPatch):
    return change_visit(request, pk, payload)


@router.patch("/visits/{pk}", response=refusals({200: VisitOut}), deprecated=True,
              description="Deprecated alias of PATCH /planned-visits/{pk}.")
def change_visit(request, pk: Id, payload: VisitPatch):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    edit = {"by": request.user, "reason": payload.reason, "expected_version": payload.version}
    if payload.day is not None and payload.day != visit.day:
        visit = actions.move_visit(visit, payload.day, confirm=payload.confirm, **edit)
        edit["expected_version"] = None  # this request already moved past the version it named
    if payload.position is not None:
        visit = actions.reorder_visit(visit, payload.position, **edit)
        edit["expected_version"] = None
    if payload.problems is not None:
        visit = actions.set_problems(visit, payload.problems, by=request.user,
                                     expected_version=edit["expected_version"])
    return PlannedVisit.objects.select_related("customer").get(pk=visit.pk)


@router.post("/planned-visits/{pk}/remove", response=refusals({204: None}))
def remove_planned_visit(request, pk: Id, payload: EditIn):
    return remove_visit(request, pk, payload)


@router.post("/visits/{pk}/remove", response=refusals({204: None}), deprecated=True,
             description="Deprecated alias of POST /planned-visits/{pk}/remove.")
def remove_visit(request, pk: Id, payload: EditIn):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    actions.remove_visit(visit, by=request.user, reason=payload.reason, expected_version=payload.version)
    return Status(204, None)


@router.post("/visit-plans/{pk}/reoptimise", response=refusals({200: PlanOut}))
def reoptimise_plan(request, pk: Id, payload: EditIn):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    actions.reoptimise(plan, by=request.user, reason=payload.reason, expected_version=payload.version)
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.post("/visit-plans/{pk}/submit", response=refusals({200: PlanOut}))
def submit_plan(request, pk: Id, payload: EditIn):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    actions.submit_plan(plan, by=request.user, expected_version=payload.version)
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.post("/visit-plans/{pk}/approve", response=refusals({200: PlanOut}))
def approve_plan(request, pk: Id, payload: CommentIn):
    plan = access.get_plan_to_decide(request.user, pk)
    actions.decide_plan(plan, by=request.user, approve=True, comment=payload.comment)
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.post("/visit-plans/{pk}/return", response=refusals({200: PlanOut}))
def return_plan(request, pk: Id, payload: CommentIn):
    plan = access.get_plan_to_decide(request.user, pk)
    actions.decide_plan(plan, by=request.user, approve=False, comment=payload.comment)
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.get("/coordination/visits", response=list[VisitOut], tags=["coordination"])
def coordination_visits(request, week: Day | None = None):
    week = week or next_week_start(timezone.localdate())
    visits = PlannedVisit.objects.to_coordinate(request.user)
    return visits.filter(day__gte=week, day__lt=week + timedelta(days=7)).select_related("customer")[:1000]


@router.post("/planned-visits/{pk}/join", response=refusals({201: JoinOut}), tags=["coordination"])
def join_planned_visit(request, pk: Id, payload: JoinIn):
    return join_visit(request, pk, payload)


@router.post("/visits/{pk}/join", response=refusals({201: JoinOut}), tags=["coordination"], deprecated=True,
             description="Deprecated alias of POST /planned-visits/{pk}/join.")
def join_visit(request, pk: Id, payload: JoinIn):
    visit = access.get_coordination_visit(request.user, pk)
    join = actions.request_join(visit, by=request.user, note=payload.note)
    return Status(201, JoinRequest.objects.get(pk=join.pk))


# --- duty 4: visits done at the store (field-api.md "Visits") ----------------------------------------------
# The phone replays queued visits by client_uuid: the same one again answers 200 with the first visit.

# Bounds of what a store can hold or ask: 10,000 条 is 40 箱 of one SKU; no cigarette sells for 5,000 元 a 条
# (the dearest are about 2,000). Beyond them a figure is a typo, not an observation.
Cartons = Annotated[int, Field(ge=0, le=10_000)]
Price = Annotated[Decimal, Field(gt=0, le=5_000, max_digits=10, decimal_places=2)]


class OpinionIn(InputSchema):
    topic: OpinionTopic
    text: NonBlankText = Field(..., min_length=1, max_length=1000)


class ObservationIn(InputSchema):
    sku_code: str = Field(..., min_length=1, max_length=30)
    stock_cartons: Cartons | None = Field(None, description="条 on the shelf and in stock")
    retail_price: Price | None = Field(None, description="the retail price asked, 元 per 条")
    sales_last_week_cartons: Cartons | None = None
    price_tag_ok: bool | None = None


class AnswerIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=60, description="an item code from the checklist")
    done: bool
    note: str = Field("", max_length=500)
    text: str = Field("", max_length=500, description="the item as shown (kept when it left the checklist)")


class NoticedChangeIn(InputSchema):
    client_uuid: uuid.UUID = Field(description="the client_uuid the change was sent with to POST /change-requests")
    field: str = Field(..., min_length=1, max_length=30, description="the profile field, as for /change-requests")
    new_value: str = Field("", max_length=200)
    applied: bool | None = Field(None, description="the answer the phone had: true saved at once, false a change "
                                                   "request; null when it had none yet")


class RecordIn(InputSchema):
    client_uuid: uuid.UUID
    customer_code: str = Field(..., max_length=20)
    planned_visit: Id | None = None
    checked_in_at: datetime
    latitude: float = Field(..., ge=-90, le=90)
    longitude: float = Field(..., ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=1_000_000)
    checked_out_at: datetime | None = None
    opinions: list[OpinionIn] = Field(default_factory=list, max_length=50)
    observations: list[ObservationIn] = Field(default_factory=list, max_length=500)
    checklist: list[AnswerIn] = Field(default_factory=list, max_length=200)
    notes: str = Field("", max_length=2000)
    profit_situation: str | None = Field(None, max_length=20, description="the store's profit situation: `profit` "
                                         "(盈利), `break_even` (持平) or `loss` (亏损); null or empty when not asked")
    monthly_sales_cartons: int | None = Field(None, description="the retailer's estimated cigarette sales a month, "
                                              "条 (0–30,000; beyond, a 400 naming the field)")
    profile_changes: list[NoticedChangeIn] = Field(default_factory=list, max_length=20, description=(
        "profile changes noticed at this visit, each also sent on its own to POST /change-requests"))


class CheckOutIn(InputSchema):
    checked_out_at: datetime


class OpinionOut(Schema):
    topic: str
    text: str


class ObservationOut(Schema):
    sku_code: str = Field(alias="sku.code")
    stock_cartons: int | None
    retail_price: Decimal | None
    sales_last_week_cartons: int | None
    price_tag_ok: bool | None


class AnswerOut(Schema):
    code: str
    kind: str
    text: str
    done: bool
    note: str


class VisitPhotoOut(Schema):
    id: int
    client_uuid: uuid.UUID
    sha256: str = Field(description="SHA-256 of exactly the bytes received")
    taken_at: datetime
    latitude: float | None
    longitude: float | None
    url: str = Field(description="download: a copy without EXIF")

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("api:photo_file", args=[obj.pk])


class NoticedChangeOut(Schema):
    client_uuid: uuid.UUID
    field: str
    new_value: str
    applied: bool | None = Field(description="as the phone heard it: true saved to the profile at once")
    change_request: int | None = Field(description="the change request it became, when one did")
    change_request_status: str | None = Field(description="pending, approved, rejected or withdrawn, now")


class RecordedVisitOut(Schema):
    id: int
    client_uuid: uuid.UUID
    customer_code: CustomerCode
    customer_name: CustomerName
    manager: str = Field(alias="manager.username")
    planned_visit: int | None = Field(alias="planned_visit_id")
    ad_hoc: bool
    checked_in_at: datetime
    latitude: float
    longitude: float
    accuracy_m: float | None
    distance_m: float | None = Field(description="metres from the store's stored position; null without one")
    on_site: bool
    checked_out_at: datetime | None
    notes: str
    profit_situation: str = Field(description="profit, break_even, loss, or empty when not recorded")
    monthly_sales_cartons: int | None = Field(description="the retailer's estimated cigarette sales a month, 条")
    created_at: datetime
    opinions: list[OpinionOut]
    observations: list[ObservationOut]
    checklist: list[AnswerOut] = Field(alias="checklist_answers")
    photos: list[VisitPhotoOut] = Field(description="the display, shelf and price-tag photos, as taken")
    profile_changes: list[NoticedChangeOut] = Field(description="profile changes noticed at the store")

    @staticmethod
    def resolve_photos(obj) -> list[Photo]:
        return list(Photo.objects.of(obj))

    @staticmethod
    def resolve_profile_changes(obj) -> list[dict]:
        return [{"client_uuid": change.client_uuid, "field": change.field, "new_value": change.new_value,
                 "applied": change.applied, "change_request": change.change_request_id,
                 "change_request_status": change.change_request.status if change.change_request else None}
                for change in fieldwork.noticed_changes(obj)]


class VisitSummaryOut(Schema):
    id: int
    client_uuid: uuid.UUID
    customer_code: CustomerCode
    customer_name: CustomerName
    manager: str = Field(alias="manager.username")
    planned_visit: int | None = Field(alias="planned_visit_id")
    ad_hoc: bool
    checked_in_at: datetime
    checked_out_at: datetime | None
    distance_m: float | None
    on_site: bool


class RecordedVisitFilters(ListFilters):
    customer_code: Annotated[str | None, FilterLookup("customer__customer_code")] = Field(None, max_length=20)
    manager: Annotated[str | None, FilterLookup("manager__username")] = Field(None, description="a manager's login")
    start: Annotated[Day | None, FilterLookup("checked_in_at__date__gte")] = Field(None, description="from this day")
    end: Annotated[Day | None, FilterLookup("checked_in_at__date__lt")] = Field(None, description="before this day")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


class ChecklistItemOut(Schema):
    code: str
    kind: str
    text: str
    data: dict


class ChecklistOut(Schema):
    customer_code: str
    day: date
    planned_visit: int | None
    items: list[ChecklistItemOut]


def _aware(moment: datetime) -> datetime:
    # A phone that sends a local time without an offset means the installation's time zone.
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _recorded(pk: int) -> Visit:
    return (Visit.objects.select_related("customer", "manager")
            .prefetch_related("opinions", "observations__sku", "checklist_answers").get(pk=pk))


@router.post("/visits", response=refusals({200: RecordedVisitOut, 201: RecordedVisitOut}), tags=["visits"])
def record_visit(request, payload: RecordIn):
    replayed = Visit.objects.filter(client_uuid=payload.client_uuid, manager_id=request.user.pk).first()
    if replayed is not None:  # before the store lookup: the store may have been reassigned since
        return Status(200, _recorded(replayed.pk))
    customer = access.customer_to_visit(request.user, payload.customer_code)
    record = fieldwork.VisitRecord(
        client_uuid=payload.client_uuid, checked_in_at=_aware(payload.checked_in_at), latitude=payload.latitude,
        longitude=payload.longitude, accuracy_m=payload.accuracy_m, planned_visit=payload.planned_visit,
        checked_out_at=_aware(payload.checked_out_at) if payload.checked_out_at else None,
        opinions=[(o.topic, o.text) for o in payload.opinions],
        observations=[fieldwork.Observation(**o.dict()) for o in payload.observations],
        checklist=[fieldwork.Answer(**a.dict()) for a in payload.checklist], notes=payload.notes,
        profit_situation=payload.profit_situation or "", monthly_sales_cartons=payload.monthly_sales_cartons,
        profile_changes=[fieldwork.ChangeNoticed(**c.dict()) for c in payload.profile_changes])
    visit, created = fieldwork.record_visit(customer, record, by=request.user)
    return Status(201 if created else 200, _recorded(visit.pk))


@router.get("/visits", response=list[VisitSummaryOut], tags=["visits"])
def list_recorded_visits(request, filters: Query[RecordedVisitFilters]):
    visits = filters.filter(Visit.objects.visible_to(request.user).select_related("customer", "manager"))
    return filters.page(visits.order_by("-checked_in_at", "-pk"))


@router.get("/visits/{pk}", response=refusals({200: RecordedVisitOut}), tags=["visits"])
def get_recorded_visit(request, pk: Id):
    return _recorded(access.get_recorded_visit_for_user(request.user, pk).pk)


@router.post("/visits/{pk}/check-out", response=refusals({200: RecordedVisitOut}), tags=["visits"])
def check_out_visit(request, pk: Id, payload: CheckOutIn):
    visit = access.get_recorded_visit_for_user(request.user, pk, for_change=True)
    fieldwork.check_out(visit, _aware(payload.checked_out_at), by=request.user)
    return _recorded(visit.pk)


@router.get("/customers/{code}/checklist", response=refusals({200: ChecklistOut}), tags=["visits"])
def customer_checklist(request, code: Text, day: Day | None = None):
    customer = get_customer_for_user(request.user, code)
    day = day or timezone.localdate()
    planned = planned_visit_on(customer, day, request.user)
    items = checklist.items_for(customer, day, request.user, planned)
    return {"customer_code": customer.customer_code, "day": day, "planned_visit": planned.pk if planned else None,
            "items": [item.as_dict() for item in items]}
