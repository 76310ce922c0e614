"""Building service plans: the services each retailer is owed in a period, from its class's standard and
from events (birthday, licence expiry, being new, a tier or class change, a promotion aimed at its tier
or format, the Spring Festival).

Idempotent: tasks are unique by (customer, service, why, due date), so planning a period twice, or
overlapping periods, adds nothing twice.
"""

from datetime import date, timedelta
from functools import cached_property

from django.db import transaction
from lunardate import LunarDate

from fieldcrm.care.content import (
    CONTENT_ITEMS,
    PeriodNews,
    message_text,
    news_text,
    promotion_text,
    retailer_text,
)
from fieldcrm.care.models import (
    ItemFrequency,
    Promotion,
    ServiceItem,
    ServiceKind,
    ServicePolicy,
    ServiceTask,
    TaskSource,
)
from fieldcrm.customers.models import ClassificationChange, Customer, CustomerStatus

ONBOARDING_SERIES = [("field_visit", 3), ("business_guidance", 7), ("information_support", 14)]
# A new retailer's first information support tells what came in the last month.
ONBOARDING_NEWS_DAYS = 30


def period_ends(frequency: str, start: date, end: date) -> list[date]:
    """Last days of the periods (weeks from Monday, months, quarters, years) that begin in [start, end)."""
    ends = []
    day = start
    while day < end:
        if frequency == ItemFrequency.WEEKLY and day.weekday() == 0:
            ends.append(day + timedelta(days=6))
        elif frequency == ItemFrequency.MONTHLY and day.day == 1:
            ends.append(_month_end(day))
        elif frequency == ItemFrequency.QUARTERLY and day.day == 1 and day.month in (1, 4, 7, 10):
            ends.append(_month_end(date(day.year, day.month + 2, 1)))
        elif frequency == ItemFrequency.YEARLY and (day.month, day.day) == (1, 1):
            ends.append(date(day.year, 12, 31))
        day += timedelta(days=1)
    return ends


