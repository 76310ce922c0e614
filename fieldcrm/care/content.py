"""What a service task is about (issue 10, item 10): the one place that says which price changes and new SKUs
an information support tells, which promotion a promotion support brings, what advice a business guidance
gives — for the plan (a task with nothing to say is not created), the visit checklist and the message.

Stored content is written in the retailers' language (simplified Chinese) whatever the planner's language:
it is what the manager says at the store or sends by SMS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import translation
from django.utils.translation import gettext as _

from fieldcrm.care.models import Promotion
from fieldcrm.catalog.models import PriceChange, Sku

NEW_SKU_DAYS = 30
PRICE_NEWS_DAYS = 30
# A coming price change is told in the period that holds the day this many days before it takes effect.
PRICE_NOTICE_DAYS = 7
RETAILER_LANGUAGE = "zh-hans"
# Services whose whole point is what they tell: without content there is nothing to deliver.
CONTENT_ITEMS = {"information_support", "promotion_support", "business_guidance"}
# Services done by sending a message rather than in person.
MESSAGE_ITEMS = {"birthday_greeting", "greeting_message", "information_support"}


@dataclass
class News:
    skus: list[Sku] = field(default_factory=list)
    price_changes: list[PriceChange] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)


def news_for(customer, day: date) -> News:
    """What is new to tell this retailer on this day (the visit checklist's news)."""
    skus = Sku.objects.filter(status=Sku.Status.ON_SALE, launched_on__gt=day - timedelta(days=NEW_SKU_DAYS),
                              launched_on__lte=day).select_related("brand").order_by("-launched_on", "code")
    changes = PriceChange.objects.filter(
        effective_on__gt=day - timedelta(days=PRICE_NEWS_DAYS), effective_on__lte=day + timedelta(days=PRICE_NEWS_DAYS),
    ).select_related("sku").order_by("effective_on", "pk")
    promotions = [p for p in Promotion.objects.filter(company_id=customer.company_id, ends_on__gte=day)
                  if p.brief_on <= day + timedelta(days=7) and p.targets(customer)]
    return News(list(skus[:50]), list(changes[:50]), promotions)


def sku_text(sku: Sku) -> str:
    return _("New SKU %(name)s (%(code)s), %(price)s 元/条 suggested retail") % {
        "name": sku.name, "code": sku.code, "price": sku.retail_price}


def price_text(change: PriceChange) -> str:
    return _("%(name)s from %(date)s: wholesale %(old_w)s → %(new_w)s, retail %(old_r)s → %(new_r)s 元/条") % {
        "name": change.sku.name, "date": f"{change.effective_on:%m-%d}",
        "old_w": change.old_wholesale_price, "new_w": change.new_wholesale_price,
        "old_r": change.old_retail_price, "new_r": change.new_retail_price}


def promotion_text(promotion: Promotion) -> str:
    return _("Promotion %(name)s, %(start)s to %(end)s") % {
        "name": promotion.name, "start": f"{promotion.starts_on:%m-%d}", "end": f"{promotion.ends_on:%m-%d}"}


def news_text(news: News) -> str:
    """Information support's content: the new SKUs and the price changes, in the reader's language."""
    return "; ".join([sku_text(s) for s in news.skus] + [price_text(c) for c in news.price_changes])


class PeriodNews:
    """The catalogue's news over a planning period, loaded once: each piece of news is told once per series
    of information supports — a new SKU in the period it was launched, a price change in the period holding
    the day PRICE_NOTICE_DAYS before it takes effect (so a coming change is told ahead)."""

    def __init__(self, start: date, end: date, lookback_days: int = 366):
        first = start - timedelta(days=lookback_days)
        notice = timedelta(days=PRICE_NOTICE_DAYS)
        self.skus = list(Sku.objects.filter(status=Sku.Status.ON_SALE, launched_on__gte=first, launched_on__lt=end)
                         .order_by("launched_on", "code"))
        self.changes = list(PriceChange.objects.filter(effective_on__gte=first + notice, effective_on__lt=end + notice)
                            .select_related("sku").order_by("effective_on", "pk"))

    def between(self, first: date, last: date) -> News:
        """The news to tell in the period [first, last]."""
        notice = timedelta(days=PRICE_NOTICE_DAYS)
        return News([s for s in self.skus if first <= s.launched_on <= last],  # type: ignore[operator]
                    [c for c in self.changes if first <= c.effective_on - notice <= last])


# What a higher app knows of a store's own recent numbers (visits: what the last visit saw), registered in its
# AppConfig.ready(): provider(customer, day) -> text, or "" when it knows nothing.
_store_figures: list[Callable[..., str]] = []


def register_store_figures(provider: Callable[..., str]) -> None:
    if provider not in _store_figures:
        _store_figures.append(provider)


def store_figures(customer, day: date) -> str:
    """The store's own recent numbers, in the reader's language ("" when there are none): business guidance
    starts from them."""
    return "; ".join(text for text in (provider(customer, day) for provider in _store_figures) if text)


def retailer_text(render, *args) -> str:
    """Render a content text in the retailers' language."""
    with translation.override(RETAILER_LANGUAGE):
        return render(*args)


def task_content(task, news: News | None = None, figures: str = "") -> str:
    """What the service task is about, as shown on the checklist: information support tells the news of the
    day when there is any, else what was planned with it; a promotion support planned without content its
    promotion; business guidance the store's own numbers (`figures`, when known) before its advice; anything
    else what was planned, else its details, else the service's standard content."""
    code = task.item.code
    if code == "business_guidance" and figures:
        return "; ".join(part for part in (figures, task_content(task, news)) if part)
    if code == "information_support" and news is not None:
        fresh = news_text(news)
        if fresh:
            return fresh
    if task.content:
        return task.content
    if code == "promotion_support" and news is not None:
        named = [promotion_text(p) for p in news.promotions if p.name[:200] == task.reason]
        if named:
            return "; ".join(named)
    if code == "information_support":
        return ""
    return task.reason or task.item.standard_content


def offers_message(task) -> bool:
    """A message is offered only for a service done by message that has something to say."""
    if task.item.code not in MESSAGE_ITEMS:
        return False
    return task.item.code not in CONTENT_ITEMS or bool(task.content.strip())


def message_text(task) -> str:
    """The message to the retailer, with the content: "张兵您好，中华(硬)自12-07起…——客户经理刘芳"."""
    customer = task.customer
    manager = customer.manager
    if task.item.code == "birthday_greeting":
        return f"{customer.owner_name}您好，祝您生日快乐，生意兴隆！——客户经理{manager}"
    if task.source == "holiday":
        return f"{customer.owner_name}您好，新春将至，祝您阖家幸福、生意红火！——客户经理{manager}"
    if task.item.code == "information_support":
        return f"{customer.owner_name}您好，{task.content}——客户经理{manager}"
    said = task.content or task.reason
    return f"{customer.owner_name}您好，{task.item.name}：{said}——客户经理{manager}"
