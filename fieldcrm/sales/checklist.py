"""Out-of-stock warnings on the visit's checklist (visits.checklist's registry): each SKU of the store at risk
(`sales.stockouts`) is an item `stockout:<sku code>` — "断货预警: 中华(硬) 约 2 天后断货, 下次订货 周四" — so the
manager can tell the retailer to order it. Answering stores the answer only (no hook).

`register()` is called from `SalesConfig.ready()`; visits never imports sales."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fieldcrm.sales import stockouts
from fieldcrm.visits import checklist

KIND = "stockout"


def stockout_items(customer, day, user, planned_visit) -> list[checklist.ChecklistItem]:
    items = []
    for risk in stockouts.risks_of([customer]):
        left = stockouts.days_left(risk, day)
        values = {"sku": risk.sku.name, "days": left, "weekday": stockouts.weekday_name(risk.next_order_day)}
        if risk.next_order_day:
            text = _("Out-of-stock warning: %(sku)s runs out in about %(days)s days, next order %(weekday)s") % values
        else:
            text = _("Out-of-stock warning: %(sku)s runs out in about %(days)s days") % values
        items.append(checklist.ChecklistItem(
            code=f"{KIND}:{risk.sku.code}", kind=KIND, text=text,
            data={"sku": risk.sku.code, "sku_name": risk.sku.name, "stock": risk.stock,
                  "days_of_cover": risk.days_of_cover, "days_left": left,
                  "observed_on": risk.observed_on.isoformat(), "run_out_on": risk.run_out_on.isoformat(),
                  "next_order_day": risk.next_order_day.isoformat() if risk.next_order_day else None}))
    return items


def register() -> None:
    checklist.register(KIND, stockout_items)
