"""The shape every scorecard figure is returned in (`<app>/metrics.py`): plain dicts keyed by manager id.

A ratio is `{"value": numerator / denominator or None, "numerator": int, "denominator": int}`: the value
unrounded (pages round), None when there is nothing to divide by; the two counts let a page link to the records
behind them. A median is `{"value": median or None, "count": how many values}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from statistics import median as _median


def ratio(numerator: int, denominator: int) -> dict:
    return {"value": numerator / denominator if denominator else None,
            "numerator": numerator, "denominator": denominator}


def median_of(values: Iterable[float]) -> dict:
    values = list(values)
    return {"value": _median(values) if values else None, "count": len(values)}


def ratios(manager_ids: Iterable[int], numerators: dict[int, int], denominators: dict[int, int]) -> dict[int, dict]:
    """{manager id: ratio} for every manager asked, zeros included."""
    return {pk: ratio(numerators.get(pk, 0), denominators.get(pk, 0)) for pk in manager_ids}
