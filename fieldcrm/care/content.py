"""What a service task is about (issue 10, item 10): the one place that says which price changes and new SKUs
an information support tells, which promotion a promotion support brings, what advice a business guidance
gives — for the plan (a task with nothing to say is not created), the visit checklist and the message.

A task keeps its subject by reference (`ServiceTask.subject`: the ids of the SKUs, price changes and
promotions, the classification change, the advice), so it is shown in the reader's language and with the
catalogue as it is now: a corrected price shows corrected, a withdrawn one not at all. `content` holds the
same in the retailers' language (simplified Chinese) as last planned: what the manager sends by SMS, and
the record of what was said once its news is gone. Re-planning (care/actions.py) rewrites both while the
task is open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import formats, translation
from django.utils.translation import gettext as _

from fieldcrm.care.models import Promotion, ServiceTask, TaskSource
from fieldcrm.catalog.models import PriceChange, Sku
from fieldcrm.customers.models import ClassificationChange

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


# Within `news_batch()`: each company's news per day, loaded once for every store (see there).
_batch: ContextVar[dict | None] = ContextVar("care_news_batch", default=None)


@contextmanager
def news_batch():
    """Load each day's news once per company for all the stores asked about inside the block, instead of once per
    store: for batch work that records many visits while the catalogue and promotions stay as they are (the
    demo seed). Outside it, every call reads the database afresh."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _day_news(company_id, day: date) -> News:
    skus = Sku.objects.filter(status=Sku.Status.ON_SALE, launched_on__gt=day - timedelta(days=NEW_SKU_DAYS),
                              launched_on__lte=day).select_related("brand").order_by("-launched_on", "code")
    changes = PriceChange.objects.filter(
        effective_on__gt=day - timedelta(days=PRICE_NEWS_DAYS), effective_on__lte=day + timedelta(days=PRICE_NEWS_DAYS),
    ).select_related("sku").order_by("effective_on", "pk")
    promotions = [p for p in Promotion.objects.filter(company_id=company_id, ends_on__gte=day)
                  if p.brief_on <= day + timedelta(days=7)]
    return News(list(skus[:50]), list(changes[:50]), promotions)


def news_for(customer, day: date) -> News:
    """What is new to tell this retailer on this day (the visit checklist's news)."""
    batch = _batch.get()
    if batch is None:
        news = _day_news(customer.company_id, day)
    else:
        key = (customer.company_id, day)
        if key not in batch:
            batch[key] = _day_news(customer.company_id, day)
        news = batch[key]
    return News(list(news.skus), list(news.price_changes), [p for p in news.promotions if p.targets(customer)])


def month_day(day: date) -> str:
    """A day without its year, as the reader writes it: "12月10日", "Dec 10" (MONTH_DAY_FORMAT, fieldcrm/formats)."""
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def joined(parts: Iterable[str]) -> str:
    """Parts of one content, separated as the reader's language does ("；" in Chinese, "; " in English)."""
    separator = "；" if (translation.get_language() or "").startswith("zh") else "; "
    return separator.join(part for part in parts if part)


def sku_text(sku: Sku) -> str:
    return _("New SKU %(name)s (%(code)s), %(price)s 元/条 suggested retail") % {
        "name": sku.name, "code": sku.code, "price": sku.retail_price}


def price_text(change: PriceChange) -> str:
    return _("%(name)s from %(date)s: wholesale %(old_w)s → %(new_w)s, retail %(old_r)s → %(new_r)s 元/条") % {
        "name": change.sku.name, "date": month_day(change.effective_on),
        "old_w": change.old_wholesale_price, "new_w": change.new_wholesale_price,
        "old_r": change.old_retail_price, "new_r": change.new_retail_price}


def promotion_text(promotion: Promotion) -> str:
    return _("Promotion %(name)s, %(start)s to %(end)s") % {
        "name": promotion.name, "start": month_day(promotion.starts_on), "end": month_day(promotion.ends_on)}


def change_text(field_name: str, old: str, new: str) -> str:
    """A tier or class change: "档位 12 → 20"."""
    label = (ClassificationChange.Field(field_name).label if field_name in ClassificationChange.Field.values
             else field_name)
    return f"{label} {old or '—'} → {new or '—'}"


def news_text(news: News) -> str:
    """Information support's content: the new SKUs and the price changes, in the reader's language."""
    return joined([sku_text(s) for s in news.skus] + [price_text(c) for c in news.price_changes])


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
    return joined(provider(customer, day) for provider in _store_figures)


def retailer_text(render, *args) -> str:
    """Render a content text in the retailers' language."""
    with translation.override(RETAILER_LANGUAGE):
        return render(*args)


# Keys of ServiceTask.subject that say what the task delivers (the others detail why it is due).
CONTENT_KEYS = ("skus", "price_changes", "promotions", "change", "advice")


