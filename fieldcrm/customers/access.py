"""Data-level permissions for customers and change requests: the one place pages and API ask.

- customer manager: their own customers;
- supervisor: the customers of the managers in the marketing area they lead;
- department staff and monopoly officers: read every customer of their company (they act on requests);
- admin: everything in their company.
Outsiders get 404 (the object "does not exist" for them); read-only insiders get 403 on writes.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fieldcrm.org.models import User


def visible_customers(user, queryset):
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.company_id is None:
        return queryset.none()
    queryset = queryset.filter(company_id=user.company_id)
    match user.role:
        case User.Role.ADMIN | User.Role.DEPARTMENT | User.Role.MONOPOLY:
            return queryset
        case User.Role.SUPERVISOR:
            if user.area_id is None:
                return queryset.none()
            return queryset.filter(manager__area_id=user.area_id)
        case User.Role.MANAGER:
            return queryset.filter(manager_id=user.pk)
    return queryset.none()


def can_edit_customer(user, customer) -> bool:
    """Who may edit a profile or propose changes: its manager, their supervisor, an admin."""
    if user.is_superuser:
        return True
    if user.company_id != customer.company_id:
        return False
    if user.role == User.Role.ADMIN:
        return True
    if user.role == User.Role.MANAGER:
        return customer.manager_id == user.pk
    if user.role == User.Role.SUPERVISOR:
        return user.area_id is not None and customer.manager.area_id == user.area_id
    return False


def can_export_customers(user) -> bool:
    return user.is_superuser or user.role in (User.Role.ADMIN, User.Role.SUPERVISOR, User.Role.MANAGER)


def get_customer_for_user(user, customer_code: str, *, edit: bool = False):
    """The customer if the user may see it (else 404); with edit=True, 403 when read-only."""
    from fieldcrm.customers.models import Customer

    customer = (
        Customer.objects.visible_to(user)
        .select_related("manager", "territory", "customer_class")
        .filter(customer_code=customer_code)
        .first()
    )
    if customer is None:
        raise Http404("No such customer")
    if edit and not can_edit_customer(user, customer):
        raise PermissionDenied
    return customer


def visible_change_requests(user, queryset):
    """Requests the user proposed or may decide, plus those on customers they oversee."""
    from fieldcrm.customers.models import Customer

    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    queryset = queryset.filter(customer__company_id=user.company_id)
    match user.role:
        case User.Role.ADMIN:
            return queryset
        case User.Role.DEPARTMENT | User.Role.MONOPOLY:
            return queryset.filter(department_id=user.department_id)
        case User.Role.SUPERVISOR | User.Role.MANAGER:
            customers = visible_customers(user, Customer.objects.all()).values("pk")
            return queryset.filter(customer__in=customers)
    return queryset.none()


def can_decide_change_request(user, change_request) -> bool:
    if user.is_superuser:
        return True
    if user.company_id != change_request.department.company_id:
        return False
    if user.role == User.Role.ADMIN:
        return True
    return user.is_department_staff and user.department_id == change_request.department_id


def get_change_request_for_user(user, pk: int, *, decide: bool = False):
    from fieldcrm.customers.models import ChangeRequest

    change_request = (
        ChangeRequest.objects.visible_to(user)
        .select_related("customer", "department", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if change_request is None:
        raise Http404("No such change request")
    if decide and not can_decide_change_request(user, change_request):
        raise PermissionDenied
    return change_request
