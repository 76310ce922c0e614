"""Duty 5 follow-up figure per customer manager (`../shared/docs/metrics.md`), plain data keyed by manager id.

- `demand_closure(manager_ids, period)`: {manager id: {"value", "numerator", "denominator"}} — needs of the
  manager's customers whose deadline (`due_at`: raised time + the response hours of the SLA) falls in the
  period (Beijing days [start, end)), and of them those closed with feedback given to the retailer by the
  deadline (`models.ANSWERED_IN_TIME`, the rule of `Demand.objects.answered_in_time()`). `due_demands` is the
  records behind the denominator; `.answered_in_time()` on it those behind the numerator.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from fieldcrm.followup.models import ANSWERED_IN_TIME, Demand
from fieldcrm.lib.figures import ratios
from fieldcrm.lib.periods import Period


def due_demands(manager_ids: Iterable[int], period: Period) -> QuerySet[Demand]:
    return Demand.objects.filter(period.q("due_at"), customer__manager_id__in=list(manager_ids))


def demand_closure(manager_ids: Iterable[int], period: Period) -> dict[int, dict]:
    ids = list(manager_ids)
    rows = (due_demands(ids, period).values("customer__manager_id")
            .annotate(due=Count("pk"), closed=Count("pk", filter=ANSWERED_IN_TIME)).order_by())
    return ratios(ids, {r["customer__manager_id"]: r["closed"] for r in rows},
                  {r["customer__manager_id"]: r["due"] for r in rows})