@dataclass
class Subject:
    """What a task delivers, by reference: stored as ids (`as_json`), said in the active language (`text`)."""

    skus: list[Sku] = field(default_factory=list)
    price_changes: list[PriceChange] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)
    change: tuple[str, str, str] | None = None  # (field, old value, new value) of a tier or class change
    advice: str = ""  # the service's standard content, in the admin's words

    @classmethod
    def of_news(cls, news: News) -> Subject:
        return cls(skus=list(news.skus), price_changes=list(news.price_changes))

    def __bool__(self) -> bool:
        return bool(self.skus or self.price_changes or self.promotions or self.change or self.advice.strip())

    def as_json(self) -> dict:
        data: dict = {"skus": [s.pk for s in self.skus], "price_changes": [c.pk for c in self.price_changes],
                      "promotions": [p.pk for p in self.promotions],
                      "change": list(self.change) if self.change else None, "advice": self.advice}
        return {key: value for key, value in data.items() if value}

    def text(self) -> str:
        parts = [change_text(*self.change)] if self.change else []
        parts += [sku_text(s) for s in self.skus] + [price_text(c) for c in self.price_changes]
        parts += [promotion_text(p) for p in self.promotions]
        return joined([*parts, self.advice.strip()])


def has_subject(task: ServiceTask) -> bool:
    """Whether the task was planned with a subject (tasks planned before subjects carry only `content`)."""
    return any(key in (task.subject or {}) for key in CONTENT_KEYS)


class References:
    """The SKUs, price changes and promotions that tasks' subjects name, as they are now: one query for each
    kind that is named and not already at hand (`news`), whatever the number of tasks."""

    def __init__(self, tasks: Iterable[ServiceTask], news: News | None = None):
        wanted: dict[str, set[int]] = {"skus": set(), "price_changes": set(), "promotions": set()}
        for task in tasks:
            for key, ids in wanted.items():
                ids.update((task.subject or {}).get(key) or [])
        news = news or News()
        self.skus = {s.pk: s for s in news.skus}
        self.price_changes = {c.pk: c for c in news.price_changes}
        self.promotions = {p.pk: p for p in news.promotions}
        self._load(self.skus, wanted["skus"], Sku.objects.all())
        self._load(self.price_changes, wanted["price_changes"], PriceChange.objects.select_related("sku"))
        self._load(self.promotions, wanted["promotions"], Promotion.objects.all())

    @staticmethod
    def _load(known: dict, wanted: set[int], queryset) -> None:
        missing = wanted - known.keys()
        if missing:
            known.update((obj.pk, obj) for obj in queryset.filter(pk__in=missing))

    def subject(self, task: ServiceTask) -> Subject:
        """The task's subject with what still exists of it (a withdrawn price change or promotion drops out)."""
        data = task.subject or {}
        change = data.get("change")

        def present(key: str, known: dict) -> list:
            return [known[pk] for pk in data.get(key) or [] if pk in known]

        return Subject(
            skus=present("skus", self.skus), price_changes=present("price_changes", self.price_changes),
            promotions=present("promotions", self.promotions),
            change=(str(change[0]), str(change[1]), str(change[2])) if change and len(change) == 3 else None,
            advice=str(data.get("advice") or ""),
        )

    def said(self, task: ServiceTask) -> str:
        """What the task delivers, in the active language. A task planned before subjects says its `content`;
        one closed since its news was withdrawn says what it said then (`content`)."""
        if not has_subject(task):
            return task.content
        text = self.subject(task).text()
        if text or task.status == ServiceTask.Status.OPEN:
            return text
        return task.content


def task_content(task, news: News | None = None, figures: str = "") -> str:
    """What the service task is about, as shown on the checklist (in the active language): information
    support tells the news of the day when there is any, else its subject; business guidance the store's own
    numbers (`figures`, when known) before its advice; anything else its subject. Tasks planned before
    subjects: what was planned with them, else a promotion support the promotion its details name, else the
    details, else the service's standard content."""
    code = task.item.code
    if code == "business_guidance" and figures:
        return joined([figures, task_content(task, news)])
    if code == "information_support" and news is not None:
        fresh = news_text(news)
        if fresh:
            return fresh
    if has_subject(task):
        return References([task], news).said(task)
    if task.content:
        return task.content
    if code == "promotion_support" and news is not None:
        named = [promotion_text(p) for p in news.promotions if p.name[:200] == task.reason]
        if named:
            return joined(named)
    if code == "information_support":
        return ""
    return task.reason or task.item.standard_content


