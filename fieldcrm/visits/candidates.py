"""Who is due in a week, and why: the stores a manager should visit, with their reasons.

- `week_candidates(manager, week_start, policy)`: every active store of the manager due in the week, as a
  `Candidate` (how many visits, the reasons, the last day a deadline allows).
- `visits_due(frequency, customer_pk, last_visit, week_start)`: visits the class standard asks for.
- `last_visits(manager, before)`: each store's last visit day (visits recorded at the store).
- `active_stores(manager)`: the manager's active stores (what a plan may include).
- `standard_of(customer)`, `service_minutes(customer)`: the store's service standard and time at the store.

Reasons come from the standard, open services that need a visit, stale profile fields, new retailers,
recent tier/class changes, long absence, and every provider registered in `visits.reasons`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from fieldcrm.care.models import ServiceTask, VisitFrequency
from fieldcrm.customers.models import ClassificationChange, Customer, CustomerStatus
from fieldcrm.lib.periods import local_day, midnight
from fieldcrm.visits import metrics, reasons
from fieldcrm.visits.models import PlanningPolicy, Reason

TIER_CHANGE_LOOKBACK_DAYS = 14
DEFAULT_SERVICE_MINUTES = 15  # time at a store whose class has no standard


@dataclass
class Candidate:
    """A store that should be visited in the week: how often, and why."""

    customer: Customer
    visits: int = 1
    reasons: list[dict] = field(default_factory=list)
    # The last day of the week (0 = Monday) a visit may be on, when a reason has a deadline.
    last_day: int | None = None
    # The earliest deadline among the reasons (`PlannedVisit.visit_by`), None when none has one.
    visit_by: date | None = None
    # {reason code: [ids of the records the reasons are about]}: linked by the kind once the visit is written.
    subjects: dict[str, list[int]] = field(default_factory=dict)

    def add(self, code: str, text: str = "", **args):
        """A reason with its arguments; the text is rendered now (company language) and again in each
        reader's language by reasons.reason_text()."""
        reason = {"code": str(code), "args": args} if args else {"code": str(code)}
        reason["text"] = text or reasons.reason_text(reason)
        self.reasons.append(reason)

    @property
    def priority(self) -> int:
        return max(reasons.priority_of(reason["code"]) for reason in self.reasons)


def active_stores(manager):
    return Customer.objects.filter(manager=manager, status=CustomerStatus.ACTIVE)


def standard_of(customer):
    if customer.customer_class is None:
        return None
    return getattr(customer.customer_class, "service_standard", None)


def service_minutes(customer) -> int:
    standard = standard_of(customer)
    return standard.visit_minutes if standard else DEFAULT_SERVICE_MINUTES


def _stagger(customer_pk: int, week_start: date, period: int) -> bool:
    """For stores never visited: spread fortnightly/monthly stores evenly over the weeks (stable hash)."""
    week = week_start.isocalendar().week
    digest = int(hashlib.sha1(str(customer_pk).encode(), usedforsecurity=False).hexdigest()[:8], 16)
    return digest % period == week % period


def visits_due(frequency: str | None, customer_pk: int, last_visit: date | None, week_start: date) -> int:
    """How many visits the store's service standard asks for in this week."""
    if frequency == VisitFrequency.TWICE_WEEKLY:
        return 2
    if frequency == VisitFrequency.WEEKLY:
        return 1
    periods: dict[str, int] = {VisitFrequency.FORTNIGHTLY: 2, VisitFrequency.MONTHLY: 4}
    period = periods.get(frequency) if frequency else None
    if period is None:
        return 0
    if last_visit is None:
        return 1 if _stagger(customer_pk, week_start, period) else 0
    # Due when the next visit would otherwise come later than the period allows (a few days' slack).
    return 1 if (week_start + timedelta(days=5) - last_visit).days >= period * 7 - 3 else 0


def last_visits(manager, before: date) -> dict[int, date]:
    """The day of the last visit made (checked in) to each of the manager's stores before a date, whoever
    made it (a store handed over keeps its history). A planned visit that was skipped does not count."""
    stores = Customer.objects.filter(manager=manager).values("pk")
    return {pk: local_day(at) for pk, at in metrics.last_visits(stores, before=midnight(before)).items()}


