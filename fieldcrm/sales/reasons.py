"""Out-of-stock risk as a reason to visit: a store with a SKU running out before the end of the planned week
(or already) comes into the weekly plan — and so onto Today's route — on a day no later than its run-out day
(`visit_by`), so the visit can shape the order.

`register()` (from `SalesConfig.ready`) declares the "stockout" reason to visit planning: its code, priority,
how it reads and the provider that finds it; visits never imports sales."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fieldcrm.customers.models import CustomerStatus
from fieldcrm.sales.models import StockoutRisk
from fieldcrm.visits import reasons

STOCKOUT = "stockout"  # the reason code stored on planned visits
# As urgent as a service due: the week's order depends on it.
PRIORITY = 3


def stockout_reasons(manager, week_start: date, policy) -> dict[int, list[reasons.ProvidedReason]]:
    """{customer_pk: [reason]}: the manager's active stores with a SKU running out before the week ends."""
    risks = (StockoutRisk.objects.filter(customer__manager=manager, customer__status=CustomerStatus.ACTIVE,
                                         run_out_on__lt=week_start + timedelta(days=7))
             .select_related("sku").order_by("customer_id", "run_out_on", "sku__code"))
    by_store: dict[int, list[StockoutRisk]] = {}
    for risk in risks:
        by_store.setdefault(risk.customer_id, []).append(risk)
    found = {}
    for customer_pk, found_risks in by_store.items():
        first = found_risks[0].run_out_on
        args = {"skus": [risk.sku.name for risk in found_risks], "run_out": f"{first:%m-%d}",
                "run_out_on": first.isoformat()}
        found[customer_pk] = [reasons.ProvidedReason(STOCKOUT, args=args, visit_by=first)]
    return found


def stockout_reason_text(args: dict) -> str:
    return _("Out-of-stock warning: %(skus)s may run out by %(date)s") % {
        "skus": pgettext("list separator", ", ").join(args.get("skus", [])), "date": args.get("run_out", "")}


def register() -> None:
    reasons.register(STOCKOUT, priority=PRIORITY, render=stockout_reason_text, provider=stockout_reasons)
