"""Looking up one need for a user: the same people as for its customer (customers/access.py).

Visibility is `Demand.objects.visible_to(user)` (followup/models.py); `for_change=True` is the one keyword
for "I mean to change it" (customers/access.py explains it). Outsiders get 404; read-only insiders
(department staff, monopoly officers) get 403 on writes."""

from fieldcrm.customers.access import get_customer_item
from fieldcrm.followup.models import Demand


def get_demand_for_user(user, pk, *, for_change: bool = False) -> Demand:
    """The need if its customer is visible to the user (else 404); with for_change=True, 403 when read-only."""
    demands = Demand.objects.visible_to(user).select_related(
        "customer__manager", "customer__customer_class", "raised_by", "closed_by")
    return get_customer_item(demands, pk, user, for_change=for_change, missing="No such need")
