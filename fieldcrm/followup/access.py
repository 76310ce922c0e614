"""Looking up one need for a user.

Visibility is `Demand.objects.visible_to(user)` (followup/models.py): managers, supervisors and admins see
their customers' needs, department staff and monopoly officers only those routed to their department.
Outsiders get 404. `for_change=True` is the one keyword for "I mean to act on it": the department it is
routed to, the customer's manager or an admin may; anyone else who sees it (a supervisor) gets 403. Which
step each of them may take is the action's business (followup/actions.py)."""

from django.core.exceptions import PermissionDenied

from fieldcrm.followup.actions import may_act
from fieldcrm.followup.models import Demand
from fieldcrm.lib.ids import one_or_404

RELATED = ("customer__manager", "customer__customer_class", "raised_by", "closed_by", "resolved_by", "department")


def get_demand_for_user(user, pk, *, for_change: bool = False) -> Demand:
    """The need if the user sees it (else 404); with for_change=True, 403 unless the user may act on it."""
    demand = one_or_404(Demand.objects.visible_to(user).select_related(*RELATED), pk, "No such need")
    if for_change and not may_act(user, demand):
        raise PermissionDenied
    return demand