def week_candidates(manager, week_start: date, policy: PlanningPolicy) -> list[Candidate]:
    """Every store of the manager that should be visited in the week, with its reasons."""
    week_end = week_start + timedelta(days=7)
    customers = list(
        active_stores(manager).select_related("customer_class__service_standard").order_by("customer_code")
    )
    last = last_visits(manager, week_start)
    # "Never visited" only means something once the plans cover the whole not-visited period: before that a
    # monthly store may simply not have had its turn yet.
    overdue_before = week_start - timedelta(days=policy.not_visited_days)
    history_covers = bool(last) and min(last.values()) <= overdue_before
    services = _services_needing_visit(manager, week_end)
    changes = _recent_changes(manager, week_start)
    extra: dict[int, list] = {}
    for provider in reasons.PROVIDERS:
        for customer_pk, provided in provider(manager, week_start, policy).items():
            extra.setdefault(customer_pk, []).extend(provided)
    now = timezone.make_aware(datetime.combine(week_start, datetime.min.time()))
    candidates = []
    for customer in customers:
        candidate = Candidate(customer)
        standard = standard_of(customer)
        due = visits_due(standard.visit_frequency if standard else None, customer.pk, last.get(customer.pk), week_start)
        if due:
            candidate.visits = due
            candidate.add(Reason.STANDARD, cls=str(customer.customer_class), frequency=standard.visit_frequency)
        for task in services.get(customer.pk, []):
            candidate.add(Reason.SERVICE, service=task.item.name, date=f"{task.due_date:%m-%d}")
        stale = customer.stale_fields()
        if stale:
            candidate.add(Reason.STALE, fields=stale)
        if customer.pk not in last and (now - customer.created_at).days <= policy.new_retailer_days:
            candidate.add(Reason.NEW, date=f"{timezone.localtime(customer.created_at):%m-%d}")
        for change in changes.get(customer.pk, []):
            candidate.add(Reason.TIER_CHANGE, field=change.field, old=change.old_value, new=change.new_value)
        for provided in extra.get(customer.pk, []):
            _add_provided(candidate, provided, week_start, policy)
        previous = last.get(customer.pk)
        if previous and (week_start - previous).days > policy.not_visited_days:
            candidate.add(Reason.NOT_VISITED, date=f"{previous:%m-%d}")
        elif previous is None and history_covers and timezone.localdate(customer.created_at) <= overdue_before:
            candidate.add(Reason.NOT_VISITED)
        if candidate.reasons:
            candidates.append(candidate)
    return candidates


def _add_provided(candidate: Candidate, provided, week_start: date, policy: PlanningPolicy):
    if not isinstance(provided, reasons.ProvidedReason):
        code, text = provided
        provided = reasons.ProvidedReason(code, text)
    candidate.add(provided.code, provided.text, **provided.args)
    if provided.subject is not None:
        candidate.subjects.setdefault(str(provided.code), []).append(provided.subject)
    if provided.visit_by is not None:
        candidate.visit_by = min(filter(None, (candidate.visit_by, provided.visit_by)))
    if provided.visit_by is not None and provided.visit_by < week_start + timedelta(days=policy.working_days):
        last_day = max(0, (provided.visit_by - week_start).days)
        candidate.last_day = last_day if candidate.last_day is None else min(candidate.last_day, last_day)


def _services_needing_visit(manager, week_end: date) -> dict[int, list[ServiceTask]]:
    tasks = (
        ServiceTask.objects.open()
        .filter(customer__manager=manager, item__needs_visit=True, due_date__lt=week_end)
        .select_related("item")
        .order_by("due_date")
    )
    by_customer: dict[int, list[ServiceTask]] = {}
    for task in tasks:
        by_customer.setdefault(task.customer_id, []).append(task)
    return by_customer


def _recent_changes(manager, week_start: date) -> dict[int, list[ClassificationChange]]:
    since = week_start - timedelta(days=TIER_CHANGE_LOOKBACK_DAYS)
    changes = ClassificationChange.objects.filter(
        customer__manager=manager, changed_at__date__gte=since, changed_at__date__lt=week_start
    ).order_by("changed_at")
    by_customer: dict[int, list[ClassificationChange]] = {}
    for change in changes:
        by_customer.setdefault(change.customer_id, []).append(change)
    return by_customer
