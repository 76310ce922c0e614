"""The checklist items visits knows itself, registered in `VisitsConfig.ready()` (see `visits.checklist`):

- `problems:<planned visit id>`: the plan's problems to solve at this visit;
- `service:<task id>`: care's open service tasks due by the day, with their content (item 10 of issue 10:
  information support says which price changes and new SKUs, promotion support which promotion, business
  guidance what advice); answering it done completes the task;
- news to give: `new_sku:<code>` (SKUs launched in the last `care.content.NEW_SKU_DAYS`), `price_change:<id>` (made in
  the last `PRICE_NEWS_DAYS` or coming within as many days), `promotion:<id>` (running or about to be
  briefed, aimed at this store's tier and format);
- `verify:<field>`: volatile profile fields not verified within STALE_PROFILE_DAYS; answering it done marks
  the field verified by the manager.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.care.actions import complete_task
from fieldcrm.care.content import News, month_day, news_for, register_store_figures, store_figures, task_content
from fieldcrm.care.content import price_text as _price_text
from fieldcrm.care.content import promotion_text as _promotion_text
from fieldcrm.care.content import sku_text as _sku_text
from fieldcrm.care.models import ServiceTask
from fieldcrm.customers.actions import verify_fields
from fieldcrm.customers.models import VOLATILE_FIELDS, Customer
from fieldcrm.errors import InvalidInput
from fieldcrm.lib.periods import midnight
from fieldcrm.visits import checklist
from fieldcrm.visits.checklist import ChecklistItem
from fieldcrm.visits.models import PlannedVisit, SkuObservation, Visit


def planned_visit_on(customer: Customer, day: date, user) -> PlannedVisit | None:
    return (PlannedVisit.objects.filter(customer=customer, day=day, plan__manager_id=customer.manager_id)
            .select_related("plan").first())


# --- providers ---------------------------------------------------------------------------------------------


def problems(customer, day, user, planned_visit):
    planned_visit = planned_visit or planned_visit_on(customer, day, user)
    if planned_visit is None or not planned_visit.problems.strip():
        return []
    return [ChecklistItem(f"problems:{planned_visit.pk}", "problems", planned_visit.problems.strip(),
                          {"planned_visit": planned_visit.pk})]


def _service_content(task: ServiceTask, news: News, figures: str = "") -> str:
    """What the service is about (item 10): care says it (`care.content.task_content`)."""
    content = task_content(task, news, figures)
    if task.item.code == "information_support" and not content:
        return _("nothing new to tell")
    return content


def services(customer, day, user, planned_visit):
    tasks = (ServiceTask.objects.open().filter(customer=customer, due_date__lte=day)
             .select_related("item").order_by("due_date", "pk"))
    if not tasks:
        return []
    news = news_for(customer, day)
    figures = store_figures(customer, day) if any(t.item.code == "business_guidance" for t in tasks) else ""
    items = []
    for task in tasks:
        content = _service_content(task, news, figures)
        text = f"{task.item.name}: {content}" if content else task.item.name
        items.append(ChecklistItem(f"service:{task.pk}", "service", text,
                                   {"task": task.pk, "service": task.item.code, "due": task.due_date.isoformat(),
                                    "has_content": bool(content)}))
    return items


def last_visit_figures(customer, day) -> str:
    """The store's own numbers as its last visit before the day saw them (care's business guidance starts
    from them): stock and last week's sales over the SKUs observed, those running low, wrong price tags."""
    visit = Visit.objects.most_recent(before=midnight(day)).filter(customer=customer).first()
    if visit is None:
        return ""
    seen = list(SkuObservation.objects.filter(visit=visit).select_related("sku").order_by("sku__code"))
    if not seen:
        return ""
    text = _("Last visit %(date)s: %(skus)s SKUs, stock %(stock)s 条, sold %(sales)s 条 last week") % {
        "date": month_day(timezone.localtime(visit.checked_in_at).date()), "skus": len(seen),
        "stock": sum(o.stock_cartons or 0 for o in seen), "sales": sum(o.sales_last_week_cartons or 0 for o in seen)}
    low = [o.sku.name for o in seen
           if o.stock_cartons is not None and o.sales_last_week_cartons and o.stock_cartons < o.sales_last_week_cartons]
    if low:
        text += "; " + _("running low: %(names)s") % {"names": ", ".join(low)}
    wrong = sum(1 for o in seen if o.price_tag_ok is False)
    if wrong:
        text += "; " + _("%(count)s price tags wrong") % {"count": wrong}
    return text


def news(customer, day, user, planned_visit):
    found = news_for(customer, day)
    items = [ChecklistItem(f"new_sku:{sku.code}", "new_sku", _sku_text(sku),
                           {"sku_code": sku.code, "launched_on": sku.launched_on and sku.launched_on.isoformat()})
             for sku in found.skus]
    items += [ChecklistItem(f"price_change:{c.pk}", "price_change", _price_text(c),
                            {"sku_code": c.sku.code, "effective_on": c.effective_on.isoformat(),
                             "new_wholesale_price": str(c.new_wholesale_price),
                             "new_retail_price": str(c.new_retail_price)})
              for c in found.price_changes]
    items += [ChecklistItem(f"promotion:{p.pk}", "promotion", _promotion_text(p),
                            {"starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat()})
              for p in found.promotions]
    return items


def stale_fields(customer, day, user, planned_visit):
    items = []
    for field in customer.stale_fields():
        label = getattr(Customer._meta.get_field(field), "verbose_name", field)
        value = getattr(customer, field) or "—"
        items.append(ChecklistItem(f"verify:{field}", "verify",
                                   _("Verify %(field)s: %(value)s") % {"field": label, "value": value},
                                   {"field": field}))
    return items


# --- answer hooks -------------------------------------------------------------------------------------------


def _code_arg(code: str) -> str:
    return code.split(":", 1)[1] if ":" in code else ""


def complete_service(code, done, note, by, visit):
    """Done: the service task is completed by the manager (a task already done stays as it was)."""
    arg = _code_arg(code)
    task = (ServiceTask.objects.filter(customer_id=visit.customer_id, pk=int(arg)).select_related("item").first()
            if arg.isdigit() else None)
    if task is None:
        raise InvalidInput(_("No such service for this store: %(code)s.") % {"code": code}, field="checklist")
    if done:
        complete_task(task, by=by, note=note)


def verify_field(code, done, note, by, visit):
    """Done: the manager confirmed the profile field at the store."""
    field = _code_arg(code)
    if field not in VOLATILE_FIELDS:
        raise InvalidInput(_("No such field to verify: %(code)s.") % {"code": code}, field="checklist")
    if done:
        verify_fields(visit.customer, [field], by=by)


def register() -> None:
    checklist.register("problems", problems)
    checklist.register("service", services, answer=complete_service)
    # One provider for the three kinds of news (one query set); the other two kinds are registered without
    # a provider of their own so their answers are accepted.
    checklist.register("new_sku", news)
    checklist.register("price_change", _none)
    checklist.register("promotion", _none)
    checklist.register("verify", stale_fields, answer=verify_field)
    register_store_figures(last_visit_figures)


def _none(customer, day, user, planned_visit):
    return []
