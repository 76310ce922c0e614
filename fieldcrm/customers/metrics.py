"""Duty 1 figure per customer manager (`../shared/docs/metrics.md`, "Duty scorecard"), plain data keyed by
manager id, for a half-open period of company days (`lib/periods.Period`).

- `profile_accuracy(manager_ids, period)` → {manager id: {"value", "numerator", "denominator"}}: the
  manager's active customers (status 正常, created before the period ends), and of them those whose profile
  is accurate at the end of the period: every `REQUIRED_FIELDS` field filled, and every one of them that goes
  stale in the street (`VERIFIED_FIELDS`) verified within the `STALE_PROFILE_DAYS` (180) days before the
  period ends.

"Required" is the shared import contract's required columns (客户编码, 客户名称, 许可证号, 负责人, 联系电话,
经营地址, 业态, 市场类型; 客户经理 is the key of the figure itself); of them the volatile fields that carry
`<field>_verified_at` — phone, address, owner — must also be verified. Business scale is volatile but not
required by the contract, so it does not count. The profile is judged as it stands now: a field re-verified
after the period's end counts as not verified within it (the figure is meant for the current and recent
periods; the history of a verification date is not kept apart from the profile's history).

`change_latency_days` (median days from a change observed in a visit to its approval) needs the visit's
check-in time, and visits sits above customers in the layers: it is `visits.metrics.change_latency_days`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from fieldcrm.customers.models import VOLATILE_FIELDS, Customer, CustomerStatus
from fieldcrm.lib.figures import ratios
from fieldcrm.lib.periods import Period, midnight

REQUIRED_FIELDS = ("customer_code", "name", "license_no", "owner_name", "phone", "address", "business_format",
                   "market_type")
VERIFIED_FIELDS = tuple(f for f in VOLATILE_FIELDS if f in REQUIRED_FIELDS)


def own_customers(manager_ids: Iterable[int], period: Period) -> QuerySet[Customer]:
    """The denominator's records."""
    return Customer.objects.filter(manager_id__in=list(manager_ids), status=CustomerStatus.ACTIVE,
                                   created_at__lt=midnight(period.end))


def accurate(period: Period) -> Q:
    """The numerator's condition on a customer."""
    until = midnight(period.end)
    since = until - timedelta(days=settings.STALE_PROFILE_DAYS)
    condition = Q()
    for name in REQUIRED_FIELDS:
        condition &= ~Q(**{name: ""})
    for name in VERIFIED_FIELDS:
        condition &= Q(**{f"{name}_verified_at__gte": since, f"{name}_verified_at__lt": until})
    return condition


def profile_accuracy(manager_ids: Iterable[int], period: Period) -> dict[int, dict]:
    ids = list(manager_ids)
    rows = (own_customers(ids, period).values("manager_id")
            .annotate(total=Count("pk"), accurate=Count("pk", filter=accurate(period))).order_by())
    return ratios(ids, {r["manager_id"]: r["accurate"] for r in rows}, {r["manager_id"]: r["total"] for r in rows})
