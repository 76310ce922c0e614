"""Periods, scopes and groupings the analyses share (metrics.md: a period is a half-open date range)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


def year_back(day: date) -> date:
    """The same day a year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    """[start, end): `start` included, `end` excluded."""

    start: date
    end: date

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self, n: int = 1) -> Period:
        """The `n` periods of equal length just before this one, as one period (`mom` uses n = 1)."""
        return Period(self.start - timedelta(days=self.days * n), self.start)

    def last_year(self) -> Period:
        """The same dates a year earlier (`yoy`)."""
        return Period(year_back(self.start), year_back(self.end))

    def twelve_months_before(self) -> Period:
        return Period(year_back(self.start), self.start)


@dataclass(frozen=True)
class Scope:
    """What a user may see: one company (None: every company, superusers only) and, within it, the customers
    of these managers (None: all of them). `fieldcrm.sales.scope.scope_for(user)` builds it."""

    company_id: int | None = None
    manager_ids: frozenset[int] | None = None


# group_by / filter name → canonical column. Customer groupings first, then product groupings.
CUSTOMER_GROUPS = {"company": "company", "area": "area", "territory": "territory", "manager": "manager",
                   "customer": "customer_code"}
PRODUCT_GROUPS = {"brand": "brand", "sku": "sku_code", "price_class": "price_class"}
GROUPS = {**CUSTOMER_GROUPS, **PRODUCT_GROUPS}
