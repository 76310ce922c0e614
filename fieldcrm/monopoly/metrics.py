"""Duty 5 market-report figure per customer manager (`../shared/docs/metrics.md`): counts only, never what
was reported (supervisors and admins may count reports, not read them).

- `market_reports(manager_ids, period)` → {manager id: {"value", "numerator", "denominator", "reports",
  "confirmed", "decided"}}: `reports` submitted by the manager in the period (received by the server,
  `created_at`, Beijing days [start, end)); `value` is the share of them the monopoly office confirmed
  (numerator `confirmed`, denominator `reports`; None without reports). Undecided reports count as not
  confirmed (yet); `decided` says how many have a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from fieldcrm.lib.figures import ratio
from fieldcrm.lib.periods import Period
from fieldcrm.monopoly.models import MarketReport


def market_reports(manager_ids: Iterable[int], period: Period) -> dict[int, dict]:
    ids = list(manager_ids)
    rows: dict[int, dict] = {row["reporter_id"]: dict(row) for row in
            MarketReport.objects.filter(period.q("created_at"), reporter_id__in=ids).values("reporter_id")
            .annotate(reports=Count("pk"), confirmed=Count("pk", filter=Q(status=MarketReport.Status.CONFIRMED)),
                      decided=Count("pk", filter=~Q(status=MarketReport.Status.SUBMITTED))).order_by()}
    result = {}
    for pk in ids:
        row = rows.get(pk) or {}
        reports, confirmed = row.get("reports", 0), row.get("confirmed", 0)
        result[pk] = {**ratio(confirmed, reports), "reports": reports, "confirmed": confirmed,
                      "decided": row.get("decided", 0)}
    return result
