"""Duty 3 and 4 figures per customer manager (`../shared/docs/metrics.md`, "Duty scorecard"), and the one
count of plan versus actual that the plan pages, `actuals.py` and the scorecard all read. Plain data keyed by
manager id, for a half-open period of company days (`lib/periods.Period`).

Plan versus actual (`COUNTS`, the one rule): a planned visit whose day has come is *done* when a visit
carried it out checked in on site (within the company's check-in radius, `PlanningPolicy.checkin_radius_m`,
200 m by default — `Visit.on_site`, decided when the visit is recorded), *off-site* when the visit was farther,
*missed* when its day has passed with no visit, *pending* on its own day until done. Days after `today` count
for nothing yet. Every plan counts, whatever its status (a draft's visits are still what the manager meant
to do).

- `plan_counts(manager_ids, period, today=None)` → {manager id: `Counts`} (every manager asked).
- `visit_completion(manager_ids, period, today=None)` → {manager id: {"value", "numerator", "denominator"}}:
  planned visits done on site / planned visits due (days in the period up to today, less today's still to do).
- `plan_on_time(manager_ids, period)` → {manager id: {"value", "numerator", "denominator"}}: the weeks
  starting in the period (their Mondays) whose plan was submitted — and is still submitted or approved, not
  sent back — before the week started (`submitted_at` < Monday 00:00 Beijing) / those weeks.
- `planned_visits(manager_ids, period)`, `due_weeks(period)`: the records behind the counts.
- `change_latency_days(manager_ids, period)` → {manager id: {"value": median days or None, "count",
  "requests"}}: duty 1's latency from a change noticed at a visit to its approval (here, not in
  customers.metrics: it reads the visit, and customers sits below visits); `noticed_and_approved` the rows.
- `last_visits(customers, before=None)` → {customer id: the aware time of the last visit checked in
  there, whoever made it}: "last visit" is a recorded visit, never a planned one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from fieldcrm.customers.models import ChangeRequest
from fieldcrm.lib.figures import median_of, ratios
from fieldcrm.lib.periods import Period, midnight
from fieldcrm.visits.models import NoticedChange, PlannedVisit, Visit, WeekPlan


@dataclass(frozen=True)
class Counts:
    """`planned` counts the planned visits of days up to today; each of them is done (on site), off_site,
    missed (its day has passed) or pending (today's, not yet done). `ad_hoc`: visits made without a plan."""

    planned: int = 0
    done: int = 0
    off_site: int = 0
    missed: int = 0
    pending: int = 0
    ad_hoc: int = 0

    @property
    def due(self) -> int:
        """Planned visits whose time has come: all but today's still to do."""
        return self.planned - self.pending

    @property
    def done_pct(self) -> int | None:
        """Planned visits done on site, in per cent of those due (None when none is due yet). Off-site
        visits do not count: the phone was not at the store."""
        return round(100 * self.done / self.due) if self.due else None

    def counts(self) -> dict:
        return {"planned": self.planned, "done": self.done, "off_site": self.off_site, "missed": self.missed,
                "pending": self.pending, "ad_hoc": self.ad_hoc, "done_pct": self.done_pct}


COUNTED = ("planned", "done", "off_site", "missed", "pending")


def counts_of(today: date, visits: str = "") -> dict:
    """The one rule of plan versus actual as aggregates over planned visits reached through `visits` (""
    from PlannedVisit itself, "visits__" from WeekPlan)."""
    def q(**lookups) -> Q:
        return Q(**{visits + name: value for name, value in lookups.items()})

    due = q(day__lte=today)
    not_done = q(done_visit__isnull=True)
    counted = visits + "pk" if visits else "pk"
    return {"planned": Count(counted, filter=due),
            "done": Count(counted, filter=due & q(done_visit__on_site=True)),
            "off_site": Count(counted, filter=due & q(done_visit__on_site=False)),
            "missed": Count(counted, filter=q(day__lt=today) & not_done),
            "pending": Count(counted, filter=q(day=today) & not_done)}


def planned_visits(manager_ids: Iterable[int], period: Period) -> QuerySet[PlannedVisit]:
    return PlannedVisit.objects.filter(period.day_q("day"), plan__manager_id__in=list(manager_ids))


def ad_hoc_visits(manager_ids: Iterable[int], period: Period) -> QuerySet[Visit]:
    """Visits made without a plan, checked in during the period (Beijing days)."""
    return Visit.objects.filter(period.q("checked_in_at"), manager_id__in=list(manager_ids), ad_hoc=True)


def plan_counts(manager_ids: Iterable[int], period: Period, today: date | None = None) -> dict[int, Counts]:
    """Plan versus actual per manager over the period: two aggregate queries."""
    today = today or timezone.localdate()
    ids = list(manager_ids)
    rows: dict[int, dict] = {
        row["plan__manager_id"]: dict(row) for row in planned_visits(ids, period).values("plan__manager_id")
        .annotate(**counts_of(today)).order_by()}
    ad_hoc: dict[int, int] = dict(ad_hoc_visits(ids, period).values_list("manager_id")
                                  .annotate(n=Count("pk")).order_by())
    empty: dict = {}
    return {pk: Counts(**{name: rows.get(pk, empty).get(name, 0) for name in COUNTED}, ad_hoc=ad_hoc.get(pk, 0))
            for pk in ids}


def visit_completion(manager_ids: Iterable[int], period: Period, today: date | None = None) -> dict[int, dict]:
    ids = list(manager_ids)
    counts = plan_counts(ids, period, today)
    return ratios(ids, {pk: c.done for pk, c in counts.items()}, {pk: c.due for pk, c in counts.items()})


def due_weeks(period: Period) -> list[date]:
    """The weeks a manager owes a plan for in the period: those starting (Monday) in it."""
    return period.mondays()


def plan_on_time(manager_ids: Iterable[int], period: Period) -> dict[int, dict]:
    ids = list(manager_ids)
    weeks = due_weeks(period)
    on_time: dict[int, int] = {}
    plans = (WeekPlan.objects.filter(manager_id__in=ids, week_start__in=weeks, submitted_at__isnull=False,
                                     status__in=[WeekPlan.Status.SUBMITTED, WeekPlan.Status.APPROVED])
             .values_list("manager_id", "week_start", "submitted_at"))
    for manager_id, week, submitted_at in plans:
        if submitted_at is not None and submitted_at < midnight(week):
            on_time[manager_id] = on_time.get(manager_id, 0) + 1
    return ratios(ids, on_time, dict.fromkeys(ids, len(weeks)))


def last_visits(customers: Iterable[int] | QuerySet, before: datetime | None = None) -> dict[int, datetime]:
    """The last visit checked in at each store (ids, or a queryset of customer ids; before `before` when
    given), whoever made it (a store handed over keeps its history): one query."""
    ids = customers if isinstance(customers, QuerySet) else list(customers)
    visits = Visit.objects.most_recent(before).filter(customer_id__in=ids)
    return dict(visits.values_list("customer_id").annotate(last=Max("checked_in_at")).order_by())


def change_latency_days(manager_ids: Iterable[int], period: Period) -> dict[int, dict]:
    """Duty 1 (it lives here because it needs the visit; customers sits below visits): {manager id:
    {"value": median days or None, "count": changes measured, "requests": [change request ids]}} — change
    requests approved in the period (Beijing days) that a visit of the manager noticed (the visit's
    `NoticedChange` links to the request), each measured from the visit's check-in to the approval, in days
    (fractional, unrounded). Fields the manager saves at once are not requests and do not count; rejected
    requests neither."""
    ids = list(manager_ids)
    days: dict[int, list[float]] = {pk: [] for pk in ids}
    requests: dict[int, list[int]] = {pk: [] for pk in ids}
    for manager_id, checked_in_at, request_id, decided_at in noticed_and_approved(ids, period).values_list(
            "visit__manager_id", "visit__checked_in_at", "change_request_id", "change_request__decided_at"):
        if decided_at is not None:  # an approved request always has it; the column allows null
            days[manager_id].append((decided_at - checked_in_at).total_seconds() / 86400)
            requests[manager_id].append(request_id)
    return {pk: {**median_of(days[pk]), "requests": requests[pk]} for pk in ids}


def noticed_and_approved(manager_ids: Iterable[int], period: Period) -> QuerySet[NoticedChange]:
    """The records behind `change_latency_days`: changes noticed at the managers' visits whose change request
    was approved in the period."""
    return NoticedChange.objects.filter(
        period.q("change_request__decided_at"), change_request__status=ChangeRequest.Status.APPROVED,
        visit__manager_id__in=list(manager_ids)).order_by("pk")
