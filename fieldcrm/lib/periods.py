"""Company time: the days, weeks and periods every figure and page counts in.

The company's day is the Asia/Shanghai day (`TIME_ZONE`), whatever the server's or the phone's zone: a visit
checked in at 23:30 UTC belongs to the next Beijing day. Weeks start on Monday. A period is a half-open date
range [start, end): `end` is the first day *not* in it, so consecutive periods share no day and a period's
length is `end - start`.

- `week_start(day)` / `next_week_start(day)`: the Monday of the day's week / of the week after.
- `recent_weeks(today, count)`: the Mondays of the last `count` weeks, oldest first, the current one last.
- `Period(start, end)`: `.week(day)`, `.month(day)`, `.days`, `day in period`, `.previous()` (the same length
  just before), `.last_year()` (the same dates a year earlier), `.mondays()` (the weeks starting in it),
  `.bounds()` (aware datetimes of its first and end midnight), `.q(field)` (a datetime field in it).
- `local_day(moment)`: the company's day of an aware datetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

WEEK = timedelta(days=7)


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def next_week_start(day: date) -> date:
    """The Monday after the day's week (a Monday's next week is 7 days on)."""
    return week_start(day) + WEEK


def recent_weeks(today: date, count: int = 8) -> list[date]:
    """The Mondays of the last `count` weeks, oldest first, ending with the current week."""
    current = week_start(today)
    return [current - WEEK * n for n in range(count - 1, -1, -1)]


def local_day(moment: datetime) -> date:
    """The company's (Asia/Shanghai) day of an aware moment."""
    return timezone.localdate(moment)


def midnight(day: date) -> datetime:
    """The moment the company's day starts (aware, in the current time zone)."""
    return datetime.combine(day, time(), timezone.get_current_timezone())


def shift_years(day: date, years: int) -> date:
    """The same date `years` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, order=True)
class Period:
    """The days [start, end) in company time."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"a period ends on or after it starts: [{self.start}, {self.end})")

    @classmethod
    def week(cls, day: date) -> Period:
        """The Monday-to-Sunday week of the day."""
        monday = week_start(day)
        return cls(monday, monday + WEEK)

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(first, following)

    @classmethod
    def days_to(cls, first: date, last: date) -> Period:
        """The period from `first` to `last`, both included (a form's two days)."""
        return cls(first, last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last(self) -> date:
        """The period's last day (for display: "1–7 December")."""
        return self.end - timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def previous(self) -> Period:
        """The period of equal length just before this one (环比)."""
        return Period(self.start - (self.end - self.start), self.start)

    def last_year(self) -> Period:
        """The same dates a year earlier (同比)."""
        return Period(shift_years(self.start, -1), shift_years(self.end, -1))

    def mondays(self) -> list[date]:
        """The weeks that start in the period, by their Monday."""
        first = week_start(self.start)
        if first < self.start:
            first += WEEK
        mondays = []
        while first < self.end:
            mondays.append(first)
            first += WEEK
        return mondays

    def bounds(self) -> tuple[datetime, datetime]:
        """The aware moments the period starts and ends (the company's midnights)."""
        return midnight(self.start), midnight(self.end)

    def q(self, field: str) -> Q:
        """A datetime field falling in the period, by the company's day (served by an index on the field)."""
        since, until = self.bounds()
        return Q(**{f"{field}__gte": since, f"{field}__lt": until})

    def day_q(self, field: str) -> Q:
        """A date field falling in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})
