"""Duty 2 figures per customer manager (`../shared/docs/metrics.md`, "Duty scorecard"), plain data keyed by
manager id, for a half-open period of company days (`lib/periods.Period`).

- `service_completion(manager_ids, period)`: {manager id: {"value", "numerator", "denominator"}} — service
  tasks due in the period (due date in [start, end), cancelled ones excluded: re-planning cancels a task only
  when it has nothing left to say, so it was never owed) of the manager's customers, and of them those done by
  their due date (marked done on or before the due day, Beijing time). Skipped tasks count as not done.
  `due_tasks` / `done_in_time` are the records behind the two counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from fieldcrm.care.models import ServiceTask
from fieldcrm.lib.figures import ratios
from fieldcrm.lib.periods import Period


def due_tasks(manager_ids: Iterable[int], period: Period) -> QuerySet[ServiceTask]:
    """The denominator's records: tasks of the managers' customers due in the period, not cancelled."""
    return (ServiceTask.objects.filter(period.day_q("due_date"), customer__manager_id__in=list(manager_ids))
            .exclude(status=ServiceTask.Status.CANCELLED))


def done_in_time(tasks: QuerySet[ServiceTask]) -> QuerySet[ServiceTask]:
    """The numerator's records: done on or before the due day (the Beijing day of `done_at`)."""
    zone = timezone.get_current_timezone()
    return tasks.annotate(done_day=TruncDate("done_at", tzinfo=zone)).filter(
        status=ServiceTask.Status.DONE, done_day__lte=F("due_date"))


def service_completion(manager_ids: Iterable[int], period: Period) -> dict[int, dict]:
    ids = list(manager_ids)
    zone = timezone.get_current_timezone()
    in_time = Q(status=ServiceTask.Status.DONE, done_day__lte=F("due_date"))
    rows = (due_tasks(ids, period).annotate(done_day=TruncDate("done_at", tzinfo=zone))
            .values("customer__manager_id").annotate(due=Count("pk"), done=Count("pk", filter=in_time)).order_by())
    due = {row["customer__manager_id"]: row["due"] for row in rows}
    done = {row["customer__manager_id"]: row["done"] for row in rows}
    return ratios(ids, done, due)
