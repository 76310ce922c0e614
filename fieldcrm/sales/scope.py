"""Who sees which figures: the one rule the analytics endpoints and the dashboards use. Managers, supervisors
and admins see the stores of their team, `User.objects.team_of(user)` (the one team rule: a manager themself,
a supervisor the managers of the area they lead, an admin every manager of the company); department staff and
monopoly officers read the whole company, as they read its customers; a superuser without a company sees
everything."""

from __future__ import annotations

from fieldcrm.org.models import User
from fieldcrm.sales.analytics.periods import Scope

NOTHING = Scope(company_id=0, manager_ids=frozenset())


def scope_for(user) -> Scope:
    if user is None or not (user.is_authenticated and user.is_active):
        return NOTHING
    if user.is_superuser and user.company_id is None:
        return Scope()
    if user.company_id is None:
        return NOTHING
    if user.is_department_staff:
        return Scope(company_id=user.company_id)
    if user.is_company_admin or user.is_supervisor or user.is_manager:
        team = User.objects.team_of(user).values_list("pk", flat=True)
        return Scope(company_id=user.company_id, manager_ids=frozenset(team))
    return NOTHING


def managers_in(scope: Scope):
    """The customer managers a scope covers (the scorecard's rows)."""
    managers = User.objects.filter(role=User.Role.MANAGER, is_active=True)
    if scope.company_id is not None:
        managers = managers.filter(company_id=scope.company_id)
    if scope.manager_ids is not None:
        managers = managers.filter(pk__in=scope.manager_ids)
    return managers.order_by("username")
