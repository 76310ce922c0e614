"""Who may see and act on a need: the same people as for its customer (customers/access.py).

Outsiders get 404; read-only insiders (department staff, monopoly officers) get 403 on writes."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fieldcrm.customers.access import can_edit_customer
from fieldcrm.followup.models import Demand


def get_demand_for_user(user, pk, *, act=False) -> Demand:
    demand = (
        Demand.objects.visible_to(user)
        .select_related("customer__manager", "customer__customer_class", "raised_by", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if demand is None:
        raise Http404("No such need")
    if act and not can_edit_customer(user, demand.customer):
        raise PermissionDenied
    return demand
