"""Building service plans: the services each retailer is owed in a period, from its class's standard and
from events (birthday, licence expiry, being new, a tier or class change, a promotion aimed at its tier
or format, the Spring Festival) — and re-planning, which keeps what open tasks say true.

Idempotent: tasks are unique by (customer, service, why, due date), so planning a period twice, or
overlapping periods, adds nothing twice; re-planning rewrites only what changed.

Re-planning is the one place that brings tasks up to date with the catalogue and the promotions
(`replan_services`, run by `manage.py plan_services` and the beat task): it reads them as they are, so it
catches a price change or a SKU however it was entered (admin, import, demo, a bulk update) and a
promotion cancelled, moved or retargeted. Between two runs the pages already show a corrected price
corrected and a withdrawn one not at all, since tasks name their subject by reference (care/content.py).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from lunardate import LunarDate

from fieldcrm.care.content import (
    CONTENT_ITEMS,
    CONTENT_KEYS,
    PeriodNews,
    Subject,
    message_text,
    retailer_text,
)
from fieldcrm.care.models import (
    CancelReason,
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


# Services of a class standard that are due on the retailer's own day, not at the end of a period.
EVENT_ITEMS = {"birthday_greeting"}


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


class TaskSubjects:
    """What each planned service says, from the catalogue and the promotions as they are now — the same rules
    for planning a new period and for re-planning open tasks, so both say the same thing. `first`..`end`
    bound the due days asked about; `promotion_ids` are promotions tasks already name (loaded even when
    long over, to tell withdrawn from over)."""

    def __init__(self, company, first: date, end: date, advice: str, promotion_ids=()):
        self.news = PeriodNews(first, end)
        self.advice = advice
        # Current and coming promotions: those running on some due day, or briefed ahead of one.
        self.promotions = list(Promotion.objects.filter(Q(company=company)
                                                        & (Q(ends_on__gte=first) | Q(pk__in=list(promotion_ids))))
                               .order_by("starts_on", "pk"))
        self.by_id = {p.pk: p for p in self.promotions}

    def news_between(self, first: date, last: date) -> Subject:
        return Subject.of_news(self.news.between(first, last))

    def guidance(self, change: tuple[str, str, str] | None = None) -> Subject:
        return Subject(change=change, advice=self.advice)

    def standard(self, customer, code: str, frequency: str, due: date) -> Subject:
        """A standard service's subject. Information support: the news of its period. Promotion support: the
        promotions running on its day aimed at the store, but those briefed in its own period (they have a
        task of their own). Business guidance: the advice."""
        first = period_start(frequency, due)
        if code == "information_support":
            return self.news_between(first, due)
        if code == "promotion_support":
            return Subject(promotions=[p for p in self.promotions if p.starts_on <= due <= p.ends_on
                                       and not first <= p.brief_on <= due and p.targets(customer)])
        if code == "business_guidance":
            return self.guidance()
        return Subject()

    def onboarding(self, code: str, due: date) -> Subject:
        if code == "information_support":
            return self.news_between(due - timedelta(days=ONBOARDING_NEWS_DAYS), due)
        if code == "business_guidance":
            return self.guidance()
        return Subject()


class ServiceTaskBuilder:
    """Collects the service tasks due in [start, end) for a company's customers, by its standards, events
    and service policy; plan_services writes them. Each task carries its subject (care/content.py); a
    service that is only its content (information support, promotion support, business guidance) is not
    planned when it has nothing to say."""

    def __init__(self, company, start: date, end: date):
        self.company = company
        self.start, self.end = start, end
        self.policy = ServicePolicy.for_company(company)
        self.items = {item.code: item for item in ServiceItem.objects.filter(company=company, active=True)}
        self.tasks: list[ServiceTask] = []
        guidance = self.items.get("business_guidance")
        # A period that begins in [start, end) may end up to a year later (a yearly service): its news too.
        self.subjects = TaskSubjects(company, start, end + timedelta(days=366),
                                     guidance.standard_content if guidance else "")
        # Promotions whose briefing day falls in the period (one may start after it).
        self.promotions = [p for p in self.subjects.promotions if start <= p.brief_on < end]

    def add(self, customer, code, source, due, reason="", subject: Subject | None = None, details=None):
        item = self.items.get(code)
        if item is None:
            return
        subject = subject or Subject()
        if code in CONTENT_ITEMS and not subject:
            return  # nothing to deliver: no task, no empty message
        self.tasks.append(ServiceTask(customer=customer, item=item, source=source, due_date=due, reason=reason,
                                      subject={**subject.as_json(), **(details or {})},
                                      content=retailer_text(subject.text)))

    def plan(self, customers):
        changes = self._recent_changes()
        for customer in customers:
            self._standard(customer)
            self._events(customer, changes.get(customer.pk, []))

    def _standard(self, customer):
        for link in standard_links(customer):
            # Routine basic services (ordering, delivery, supply) happen anyway; plan the rest. The birthday
            # greeting is yearly in the standard but due on the birthday: `_events` plans it (planned here it
            # greeted every retailer on 31 December).
            if link.item.kind == ServiceKind.BASIC or not link.item.active or link.item.code in EVENT_ITEMS:
                continue
            code = link.item.code
            for due in period_ends(link.frequency, self.start, self.end):
                self.add(customer, code, TaskSource.STANDARD, due,
                         subject=self.subjects.standard(customer, code, link.frequency, due))

    def _events(self, customer, changes):
        if customer.owner_birthday:
            day = birthday_in(customer.owner_birthday, self.start, self.end)
            if day:
                self.add(customer, "birthday_greeting", TaskSource.BIRTHDAY, day, customer.owner_name)
        expiry = customer.license_expiry
        notice = timedelta(days=self.policy.license_notice_days)
        if expiry and expiry >= self.start and expiry - notice < self.end:
            self.add(customer, "important_events", TaskSource.LICENSE_EXPIRY, expiry - notice,
                     f"许可证 {expiry:%Y-%m-%d} 到期", details={"expiry": expiry.isoformat()})
        created = timezone.localdate(customer.created_at)  # the Shanghai day, not UTC's
        for code, after in ONBOARDING_SERIES:
            due = created + timedelta(days=after)
            if self.start <= due < self.end:
                self.add(customer, code, TaskSource.ONBOARDING, due, subject=self.subjects.onboarding(code, due))
        for change in changes:
            due = timezone.localdate(change.changed_at) + timedelta(days=self.policy.tier_change_follow_up_days)
            if self.start <= due < self.end:
                label = f"{change.get_field_display()} {change.old_value or '—'} → {change.new_value or '—'}"
                said = (change.field, change.old_value, change.new_value)
                self.add(customer, "business_guidance", TaskSource.TIER_CHANGE, due, label,
                         subject=self.subjects.guidance(said))
        for promotion in self.promotions:
            if promotion.targets(customer):
                self.add(customer, "promotion_support", TaskSource.PROMOTION, promotion.brief_on, promotion.name[:200],
                         subject=Subject(promotions=[promotion]))
        for due in self.greeting_days:
            self.add(customer, "greeting_message", TaskSource.HOLIDAY, due, "春节",
                     details={"holiday": "spring_festival"})

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


def standard_links(customer) -> list:
    """The services of the customer's class standard, with how often ([] without a class or a standard)."""
    standard = getattr(customer.customer_class, "service_standard", None) if customer.customer_class else None
    return list(standard.standard_items.all()) if standard is not None else []


