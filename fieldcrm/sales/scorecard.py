"""The six-duty scorecard per customer manager (metrics.md). Duty 6's `sales_vs_target` is computed here from
the sales analysis and `SalesTarget`; duties 1–5 come from each app's `metrics.py` through `DUTY_FIGURES`,
the extension point: a provider takes the managers and the period and returns `{manager_id: {metric: value}}`
(e.g. `profile_accuracy`, `service_completion`, `plan_on_time`, `visit_completion`, `demand_closure`), and its
metrics appear on every row (None for a manager it has no figure for)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fieldcrm.sales.analytics import analyses
from fieldcrm.sales.analytics.periods import Period, Scope
from fieldcrm.sales.analytics.sources import Tables
from fieldcrm.sales.models import SalesTarget
from fieldcrm.sales.scope import managers_in

DutyFigures = Callable[[Sequence[Any], Period], Mapping[int, Mapping[str, Any]]]
DUTY_FIGURES: list[tuple[tuple[str, ...], DutyFigures]] = []


def register_duty_figures(metrics: Sequence[str], provider: DutyFigures) -> None:
    """Called from an app's `ready()`: `metrics` are the names it returns (so rows carry them even when null).
    Registering the same metrics again replaces the provider."""
    DUTY_FIGURES[:] = [(names, known) for names, known in DUTY_FIGURES if names != tuple(metrics)]
    DUTY_FIGURES.append((tuple(metrics), provider))


def target_cases(targets, period: Period) -> float | None:
    """The target for the period in 箱: each overlapping target counted for the share of its days that fall in
    the period; None when no target overlaps."""
    total, found = 0.0, False
    for target in targets:
        overlap = (min(target.end, period.end) - max(target.start, period.start)).days
        if overlap > 0:
            found = True
            total += float(target.cases) * overlap / (target.end - target.start).days
    return total if found else None


def scorecard(t: Tables, period: Period, scope: Scope, filters: Mapping[str, str] | None = None) -> list[dict]:
    """One row per customer manager in scope (the API's and the page's rows): every registered duty's figures
    (duties 1–5, `sales.duties`), then duty 6: `volume_cases`, `target_cases`, `sales_vs_target` (volume_cases /
    target, None without a target). Unrounded; None where a figure is undefined."""
    filters = filters or {}
    managers = list(managers_in(scope))
    if filters.get("manager") is not None:
        managers = [m for m in managers if m.username == filters["manager"]]
    volumes = {row["key"]: row["volume_cases"] for row in analyses.sales(t, period, "manager", filters, scope)}
    targets: dict[int, list] = {}
    for target in SalesTarget.objects.filter(manager__in=managers, start__lt=period.end, end__gt=period.start):
        targets.setdefault(target.manager_id, []).append(target)
    duties = [(metrics, provider(managers, period)) for metrics, provider in DUTY_FIGURES]
    rows = []
    for manager in managers:
        volume = volumes.get(manager.username, 0.0)
        goal = target_cases(targets.get(manager.pk, []), period)
        row: dict = {"key": manager.username}
        for metrics, figures in duties:
            row.update({metric: figures.get(manager.pk, {}).get(metric) for metric in metrics})
        row.update({"volume_cases": volume, "target_cases": goal,
                    "sales_vs_target": None if not goal else volume / goal})
        rows.append(row)
    return rows
