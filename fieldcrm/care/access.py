"""Looking up one service task for a user: the same people as for its customer (customers/access.py).

Visibility is `ServiceTask.objects.visible_to(user)` (care/models.py); `for_change=True` is the one keyword
for "I mean to change it" (customers/access.py explains it)."""

from fieldcrm.care.models import ServiceTask
from fieldcrm.customers.access import get_customer_item


def get_task_for_user(user, pk, *, for_change: bool = False) -> ServiceTask:
    """The task if its customer is visible to the user (else 404); with for_change=True, 403 when read-only."""
    tasks = ServiceTask.objects.visible_to(user).select_related("customer__manager", "item")
    return get_customer_item(tasks, pk, user, for_change=for_change, missing="No such service task")
