"""Plan versus actual per manager and week: how many planned visits were done on site, done off-site or
missed, and how many visits were made without a plan. Plain data, computed in two aggregate queries
whatever the number of managers and weeks, for the supervisor's page and the duty scorecard.

Only days up to `today` count: in the current week a visit planned for tomorrow is neither due nor missed,
and one planned for today that is not yet done is `pending` (still to do, not missed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from fieldcrm.lib.periods import WEEK, Period, week_start
from fieldcrm.visits.models import Visit, WeekPlan


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
    due = Q(visits__day__lte=today)
    not_done = Q(visits__done_visit__isnull=True)
    rows = (WeekPlan.objects
            .filter(manager_id__in=manager_ids, week_start__gte=first, week_start__lte=last)
            .values("pk", "manager_id", "week_start", "status")
            .annotate(planned=Count("visits", filter=due),
                      done=Count("visits", filter=due & Q(visits__done_visit__on_site=True)),
                      off_site=Count("visits", filter=due & Q(visits__done_visit__on_site=False)),
                      missed=Count("visits", filter=Q(visits__day__lt=today) & not_done),
                      pending=Count("visits", filter=Q(visits__day=today) & not_done))
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
