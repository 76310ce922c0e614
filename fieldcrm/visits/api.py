"""Visit plan endpoints (/api/v1/visit-plans, /visits, /planning-jobs): the same permissions and actions as
the pages (visits/access.py, visits/actions.py). State conflicts (submitted plan, stale version) are 409."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from fieldcrm.errors import Refusal
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
    customer_code: str
    customer_name: str
    day: date
    sequence: int
    arrival: time | None
    reasons: list[ReasonOut]
    problems: str
    ad_hoc: bool

    @staticmethod
    def resolve_customer_code(obj):
        return obj.customer.customer_code

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name


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


class PlanFilters(Schema):
    week: date | None = None
    manager: str | None = Field(None, description="a manager's login")
    status: WeekPlan.Status | None = None


class EditIn(Schema):
    reason: str = Field("", max_length=200, description="required once the plan is approved (ad-hoc change)")
    version: int | None = Field(None, description="the plan version the client saw; a newer plan gives 409")


class AddIn(EditIn):
    customer_code: str
    day: date
    problems: str = Field("", max_length=1000)


class VisitPatch(EditIn):
    day: date | None = None
    position: int | None = Field(None, ge=1, le=200, description="1-based place in the day's route")
    problems: str | None = Field(None, max_length=1000)


class CommentIn(Schema):
    comment: str = Field("", max_length=500)


class GenerateIn(Schema):
    week: date | None = Field(None, description="a Monday; default next week")


class JobOut(Schema):
    id: int
    manager: str
    week_start: date
    status: str
    attempts: int
    error: str
    plan_id: int | None

    @staticmethod
    def resolve_manager(obj):
        return obj.manager.username


class GenerateOut(Schema):
    run_id: int | None
    jobs: list[JobOut]


class JoinIn(Schema):
    note: str = Field(..., min_length=1, max_length=200)


class JoinOut(Schema):
    id: int
    visit_id: int
    status: str
    note: str


class Message(Schema):
    detail: str


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


def _refused(call):
    try:
        return call()
    except Refusal as exc:
        raise HttpError(409, str(exc)) from exc


@router.get("/visit-plans", response=list[PlanSummary])
def list_plans(request, filters: Query[PlanFilters]):
    plans = WeekPlan.objects.visible_to(request.user).select_related("manager")
    if filters.week:
        plans = plans.filter(week_start=filters.week)
    if filters.manager:
        plans = plans.filter(manager__username=filters.manager)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return plans[:500]


# Declared before /visit-plans/{pk} so "generate" is not read as a plan id.
@router.post("/visit-plans/generate", response={202: GenerateOut, 400: Message})
def generate_plans(request, payload: GenerateIn):
    week = payload.week or next_week_start(timezone.localdate())
    try:
        run, jobs = start_planning(request.user, week)
    except Refusal as exc:
        return Status(400, {"detail": str(exc)})
    jobs = PlanningJob.objects.filter(pk__in=[job.pk for job in jobs]).select_related("manager")  # as they are now
    return Status(202, {"run_id": run.pk if run else None, "jobs": list(jobs)})


@router.get("/visit-plans/{pk}", response=PlanOut)
def get_plan(request, pk: int):
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.get("/planning-jobs/{pk}", response=JobOut)
def get_job(request, pk: int):
    return access.get_job_for_user(request.user, pk)


@router.post("/visit-plans/{pk}/visits", response={201: VisitOut})
def add_visit(request, pk: int, payload: AddIn):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    customer = access.customer_to_add(request.user, plan, payload.customer_code)
    if customer is None:
        raise HttpError(404, _("No customer of yours has the code %(code)s.") % {"code": payload.customer_code})
    visit = _refused(lambda: actions.add_visit(plan, customer, payload.day, by=request.user, reason=payload.reason,
                                               problems=payload.problems, expected_version=payload.version))
    return Status(201, PlannedVisit.objects.select_related("customer").get(pk=visit.pk))


@router.patch("/visits/{pk}", response=VisitOut)
def change_visit(request, pk: int, payload: VisitPatch):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    edit = {"by": request.user, "reason": payload.reason, "expected_version": payload.version}
    if payload.day is not None and payload.day != visit.day:
        visit = _refused(lambda: actions.move_visit(visit, payload.day, **edit))
        edit["expected_version"] = None  # this request already moved past the version it named
    if payload.position is not None:
        visit = _refused(lambda: actions.reorder_visit(visit, payload.position, **edit))
        edit["expected_version"] = None
    if payload.problems is not None:
        visit = _refused(lambda: actions.set_problems(visit, payload.problems, by=request.user,
                                                      expected_version=edit["expected_version"]))
    return PlannedVisit.objects.select_related("customer").get(pk=visit.pk)


@router.post("/visits/{pk}/remove", response={204: None})
def remove_visit(request, pk: int, payload: EditIn):
    visit = access.get_visit_for_user(request.user, pk, for_change=True)
    _refused(lambda: actions.remove_visit(visit, by=request.user, reason=payload.reason,
                                          expected_version=payload.version))
    return Status(204, None)


@router.post("/visit-plans/{pk}/reoptimise", response=PlanOut)
def reoptimise_plan(request, pk: int, payload: EditIn):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    _refused(lambda: actions.reoptimise(plan, by=request.user, reason=payload.reason,
                                        expected_version=payload.version))
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.post("/visit-plans/{pk}/submit", response=PlanOut)
def submit_plan(request, pk: int, payload: EditIn):
    plan = access.get_plan_for_user(request.user, pk, for_change=True)
    _refused(lambda: actions.submit_plan(plan, by=request.user, expected_version=payload.version))
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.post("/visit-plans/{pk}/approve", response=PlanOut)
def approve_plan(request, pk: int, payload: CommentIn):
    plan = access.get_plan_to_decide(request.user, pk)
    _refused(lambda: actions.decide_plan(plan, by=request.user, approve=True, comment=payload.comment))
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.post("/visit-plans/{pk}/return", response=PlanOut)
def return_plan(request, pk: int, payload: CommentIn):
    plan = access.get_plan_to_decide(request.user, pk)
    _refused(lambda: actions.decide_plan(plan, by=request.user, approve=False, comment=payload.comment))
    return _plan_out(access.get_plan_for_user(request.user, pk))


@router.get("/coordination/visits", response=list[VisitOut], tags=["coordination"])
def coordination_visits(request, week: date | None = None):
    week = week or next_week_start(timezone.localdate())
    visits = PlannedVisit.objects.to_coordinate(request.user)
    return visits.filter(day__gte=week, day__lt=week + timedelta(days=7)).select_related("customer")[:1000]


@router.post("/visits/{pk}/join", response={201: JoinOut}, tags=["coordination"])
def join_visit(request, pk: int, payload: JoinIn):
    visit = access.get_coordination_visit(request.user, pk)
    join = _refused(lambda: actions.request_join(visit, by=request.user, note=payload.note))
    return Status(201, JoinRequest.objects.get(pk=join.pk))