@dataclass
class PlanCounts:
    created: int = 0
    rewritten: int = 0  # open tasks whose content changed (reopened ones included)
    cancelled: int = 0
    reopened: int = 0


def replan_services(company, start: date, end: date, customers=None) -> PlanCounts:
    """Create the service tasks due in [start, end) for the company's active customers, then bring what open
    tasks say up to date (`refresh_open_tasks`)."""
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
        counts = refresh_open_tasks(company, start, customers)
    counts.created = ServiceTask.objects.filter(customer__company=company).count() - before
    return counts


def plan_services(company, start: date, end: date, customers=None) -> int:
    """Plan [start, end) and re-plan open tasks (`replan_services`); returns how many tasks were new."""
    return replan_services(company, start, end, customers).created


def refresh_open_tasks(company, since: date, customers=None) -> PlanCounts:
    """Make the company's content tasks (information support, promotion support, business guidance) say what
    is true now: every open one, overdue or far ahead, is rewritten when its subject changed, and cancelled,
    with the reason, when it is left with nothing to say; one cancelled so and due from `since` on is
    reopened when it has something to say again. Done tasks are never touched. Running it twice changes
    nothing the second time."""
    found = (
        ServiceTask.objects.filter(customer__company=company, item__code__in=CONTENT_ITEMS)
        .filter(Q(status=ServiceTask.Status.OPEN) | Q(status=ServiceTask.Status.CANCELLED, due_date__gte=since))
        .select_related("item", "customer__customer_class__service_standard")
        .prefetch_related("customer__customer_class__service_standard__standard_items")
    )
    if customers is not None:
        found = found.filter(customer_id__in=customers.values_list("pk", flat=True))
    tasks = list(found)
    counts = PlanCounts()
    if not tasks:
        return counts
    guidance = ServiceItem.objects.filter(company=company, code="business_guidance").first()
    named = {pk for task in tasks for pk in (task.subject or {}).get("promotions") or []}
    days = [task.due_date for task in tasks]
    subjects = TaskSubjects(company, min(days), max(days) + timedelta(days=1),
                            guidance.standard_content if guidance and guidance.active else "", named)
    now = timezone.now()
    changed = []
    for task in tasks:
        subject = _subject_now(task, subjects)
        if subject is None:
            continue  # what it should say is unknown (no longer in the class standard, planned before subjects)
        if _refresh(task, subject, now, counts):
            changed.append(task)
    ServiceTask.objects.bulk_update(changed, ["subject", "content", "status", "cancel_reason", "cancelled_at"],
                                    batch_size=500)
    return counts


