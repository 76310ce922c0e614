"""Looking up plans, visits, join requests and planning runs for a user: the 404/403 doors pages and API go
through, and the can-do checks they need.

Who sees what is the querysets' rule (visits/models.py): `WeekPlan.objects.visible_to(user)` (a manager
their own plans, a supervisor those of the area they lead, an admin the company's),
`PlannedVisit.objects.visible_to(user)` and `PlannedVisit.objects.to_coordinate(user)` (department staff and
monopoly officers: the submitted and approved visits of their area, which they can ask to join).
Outsiders get 404; read-only insiders get 403 on writes.

A plan has two kinds of change, by two people. `for_change=True`, the keyword every app uses for "I mean to
change it", asks the owner's right: only the plan's manager edits and submits it. A supervisor's verdict
(approve, return) is not an edit of the plan but a decision on someone else's submission, so it has its
own lookup, `get_plan_to_decide`, as change requests have `get_change_request_to_decide`; a manager's
answer to a request to join one of their visits is `get_join_request_to_decide`.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from fieldcrm.customers.access import get_customer_for_user
from fieldcrm.customers.models import Customer
from fieldcrm.lib.ids import one_or_404, valid_code
from fieldcrm.org.models import User
from fieldcrm.visits.models import JoinRequest, PlannedVisit, PlanningJob, PlanningRun, Visit, WeekPlan


def can_edit_plan(user, plan) -> bool:
    """Only the plan's manager edits and submits it."""
    return plan.manager_id == user.pk


def can_decide_plan(user, plan) -> bool:
    """The supervisor of the manager's marketing area, or an admin of the company."""
    if user.is_superuser:
        return True
    if user.company_id != plan.manager.company_id:
        return False
    # The one team rule (`User.objects.team_of`); a manager's own plan is not theirs to decide.
    return user.is_company_admin or (
        user.oversees_anyone and plan.manager_id != user.pk
        and User.objects.team_of(user).filter(pk=plan.manager_id).exists())


def can_edit_now(user, plan) -> bool:
    """The owner, while the plan is not waiting for the supervisor (the edit forms are shown)."""
    return can_edit_plan(user, plan) and plan.status != WeekPlan.Status.SUBMITTED


def can_decide_now(user, plan) -> bool:
    """A decider, while the plan waits for a decision."""
    return plan.status == WeekPlan.Status.SUBMITTED and can_decide_plan(user, plan)


def get_plan_for_user(user, pk, *, for_change: bool = False) -> WeekPlan:
    """The plan if the user may see it (else 404); with for_change=True, 403 unless it is their own."""
    plan = one_or_404(WeekPlan.objects.visible_to(user).select_related("manager__company", "decided_by"), pk,
                      "No such plan")
    if for_change and not can_edit_plan(user, plan):
        raise PermissionDenied
    return plan


def get_plan_to_decide(user, pk) -> WeekPlan:
    """The plan if the user may see it (else 404) and approve or return it (else 403)."""
    plan = get_plan_for_user(user, pk)
    if not can_decide_plan(user, plan):
        raise PermissionDenied
    return plan


def get_visit_for_user(user, pk, *, for_change: bool = False) -> PlannedVisit:
    """The visit if the user may see its plan (else 404); with for_change=True, 403 unless the plan is theirs."""
    visits = PlannedVisit.objects.visible_to(user).select_related("plan__manager__company", "customer")
    visit = one_or_404(visits, pk, "No such visit")
    if for_change and not can_edit_plan(user, visit.plan):
        raise PermissionDenied
    return visit


def customer_to_add(user, plan, customer_code: str) -> Customer | None:
    """The customer of the plan's manager with this code, if the user sees it (None otherwise)."""
    customers = Customer.objects.visible_to(user).filter(manager_id=plan.manager_id)
    return customers.filter(customer_code=valid_code(customer_code)).first()


def get_coordination_visit(user, pk) -> PlannedVisit:
    """A visit coordinating staff may see and ask to join (else 404)."""
    return one_or_404(PlannedVisit.objects.to_coordinate(user).select_related("plan__manager", "customer"), pk,
                      "No such visit")


def get_join_request_to_decide(user, pk) -> JoinRequest:
    """A request to join one of the user's visits (404 if they cannot see it, 403 if the plan is not theirs)."""
    joins = JoinRequest.objects.filter(visit__in=PlannedVisit.objects.visible_to(user).values("pk"))
    join = one_or_404(joins.select_related("visit__plan"), pk, "No such request")
    if not can_edit_plan(user, join.visit.plan):
        raise PermissionDenied
    return join


def get_run_for_user(user, pk) -> PlanningRun:
    """A planning run the user started (else 404)."""
    runs = PlanningRun.objects.filter(requested_by_id=user.pk)
    return one_or_404(runs if user.is_authenticated else runs.none(), pk, "No such run")


def get_job_for_user(user, pk) -> PlanningJob:
    """A planning job for the user's own week, or one of a run they started (else 404)."""
    jobs = PlanningJob.objects.filter(Q(manager_id=user.pk) | Q(run__requested_by_id=user.pk))
    # Signed out, the pk is None, which would match the scheduled runs (requested by nobody).
    return one_or_404(jobs.select_related("manager", "run") if user.is_authenticated else jobs.none(), pk,
                      "No such job")


def get_recorded_visit_for_user(user, pk, *, for_change: bool = False) -> Visit:
    """A visit done at a store, if the user may see it (else 404); with for_change=True, 403 unless they made it."""
    visits = Visit.objects.visible_to(user).select_related("customer", "manager", "planned_visit__plan")
    visit = one_or_404(visits, pk, "No such visit")
    if for_change and visit.manager_id != user.pk:
        raise PermissionDenied
    return visit


def customer_to_visit(user, customer_code: str) -> Customer:
    """The store the user is about to record a visit to: 404 if they cannot see it, 403 unless it is theirs
    (a supervisor reads their team's visits but records none)."""
    customer = get_customer_for_user(user, customer_code)
    if customer.manager_id != user.pk:
        raise PermissionDenied
    return customer