def period_start(frequency: str, last: date) -> date:
    """First day of the period (week from Monday, month, quarter, year) that ends on `last`."""
    if frequency == ItemFrequency.WEEKLY:
        return last - timedelta(days=6)
    if frequency == ItemFrequency.MONTHLY:
        return last.replace(day=1)
    if frequency == ItemFrequency.QUARTERLY:
        return date(last.year, (last.month - 1) // 3 * 3 + 1, 1)
    return date(last.year, 1, 1)


def _month_end(day: date) -> date:
    first_of_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def birthday_in(born: date, start: date, end: date) -> date | None:
    for year in range(start.year, end.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:  # 29 February in a common year
            day = date(year, 2, 28)
        if start <= day < end:
            return day
    return None


def spring_festival(year: int) -> date | None:
    """The Spring Festival (春节, the first day of the first lunar month) of a Gregorian year, from the
    lunar calendar; None past what the calendar covers (1900–2099)."""
    try:
        return LunarDate(year, 1, 1).to_solar_date()
    except ValueError:
        return None


class ServiceTaskBuilder:
    """Collects the service tasks due in [start, end) for a company's customers, by its standards, events
    and service policy; plan_services writes them. Each task carries its content (care/content.py); a
    service that is only its content (information support, promotion support, business guidance) is not
    planned when it has nothing to say."""

    def __init__(self, company, start: date, end: date):
        self.company = company
        self.start, self.end = start, end
        self.policy = ServicePolicy.for_company(company)
        self.items = {item.code: item for item in ServiceItem.objects.filter(company=company, active=True)}
        self.tasks: list[ServiceTask] = []
        # Promotions whose briefing day falls in the period.
        self.running = list(Promotion.objects.filter(company=company, ends_on__gte=start, starts_on__lt=end))
        self.promotions = [p for p in self.running if start <= p.brief_on < end]
        self.news = PeriodNews(start, end)

    def add(self, customer, code, source, due, reason="", content=""):
        item = self.items.get(code)
        if item is None:
            return
        if code == "business_guidance":
            content = "；".join(part for part in (content, item.standard_content) if part)
        if code in CONTENT_ITEMS and not content.strip():
            return  # nothing to deliver: no task, no empty message
        self.tasks.append(ServiceTask(customer=customer, item=item, source=source, due_date=due, reason=reason,
                                      content=content))

    def _news_between(self, first: date, last: date) -> str:
        return retailer_text(news_text, self.news.between(first, last))

    def _running_promotions(self, customer, due: date) -> str:
        """A standard promotion support brings the promotions running on its day that are aimed at the store
        (those briefed in this period by a task of their own excepted)."""
        running = [p for p in self.running if p.starts_on <= due <= p.ends_on and p not in self.promotions
                   and p.targets(customer)]
        return "；".join(retailer_text(promotion_text, p) for p in running)

    def _standard_content(self, customer, code: str, frequency: str, due: date) -> str:
        if code == "information_support":
            return self._news_between(period_start(frequency, due), due)
        if code == "promotion_support":
            return self._running_promotions(customer, due)
        return ""

    def plan(self, customers):
        changes = self._recent_changes()
        for customer in customers:
            self._standard(customer)
            self._events(customer, changes.get(customer.pk, []))

    def _standard(self, customer):
        standard = getattr(customer.customer_class, "service_standard", None) if customer.customer_class else None
        if standard is None:
            return
        for link in standard.standard_items.all():
            # Routine basic services (ordering, delivery, supply) happen anyway; plan the rest.
            if link.item.kind == ServiceKind.BASIC or not link.item.active:
                continue
            code = link.item.code
            for due in period_ends(link.frequency, self.start, self.end):
                self.add(customer, code, TaskSource.STANDARD, due,
                         content=self._standard_content(customer, code, link.frequency, due))

    def _events(self, customer, changes):
        if customer.owner_birthday:
            day = birthday_in(customer.owner_birthday, self.start, self.end)
            if day:
                self.add(customer, "birthday_greeting", TaskSource.BIRTHDAY, day, customer.owner_name)
        expiry = customer.license_expiry
        notice = timedelta(days=self.policy.license_notice_days)
        if expiry and expiry >= self.start and expiry - notice < self.end:
            self.add(customer, "important_events", TaskSource.LICENSE_EXPIRY, expiry - notice,
                     f"许可证 {expiry:%Y-%m-%d} 到期")
        created = customer.created_at.date()
        for code, after in ONBOARDING_SERIES:
            due = created + timedelta(days=after)
            if self.start <= due < self.end:
                news = (self._news_between(due - timedelta(days=ONBOARDING_NEWS_DAYS), due)
                        if code == "information_support" else "")
                self.add(customer, code, TaskSource.ONBOARDING, due, content=news)
        for change in changes:
            due = change.changed_at.date() + timedelta(days=self.policy.tier_change_follow_up_days)
            if self.start <= due < self.end:
                label = f"{change.get_field_display()} {change.old_value or '—'} → {change.new_value or '—'}"
                self.add(customer, "business_guidance", TaskSource.TIER_CHANGE, due, label, content=label)
        for promotion in self.promotions:
            if promotion.targets(customer):
                self.add(customer, "promotion_support", TaskSource.PROMOTION, promotion.brief_on, promotion.name[:200],
                         content=retailer_text(promotion_text, promotion))
        for due in self.greeting_days:
            self.add(customer, "greeting_message", TaskSource.HOLIDAY, due, "春节")

    @cached_property
    def greeting_days(self) -> list[date]:
        """The days in the period when a Spring Festival greeting is due (next year's festival too: a
        greeting may fall in late December)."""
        before = timedelta(days=self.policy.festival_greeting_days_before)
        festivals = (spring_festival(year) for year in range(self.start.year, self.end.year + 2))
        return [day - before for day in festivals if day is not None and self.start <= day - before < self.end]

    def _recent_changes(self) -> dict:
        window_start = self.start - timedelta(days=self.policy.tier_change_follow_up_days)
        changes = ClassificationChange.objects.filter(
            customer__company=self.company, changed_at__date__gte=window_start, changed_at__date__lt=self.end
        )
        by_customer: dict = {}
        for change in changes:
            by_customer.setdefault(change.customer_id, []).append(change)
        return by_customer


def plan_services(company, start: date, end: date, customers=None) -> int:
    """Create the service tasks due in [start, end) for the company's active customers; returns how many
    were new."""
    customers = customers if customers is not None else Customer.objects.filter(company=company)
    customers = (
        customers.filter(status=CustomerStatus.ACTIVE)
        .select_related("customer_class__service_standard")
        .prefetch_related("customer_class__service_standard__standard_items__item")
    )
    builder = ServiceTaskBuilder(company, start, end)
    builder.plan(customers.iterator(chunk_size=2000))
    before = ServiceTask.objects.filter(customer__company=company).count()
    with transaction.atomic():
        ServiceTask.objects.bulk_create(builder.tasks, batch_size=2000, ignore_conflicts=True)
    return ServiceTask.objects.filter(customer__company=company).count() - before


def complete_task(task, *, by, note=""):
    """Mark a service done (only while open; a repeated click changes nothing)."""
    from django.utils import timezone

    with transaction.atomic():
        updated = ServiceTask.objects.filter(pk=task.pk, status=ServiceTask.Status.OPEN).update(
            status=ServiceTask.Status.DONE, done_at=timezone.now(), done_by=by
        )
    task.refresh_from_db()
    return bool(updated)


def send_task_message(task, *, by, text=""):
    """Send the service as a message through the configured sender, then mark it done."""
    from fieldcrm.care.senders import get_sender

    with transaction.atomic():
        locked = ServiceTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != ServiceTask.Status.OPEN:
            return None
        message = get_sender().send(task.customer, (text or message_text(task))[:500], by=by, task=task)
        complete_task(task, by=by)
    return message
