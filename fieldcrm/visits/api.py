"""Visit plan endpoints (/api/v1/visit-plans, /visits, /planning-jobs): the same permissions and actions as
the pages (visits/access.py, visits/actions.py). Refusals map through the API's one handler: bad input 400,
state conflicts (submitted plan, stale version) 409."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from fieldcrm.schemas import CustomerCode, CustomerName, Day, Id, InputSchema, ListFilters, Version, refusals
from fieldcrm.visits import access, actions
from fieldcrm.visits.models import JoinRequest, PlannedVisit, PlanningJob, WeekPlan
from fieldcrm.visits.reasons import reason_text
from fieldcrm.visits.routing import plan_days
from fieldcrm.visits.tasks import start_planning
from fieldcrm.visits.weeks import next_week_start

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
    arrival: time | None
    reasons: list[ReasonOut]
    problems: str
    ad_hoc: bool


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
                              problems=payload.problems, expected_version=payload.version)
    return Status(201, PlannedVisit.objects.select_related("customer").get(pk=visit.pk))


@router.patch("/visits/{pk}", response=refusals({200: VisitOut}))
def change_visit(request, pk: Id, payload: VisitPatch):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    edit = {"by": request.user, "reason": payload.reason, "expected_version": payload.version}
    if payload.day is not None and payload.day != visit.day:
        visit = actions.move_visit(visit, payload.day, **edit)
        edit["expected_version"] = None  # this request already moved past the version it named
    if payload.position is not None:
        visit = actions.reorder_visit(visit, payload.position, **edit)
        edit["expected_version"] = None
    if payload.problems is not None:
        visit = actions.set_problems(visit, payload.problems, by=request.user,
                                     expected_version=edit["expected_version"])
    return PlannedVisit.objects.select_related("customer").get(pk=visit.pk)


@router.post("/visits/{pk}/remove", response=refusals({204: None}))
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


@router.post("/visits/{pk}/join", response=refusals({201: JoinOut}), tags=["coordination"])
def join_visit(request, pk: Id, payload: JoinIn):
    visit = access.get_coordination_visit(request.user, pk)
    join = actions.request_join(visit, by=request.user, note=payload.note)
    return Status(201, JoinRequest.objects.get(pk=join.pk))
