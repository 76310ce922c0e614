"""Who may see and act on service tasks: the same people as for the customer (customers/access.py)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from fieldcrm.care.models import ServiceTask
from fieldcrm.customers.access import can_edit_customer


def get_task_for_user(user, pk, *, act=False) -> ServiceTask:
    """The task if its customer is visible to the user (else 404); with act=True, 403 when read-only."""
    task = ServiceTask.objects.visible_to(user).select_related("customer__manager", "item").filter(pk=pk).first()
    if task is None:
        raise Http404("No such service task")
    if act and not can_edit_customer(user, task.customer):
        raise PermissionDenied
    return task
