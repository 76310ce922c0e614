"""Plan versus actual per manager and week: how many planned visits were done on site, done off-site or
missed, and how many visits were made without a plan. Plain data, computed in two aggregate queries
whatever the number of managers and weeks, for the supervisor's page. The rule and `Counts` are
`metrics.py`'s (the scorecard reads `metrics.plan_counts` / `visit_completion` over any period).

Only days up to `today` count: in the current week a visit planned for tomorrow is neither due nor missed,
and one planned for today that is not yet done is `pending` (still to do, not missed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from fieldcrm.lib.periods import WEEK, Period, week_start
from fieldcrm.visits.metrics import Counts, counts_of
from fieldcrm.visits.models import Visit, WeekPlan


@dataclass(frozen=True)
class WeekActuals(Counts):
    """One manager's week, and their plan of that week if there is one."""

    manager_id: int = 0
    week_start: date = date.min
    plan_id: int | None = None
    plan_status: str | None = None

    def as_dict(self) -> dict:
        return {"manager_id": self.manager_id, "week_start": self.week_start, "plan_id": self.plan_id,
                "plan_status": self.plan_status, **self.counts()}


def total(items: Iterable[Counts]) -> Counts:
    """The counts of several weeks or managers added up."""
    items = list(items)
    return Counts(**{name: sum(getattr(item, name) for item in items)
                     for name in ("planned", "done", "off_site", "missed", "pending", "ad_hoc")})


def _plans(manager_ids: list[int], first: date, last: date, today: date) -> dict[tuple[int, date], dict]:
    """Per plan (one per manager and week): its status and the counts over its days up to today."""
    rows = (WeekPlan.objects
            .filter(manager_id__in=manager_ids, week_start__gte=first, week_start__lte=last)
            .values("pk", "manager_id", "week_start", "status")
            .annotate(**counts_of(today, "visits__"))
            .order_by())
    return {(row["manager_id"], row["week_start"]): dict(row) for row in rows}


def _ad_hoc(manager_ids: list[int], first: date, last: date) -> dict[tuple[int, date], int]:
    """Unplanned visits per manager and week (the day of check-in in local time)."""
    zone = timezone.get_current_timezone()
    weeks = Period(first, last + WEEK)
    rows = (Visit.objects.filter(weeks.q("checked_in_at"), manager_id__in=manager_ids, ad_hoc=True)
            .annotate(day=TruncDate("checked_in_at", tzinfo=zone))
            .values("manager_id", "day").annotate(n=Count("pk")).order_by())
    counts: dict[tuple[int, date], int] = {}
    for row in rows:
        key = (row["manager_id"], week_start(row["day"]))
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def week_actuals(manager_ids: Iterable[int], weeks: list[date], today: date | None = None
                 ) -> dict[tuple[int, date], WeekActuals]:
    """(manager id, Monday) → WeekActuals for every manager and week asked, zeros included. Two queries."""
    today = today or timezone.localdate()
    ids = list(manager_ids)
    if not ids or not weeks:
        return {}
    first, last = min(weeks), max(weeks)
    plans = _plans(ids, first, last, today)
    ad_hoc = _ad_hoc(ids, first, last)
    result = {}
    for manager_id in ids:
        for week in weeks:
            key = (manager_id, week)
            row = plans.get(key, {})
            result[key] = WeekActuals(
                manager_id=manager_id, week_start=week, plan_id=row.get("pk"), plan_status=row.get("status"),
                planned=row.get("planned", 0), done=row.get("done", 0), off_site=row.get("off_site", 0),
                missed=row.get("missed", 0), pending=row.get("pending", 0), ad_hoc=ad_hoc.get(key, 0))
    return result
