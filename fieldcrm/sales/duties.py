"""Duties 1–5 on the scorecard: each app's `metrics.py` figure registered with `scorecard.register_duty_figures`
(from `SalesConfig.ready()`), flattened to metrics.md's names. Nothing is computed here: each provider calls
the app's function for the managers and the period and keeps its value (unrounded, None where undefined).

- duty 1 `profile_accuracy` (customers.metrics), `change_latency_days` (visits.metrics: the median, in days)
- duty 2 `service_completion` (care.metrics)
- duty 3 `plan_on_time`, duty 4 `visit_completion` (visits.metrics)
- duty 5 `demand_closure` (followup.metrics); `market_reports` (monopoly.metrics: the reports submitted) and
  `market_reports_confirmed` (the share of them the monopoly office confirmed)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fieldcrm.care import metrics as care
from fieldcrm.customers import metrics as customers
from fieldcrm.followup import metrics as followup
from fieldcrm.lib import periods
from fieldcrm.monopoly import metrics as monopoly
from fieldcrm.sales.analytics.periods import Period
from fieldcrm.sales.scorecard import register_duty_figures
from fieldcrm.visits import metrics as visits

DUTY_METRICS = ("profile_accuracy", "change_latency_days", "service_completion", "plan_on_time",
                "visit_completion", "demand_closure", "market_reports", "market_reports_confirmed")


def _values(figure: Callable[[list[int], periods.Period], Mapping[int, Mapping[str, Any]]], metric: str):
    """A provider giving {manager id: {metric: the figure's value}}."""
    def provide(managers: Sequence[Any], period: Period) -> dict[int, dict[str, Any]]:
        found = figure([m.pk for m in managers], periods.Period(period.start, period.end))
        return {pk: {metric: row.get("value")} for pk, row in found.items()}
    return provide


def _market_reports(managers: Sequence[Any], period: Period) -> dict[int, dict[str, Any]]:
    found = monopoly.market_reports([m.pk for m in managers], periods.Period(period.start, period.end))
    return {pk: {"market_reports": row["reports"], "market_reports_confirmed": row["value"]}
            for pk, row in found.items()}


def register() -> None:
    for metric, figure in (("profile_accuracy", customers.profile_accuracy),
                           ("change_latency_days", visits.change_latency_days),
                           ("service_completion", care.service_completion),
                           ("plan_on_time", visits.plan_on_time),
                           ("visit_completion", visits.visit_completion),
                           ("demand_closure", followup.demand_closure)):
        register_duty_figures([metric], _values(figure, metric))
    register_duty_figures(["market_reports", "market_reports_confirmed"], _market_reports)
