"""Who sees which figures: the one rule the analytics endpoints use (as `Customer.objects.visible_to` for the
pages). A manager sees their own stores, a supervisor the managers of the marketing area they lead, department
staff, monopoly officers and admins the whole company, a superuser everything.

Today the team is read from `User.area` (the rule of `User.overseen`); it switches to
`User.objects.team_of(user)` when that lands, here and nowhere else."""

from __future__ import annotations

from fieldcrm.org.models import User
from fieldcrm.sales.analytics.periods import Scope

NOTHING = Scope(company_id=0, manager_ids=frozenset())


def scope_for(user) -> Scope:
    if not (user.is_authenticated and user.is_active):
        return NOTHING
    if user.is_superuser:
        return Scope()
    if user.company_id is None:
        return NOTHING
    if user.is_company_admin or user.is_department_staff:
        return Scope(company_id=user.company_id)
    if user.is_supervisor and user.area_id is not None:
        team = User.objects.filter(company_id=user.company_id, area_id=user.area_id)
        return Scope(company_id=user.company_id, manager_ids=frozenset(team.values_list("pk", flat=True)))
    if user.is_manager:
        return Scope(company_id=user.company_id, manager_ids=frozenset({user.pk}))
    return NOTHING


def managers_in(scope: Scope):
    """The customer managers a scope covers (the scorecard's rows)."""
    managers = User.objects.filter(role=User.Role.MANAGER, is_active=True)
    if scope.company_id is not None:
        managers = managers.filter(company_id=scope.company_id)
    if scope.manager_ids is not None:
        managers = managers.filter(pk__in=scope.manager_ids)
    return managers.order_by("username")
