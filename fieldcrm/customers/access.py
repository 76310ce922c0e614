"""Looking up one customer or change request for a user: the 404/403 doors pages and API go through.

Who sees what is the querysets' rule (`Customer.objects.visible_to(user)`,
`ChangeRequest.objects.visible_to(user)` in customers/models.py); here only the lookups and the can-do
checks they need. Outsiders get 404 (the object "does not exist" for them); read-only insiders get 403 on
writes.

The one keyword across apps: `for_change=True` says "I mean to change it" and asks the owner's right (here:
edit the profile, propose changes, raise a need, do a service). A reviewer's verdict on someone else's
submission is a different right, so it has its own lookup, `get_…_to_decide` (change requests here, week
plans in visits/access.py), not a second keyword.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fieldcrm.customers.models import ChangeRequest, Customer
from fieldcrm.lib.ids import one_or_404, valid_code
from fieldcrm.org.models import User


def can_edit_customer(user, customer) -> bool:
    """Who may edit a profile or propose changes: an admin of its company, or whoever oversees its manager
    by the one team rule (`User.objects.team_of`: the manager themself, their area's supervisor)."""
    if user.is_superuser:
        return True
    if user.company_id != customer.company_id or customer.manager_id is None:
        return user.company_id == customer.company_id and user.is_company_admin
    if user.is_company_admin or (user.is_manager and customer.manager_id == user.pk):
        return True  # the team rule's answer for these two, without asking the database
    return user.oversees_anyone and User.objects.team_of(user).filter(pk=customer.manager_id).exists()


def can_export_customers(user) -> bool:
    return user.is_company_admin or user.is_supervisor or user.is_manager


def get_customer_for_user(user, customer_code: str, *, for_change: bool = False) -> Customer:
    """The customer if the user may see it (else 404); with for_change=True, 403 when read-only."""
    customer = (
        Customer.objects.visible_to(user)
        .select_related("manager", "territory", "customer_class")
        .filter(customer_code=valid_code(customer_code))
        .first()
    )
    if customer is None:
        raise Http404("No such customer")
    if for_change and not can_edit_customer(user, customer):
        raise PermissionDenied
    return customer


def get_customer_item(queryset, pk, user, *, for_change: bool, missing: str):
    """One object that belongs to a customer (a service task, a need), from `queryset` already limited to
    what the user sees: 404 when it is not there, 403 when for_change and the user may not edit its
    customer."""
    item = one_or_404(queryset, pk, missing)
    if for_change and not can_edit_customer(user, item.customer):
        raise PermissionDenied
    return item


def can_decide_change_request(user, change_request) -> bool:
    """An admin of the company, or the staff of the department the request is routed to."""
    if user.is_superuser:
        return True
    if user.company_id != change_request.department.company_id:
        return False
    return user.is_company_admin or (user.is_department_staff and user.department_id == change_request.department_id)


def get_change_request_for_user(user, pk: int) -> ChangeRequest:
    """The request if the user may see it (else 404). Withdrawing needs no more: the action allows only the
    proposer."""
    requests = ChangeRequest.objects.visible_to(user).select_related("customer", "department", "proposed_by",
                                                                     "decided_by")
    return one_or_404(requests, pk, "No such change request")


def get_change_request_to_decide(user, pk: int) -> ChangeRequest:
    """The request if the user may see it (else 404) and decide it (else 403)."""
    change_request = get_change_request_for_user(user, pk)
    if not can_decide_change_request(user, change_request):
        raise PermissionDenied
    return change_request
