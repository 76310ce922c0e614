"""The calendar of a plan week: which Mondays may be planned, a plan's working days, clock minutes.

- `next_week_start(today)`: the Monday after `today` (from `lib/periods.py`, the company calendar).
- `week_error(week, today)`: why a week cannot be planned (not a Monday, already over, beyond the
  VISIT_PLAN_WEEKS_AHEAD horizon), or None; `check_week` raises it as `InvalidInput`.
- `week_days(plan_or_week, policy)`: the working days of a plan's week.
- `minutes(time)` / `clock(minutes)`: a time of day as minutes after midnight and back as "HH:MM".
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from fieldcrm.errors import InvalidInput

# next_week_start is company time (lib/periods.py); re-exported for the callers that know it from here.
from fieldcrm.lib.periods import next_week_start as next_week_start
from fieldcrm.lib.periods import week_start


def week_error(week: date, today: date) -> str | None:
    """Why a week cannot be planned, or None. Weeks run from the current one to the horizon: a plan for a
    week years ahead would only plan stores that will have changed by then (and near year 9999 the week's
    end does not exist)."""
    if week != week_start(week):
        return _("A week starts on a Monday.")
    this_week = week_start(today)
    if week < this_week:
        return _("Past weeks cannot be planned.")
    ahead = settings.VISIT_PLAN_WEEKS_AHEAD
    if (week - this_week).days > 7 * ahead:
        return _("Weeks can be planned at most %(weeks)s weeks ahead.") % {"weeks": ahead}
    return None


def check_week(week: date, today: date) -> None:
    error = week_error(week, today)
    if error:
        raise InvalidInput(error, field="week")


def week_days(plan_or_week, policy) -> list[date]:
    week_start = getattr(plan_or_week, "week_start", plan_or_week)
    return [week_start + timedelta(days=d) for d in range(policy.working_days)]


def minutes(value) -> int:
    return value.hour * 60 + value.minute


def clock(total_minutes: float) -> str:
    total = int(round(total_minutes))
    return f"{total // 60:02d}:{total % 60:02d}"
