"""Who sees and acts on weekly visit plans (pages and API ask here).

- manager: their own plans, which only they edit and submit;
- supervisor: the plans of the managers in the area they lead; they approve or return them;
- admin: every plan of the company (read, decide);
- coordinating staff (department staff, monopoly officers): no plans, but the submitted and approved
  visits in their marketing area (their whole company when they have no area), which they can ask to join.
Outsiders get 404; read-only insiders get 403 on writes.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fieldcrm.org.models import User


def visible_plans(user, queryset):
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    queryset = queryset.filter(manager__company_id=user.company_id)
    match user.role:
        case User.Role.ADMIN:
            return queryset
        case User.Role.SUPERVISOR:
            return queryset.filter(manager__area_id=user.area_id) if user.area_id else queryset.none()
        case User.Role.MANAGER:
            return queryset.filter(manager_id=user.pk)
    return queryset.none()


def can_edit_plan(user, plan) -> bool:
    return plan.manager_id == user.pk


def can_decide_plan(user, plan) -> bool:
    if user.is_superuser:
        return True
    if user.company_id != plan.manager.company_id:
        return False
    if user.role == User.Role.ADMIN:
        return True
    return user.role == User.Role.SUPERVISOR and user.area_id is not None and user.area_id == plan.manager.area_id


def get_plan_for_user(user, pk, *, edit=False, decide=False):
    from fieldcrm.visits.models import WeekPlan

    plan = WeekPlan.objects.visible_to(user).select_related("manager__company", "decided_by").filter(pk=pk).first()
    if plan is None:
        raise Http404("No such plan")
    if edit and not can_edit_plan(user, plan):
        raise PermissionDenied
    if decide and not can_decide_plan(user, plan):
        raise PermissionDenied
    return plan


def get_visit_for_user(user, pk, *, edit=False):
    from fieldcrm.visits.models import PlannedVisit

    visit = PlannedVisit.objects.filter(pk=pk, plan__in=visible_plans_ids(user)).select_related(
        "plan__manager__company", "customer").first()
    if visit is None:
        raise Http404("No such visit")
    if edit and not can_edit_plan(user, visit.plan):
        raise PermissionDenied
    return visit


def visible_plans_ids(user):
    from fieldcrm.visits.models import WeekPlan

    return WeekPlan.objects.visible_to(user).values("pk")


def is_coordinator(user) -> bool:
    return user.is_authenticated and user.role in (User.Role.DEPARTMENT, User.Role.MONOPOLY)


def coordination_visits(user, queryset):
    """Planned visits coordinating staff may see and ask to join: submitted or approved plans only."""
    from fieldcrm.visits.models import WeekPlan

    if not is_coordinator(user) or not user.is_active or user.company_id is None:
        return queryset.none()
    queryset = queryset.filter(
        plan__manager__company_id=user.company_id,
        plan__status__in=[WeekPlan.Status.SUBMITTED, WeekPlan.Status.APPROVED],
    )
    if user.area_id:
        queryset = queryset.filter(plan__manager__area_id=user.area_id)
    return queryset


def get_coordination_visit(user, pk):
    from fieldcrm.visits.models import PlannedVisit

    visit = coordination_visits(user, PlannedVisit.objects.all()).select_related("plan__manager", "customer")
    visit = visit.filter(pk=pk).first()
    if visit is None:
        raise Http404("No such visit")
    return visit


def get_join_request_for_manager(user, pk):
    from fieldcrm.visits.models import JoinRequest

    join = JoinRequest.objects.filter(pk=pk, visit__plan__in=visible_plans_ids(user)).select_related(
        "visit__plan").first()
    if join is None:
        raise Http404("No such request")
    if not can_edit_plan(user, join.visit.plan):
        raise PermissionDenied
    return join