def task_details(task: ServiceTask) -> str:
    """Why the task is due, beyond its source, in the active language: whose birthday, when the licence
    expires, which festival; nothing where the content says it (a promotion, a tier change)."""
    data = task.subject or {}
    if task.source == TaskSource.LICENSE_EXPIRY and data.get("expiry"):
        return _("expires %(date)s") % {"date": month_day(date.fromisoformat(data["expiry"]))}
    if task.source == TaskSource.HOLIDAY and data.get("holiday") == "spring_festival":
        return _("Spring Festival")
    if task.source in (TaskSource.PROMOTION, TaskSource.TIER_CHANGE) and has_subject(task):
        return ""
    return task.reason


def offers_message(task, said: str | None = None) -> bool:
    """A message is offered only for a service done by message that has something to say (`said`: what it
    says, when the caller has it)."""
    if task.item.code not in MESSAGE_ITEMS:
        return False
    if task.item.code not in CONTENT_ITEMS:
        return True
    if said is None:
        said = References([task]).said(task)
    return bool(said.strip())


def message_text(task, said: str | None = None) -> str:
    """The message to the retailer, in the retailers' language, with what the task says (`said`, in that
    language, when the caller has it): "张兵您好，中华(硬) 自12月7日起…——客户经理刘芳"."""
    customer = task.customer
    manager = customer.manager
    if task.item.code == "birthday_greeting":
        return f"{customer.owner_name}您好，祝您生日快乐，生意兴隆！——客户经理{manager}"
    if task.source == TaskSource.HOLIDAY:
        return f"{customer.owner_name}您好，新春将至，祝您阖家幸福、生意红火！——客户经理{manager}"
    if task.item.code == "greeting_message":  # a routine greeting: the season's, or the coming holiday's
        return f"{customer.owner_name}您好，{seasonal_greeting(task.due_date)}——客户经理{manager}"
    if said is None:
        said = retailer_text(References([task]).said, task)
    if task.item.code == "information_support":
        return f"{customer.owner_name}您好，{said}——客户经理{manager}"
    return f"{customer.owner_name}您好，{task.item.name}：{said or task.reason}——客户经理{manager}"


# Holidays a routine greeting may name when one falls within HOLIDAY_AHEAD days after its due day: (month,
# day) of the solar calendar, or of the lunar calendar for the lunar ones. Spring Festival has its own task.
SOLAR_HOLIDAYS = [((1, 1), "元旦将至，祝您新年快乐、生意兴隆！"), ((5, 1), "五一将至，祝您节日愉快、生意兴隆！"),
                  ((10, 1), "国庆将至，祝您节日愉快、生意红火！")]
LUNAR_HOLIDAYS = [((1, 15), "元宵将至，祝您阖家团圆、生意兴隆！"), ((5, 5), "端午将至，祝您安康顺遂、生意兴隆！"),
                  ((8, 15), "中秋将至，祝您花好月圆、阖家幸福！")]
HOLIDAY_AHEAD = 14
# Otherwise the season's greeting, by month (1–12).
SEASON_GREETINGS = {
    **dict.fromkeys((12, 1, 2), "天气寒冷，请注意保暖，祝您生意兴隆、万事如意！"),
    **dict.fromkeys((3, 4, 5), "春暖花开，祝您生意红火、顺心如意！"),
    **dict.fromkeys((6, 7, 8), "天气炎热，请注意防暑降温，祝您生意兴隆！"),
    **dict.fromkeys((9, 10, 11), "秋高气爽，祝您生意兴隆、阖家安康！"),
}


def seasonal_greeting(day: date) -> str:
    """What a routine greeting (赠送短信) says, in the retailers' language: the next holiday's greeting when one
    is near, else the season's — never an empty message."""
    from lunardate import LunarDate

    for offset in range(HOLIDAY_AHEAD + 1):
        ahead = day + timedelta(days=offset)
        for (month, mday), text in SOLAR_HOLIDAYS:
            if (ahead.month, ahead.day) == (month, mday):
                return text
        try:
            lunar = LunarDate.from_solar_date(ahead.year, ahead.month, ahead.day)
        except ValueError:  # beyond the calendar's 1900–2099
            continue
        for (month, mday), text in LUNAR_HOLIDAYS:
            if (lunar.month, lunar.day) == (month, mday) and not lunar.is_leap_month:
                return text
    return SEASON_GREETINGS[day.month]


@dataclass
class Shown:
    """A task as a page or the API shows it: what it delivers and why it is due (reader's language), the
    message offered (retailers' language, "" when none is)."""

    text: str
    details: str
    message: str


def show(tasks: list[ServiceTask]) -> dict[int, Shown]:
    """Each task as shown, by id: the references its subject names loaded once for all of them."""
    refs = References(tasks)
    shown = {}
    for task in tasks:
        text = refs.said(task)
        message = ""
        if task.status == ServiceTask.Status.OPEN:
            retailers = retailer_text(refs.said, task)
            if offers_message(task, retailers):
                message = message_text(task, retailers)
        shown[task.pk] = Shown(text=text, details=task_details(task), message=message)
    return shown
