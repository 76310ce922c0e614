"""The dashboards' one door to the analytics engine: `figures(kind, user, start, end, group_by, filters)` returns
the engine's rows (`analyses.<kind>`, the shape of GET /api/v1/analytics/{kind}) for what `user` may see
(`scope_for`), and `scorecard_rows(user, start, end)` the scorecard's rows per manager (`scorecard.scorecard`,
the same function the API calls). Nothing here computes a figure; it only picks the tables, the period and the
scope, and orders rows for display.

A page that asks several questions passes the same `tables` (`engine_tables()`) to each: opening the copy
once per request instead of once per figure. Answers read from the Parquet copy are kept in the cache until the
copy changes (its state.json is rewritten by every refresh): the copy changes nightly and after an order import,
while a trend of twelve months asks for 25 periods' figures on every page view. Answers from live rows (the
PostgreSQL backend) are never kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from fieldcrm.sales.analytics import analyses, sources, store
from fieldcrm.sales.analytics.periods import Period
from fieldcrm.sales.scope import scope_for
from fieldcrm.sales.scorecard import scorecard


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def months_back(end: date, count: int) -> list[tuple[date, date]]:
    """The `count` whole months ending with the one holding the day before `end`, oldest first."""
    last = month_start(date.fromordinal(end.toordinal() - 1))
    return [(month_start(last, back), month_start(last, back - 1)) for back in range(count - 1, -1, -1)]


CACHE_SECONDS = 24 * 3600
T = TypeVar("T")


def _copy_version() -> str | None:
    """Which copy answers: the folder and what its state.json says (watermarks, rows per month — every refresh
    that changes the copy changes it); None when nothing may be kept."""
    if settings.ANALYTICS_BACKEND == "postgres":
        return None
    state = store.analytics_dir() / "state.json"
    try:
        said, written = state.read_bytes(), state.stat()
    except FileNotFoundError:
        return None
    # Every refresh replaces the file (a new inode and time), even one whose facts did not change: the
    # dimensions it rewrote may have (a tier, a manager).
    return f"{state}:{hashlib.sha256(said).hexdigest()}:{written.st_ino}:{written.st_mtime_ns}"


def _kept(question: tuple, answer: Callable[[], T]) -> T:
    version = _copy_version()
    if version is None:
        return answer()
    key = "sales-figures:" + hashlib.sha256(repr((version, question)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = answer()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _scope_key(scope) -> tuple:
    managers = None if scope.manager_ids is None else tuple(sorted(scope.manager_ids))
    return (scope.company_id, managers)


def engine_tables() -> sources.Tables:
    """The canonical tables on the configured backend (settings.ANALYTICS_BACKEND)."""
    return sources.tables()


def figures(kind: str, user, start: date, end: date, group_by: str, filters: dict | None = None, *,
            tables: sources.Tables | None = None, scope=None) -> list[dict]:
    """The engine's rows of analysis `kind` for [start, end), grouped and filtered, limited to what `user` may
    see (or to `scope` when the caller decides it, e.g. the letter's peers across the company)."""
    analysis = analyses.ANALYSES[kind]
    scope = scope if scope is not None else scope_for(user)
    question = ("figures", kind, start, end, group_by, sorted((filters or {}).items()), _scope_key(scope))
    return _kept(question, lambda: analysis(tables if tables is not None else engine_tables(), Period(start, end),
                                            group_by, filters or {}, scope))


def figure_series(kind: str, user, periods: list[tuple[date, date]], group_by: str, filters: dict | None = None,
                  *, tables: sources.Tables | None = None) -> list[list[dict]]:
    """The engine's rows for each of `periods` (a trend), each period's figures worked out once."""
    scope = scope_for(user)
    question = ("series", kind, tuple(periods), group_by, sorted((filters or {}).items()), _scope_key(scope))
    return _kept(question, lambda: analyses.series(kind, tables if tables is not None else engine_tables(),
                                                   [Period(start, end) for start, end in periods], group_by,
                                                   filters or {}, scope))


def ranked(rows: list[dict], metric: str) -> list[dict]:
    """Rows largest `metric` first (undefined last, then by key): the order tables and bar charts show."""
    return sorted(rows, key=lambda r: (r.get(metric) is None, -(r.get(metric) or 0), str(r.get("key"))))


def scorecard_rows(user, start: date, end: date, *, tables: sources.Tables | None = None) -> list[dict]:
    """The six-duty scorecard, one row per manager in the user's scope (the API's rows)."""
    return scorecard(tables if tables is not None else engine_tables(), Period(start, end), scope_for(user))