def _subject_now(task: ServiceTask, subjects: TaskSubjects) -> Subject | None:
    code, due, customer = task.item.code, task.due_date, task.customer
    if task.source == TaskSource.STANDARD:
        frequency = next((link.frequency for link in standard_links(customer) if link.item_id == task.item_id), None)
        return subjects.standard(customer, code, frequency, due) if frequency else None
    if task.source == TaskSource.ONBOARDING:
        return subjects.onboarding(code, due)
    if task.source == TaskSource.TIER_CHANGE:
        change = (task.subject or {}).get("change")
        return subjects.guidance(tuple(change)) if change else None
    if task.source == TaskSource.PROMOTION:
        promotion = _promotion_of(task, subjects)
        # Cancelled, retargeted or moved (re-planning its new briefing day plans a task there).
        if promotion is None or not promotion.targets(customer) or promotion.brief_on != due:
            return Subject()
        return Subject(promotions=[promotion])
    return None


def _promotion_of(task: ServiceTask, subjects: TaskSubjects) -> Promotion | None:
    ids = (task.subject or {}).get("promotions")
    if ids:
        return subjects.by_id.get(ids[0])
    # Planned before subjects: the promotion of that name briefed that day.
    return next((p for p in subjects.promotions if p.name[:200] == task.reason and p.brief_on == task.due_date), None)


CANCEL_REASONS = {"information_support": CancelReason.NEWS_WITHDRAWN,
                  "promotion_support": CancelReason.PROMOTION_WITHDRAWN,
                  "business_guidance": CancelReason.NO_ADVICE}


def _refresh(task: ServiceTask, subject: Subject, now, counts: PlanCounts) -> bool:
    """Apply the subject to the task; whether anything changed."""
    open_ = task.status == ServiceTask.Status.OPEN
    if not subject:
        if not open_:
            return False
        # Keep what it was going to say (the record); the reason says why it went.
        task.status, task.cancel_reason, task.cancelled_at = (ServiceTask.Status.CANCELLED,
                                                              CANCEL_REASONS[task.item.code], now)
        counts.cancelled += 1
        return True
    # The keys detailing why it is due (not content) stay as they are.
    data = {**{k: v for k, v in (task.subject or {}).items() if k not in CONTENT_KEYS}, **subject.as_json()}
    content = retailer_text(subject.text)
    if open_ and data == task.subject and content == task.content:
        return False
    if not open_:
        task.status, task.cancel_reason, task.cancelled_at = ServiceTask.Status.OPEN, "", None
        counts.reopened += 1
    task.subject, task.content = data, content
    counts.rewritten += 1
    return True


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
