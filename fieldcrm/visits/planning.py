"""From the database to the route planner and back: which stores a manager should visit next week and
why, the planner problem for that week (haversine, WGS-84), and the plan written from its solution.

The one adapter between FieldCRM and `planner/`: every plan, re-optimisation and benchmark goes through
`build_problem` and `solve_week`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

import planner
from fieldcrm.care.models import ServiceTask, VisitFrequency
from fieldcrm.customers.models import ClassificationChange, Customer, CustomerStatus
from fieldcrm.visits.models import PlannedVisit, PlanningPolicy, Reason

TIER_CHANGE_LOOKBACK_DAYS = 14
# Planner priorities: who is left out first when not everything fits (higher = keep).
# A stale profile alone is the first to wait: it is verified at the next routine visit anyway.
PRIORITY = {Reason.STALE: 1, Reason.STANDARD: 2, Reason.NOT_VISITED: 2, Reason.SERVICE: 3, Reason.NEW: 3,
            Reason.TIER_CHANGE: 3, Reason.DEMAND: 4, Reason.MANUAL: 4}

# Later apps add reasons to go without visits importing them (dependencies point visits ← followup ← sales):
# each provider is called as provider(manager, week_start, policy) and returns {customer_pk: [reason, ...]},
# a reason being (code, text) or a ProvidedReason. Open needs near their response deadline (duty 5) and
# out-of-stock risk (sales) plug in here.
REASON_PROVIDERS: list = []
# How reasons with arguments from those apps read in each reader's language: {code: render(args) -> str}.
REASON_RENDERERS: dict = {}


@dataclass(frozen=True)
class ProvidedReason:
    """A reason from a provider: rendered from `args` by REASON_RENDERERS[code] (else `text` as given);
    `visit_by`, when set, is the last day the visit still serves it (the week's visit is planned on or
    before it; a day already past means as early in the week as possible)."""

    code: str
    text: str = ""
    args: dict = field(default_factory=dict)
    visit_by: date | None = None


def next_week_start(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def week_error(week: date, today: date) -> str | None:
    """Why a week cannot be planned (not a Monday, already over), or None."""
    if week.weekday() != 0:
        return _("A week starts on a Monday.")
    if week < today - timedelta(days=today.weekday()):
        return _("Past weeks cannot be planned.")
    return None


def minutes(value) -> int:
    return value.hour * 60 + value.minute


def clock(total_minutes: float) -> str:
    total = int(round(total_minutes))
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass
class Candidate:
    """A store that should be visited in the week: how often, and why."""

    customer: Customer
    visits: int = 1
    reasons: list[dict] = field(default_factory=list)
    # The last day of the week (0 = Monday) a visit may be on, when a reason has a deadline.
    last_day: int | None = None

    def add(self, code: str, text: str = "", **args):
        """A reason with its arguments; the text is rendered now (company language) and again in each
        reader's language by reason_text()."""
        reason = {"code": str(code), "args": args} if args else {"code": str(code)}
        reason["text"] = text or reason_text(reason)
        self.reasons.append(reason)

    @property
    def priority(self) -> int:
        return max(PRIORITY.get(reason["code"], 1) for reason in self.reasons)


def reason_text(reason: dict) -> str:
    """A reason in the active language: from its code and arguments when it has them, else its stored text
    (hand-written reasons, and those from reason providers)."""
    from fieldcrm.care.models import VisitFrequency

    args, code = reason.get("args"), reason.get("code")
    if not args and code != Reason.NOT_VISITED:
        return reason.get("text", "")
    args = args or {}
    if code == Reason.STANDARD:
        frequency = dict(VisitFrequency.choices).get(args.get("frequency"), args.get("frequency", ""))
        return _("%(class)s: %(frequency)s") % {"class": args.get("cls", ""), "frequency": frequency}
    if code == Reason.SERVICE:
        return _("%(service)s due %(date)s") % args
    if code == Reason.STALE:
        names = [str(Customer._meta.get_field(name).verbose_name) for name in args.get("fields", [])]
        return _("Verify: %(fields)s") % {"fields": pgettext("list separator", ", ").join(names)}
    if code == Reason.NEW:
        return _("New retailer since %(date)s") % args
    if code == Reason.TIER_CHANGE:
        label = dict(ClassificationChange.Field.choices).get(args.get("field"), args.get("field", ""))
        return f"{label} {args.get('old') or '—'} → {args.get('new') or '—'}"
    if code == Reason.NOT_VISITED:
        return _("Last visit %(date)s") % args if args.get("date") else _("Never visited")
    if code in REASON_RENDERERS:
        return REASON_RENDERERS[code](args)
    return reason.get("text", "")


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
    period = {VisitFrequency.FORTNIGHTLY: 2, VisitFrequency.MONTHLY: 4}.get(frequency)
    if period is None:
        return 0
    if last_visit is None:
        return 1 if _stagger(customer_pk, week_start, period) else 0
    # Due when the next visit would otherwise come later than the period allows (a few days' slack).
    return 1 if (week_start + timedelta(days=5) - last_visit).days >= period * 7 - 3 else 0


def last_visits(manager, before: date) -> dict[int, date]:
    """The last planned visit day of each of the manager's stores before a date.

    A planned visit stands in for a visit done until field visits (duty 4) record the real ones."""
    rows = (
        PlannedVisit.objects.filter(plan__manager=manager, day__lt=before)
        .values("customer_id")
        .annotate(last=Max("day"))
    )
    return {row["customer_id"]: row["last"] for row in rows}


def week_candidates(manager, week_start: date, policy: PlanningPolicy) -> list[Candidate]:
    """Every store of the manager that should be visited in the week, with its reasons."""
    week_end = week_start + timedelta(days=7)
    customers = list(
        Customer.objects.filter(manager=manager, status=CustomerStatus.ACTIVE)
        .select_related("customer_class__service_standard")
        .order_by("customer_code")
    )
    last = last_visits(manager, week_start)
    # "Never visited" only means something once the plans cover the whole not-visited period: before that a
    # monthly store may simply not have had its turn yet.
    overdue_before = week_start - timedelta(days=policy.not_visited_days)
    history_covers = bool(last) and min(last.values()) <= overdue_before
    services = _services_needing_visit(manager, week_end)
    changes = _recent_changes(manager, week_start)
    extra: dict[int, list] = {}
    for provider in REASON_PROVIDERS:
        for customer_pk, reasons in provider(manager, week_start, policy).items():
            extra.setdefault(customer_pk, []).extend(reasons)
    now = timezone.make_aware(datetime.combine(week_start, datetime.min.time()))
    candidates = []
    for customer in customers:
        candidate = Candidate(customer)
        standard = _standard(customer)
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
        elif previous is None and history_covers and customer.created_at.date() <= overdue_before:
            candidate.add(Reason.NOT_VISITED)
        if candidate.reasons:
            candidates.append(candidate)
    return candidates


def _add_provided(candidate: Candidate, provided, week_start: date, policy: PlanningPolicy):
    if not isinstance(provided, ProvidedReason):
        code, text = provided
        provided = ProvidedReason(code, text)
    candidate.add(provided.code, provided.text, **provided.args)
    if provided.visit_by is not None and provided.visit_by < week_start + timedelta(days=policy.working_days):
        last_day = max(0, (provided.visit_by - week_start).days)
        candidate.last_day = last_day if candidate.last_day is None else min(candidate.last_day, last_day)


def _standard(customer):
    if customer.customer_class is None:
        return None
    return getattr(customer.customer_class, "service_standard", None)


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


# --- the planner problem ---------------------------------------------------------------------------


def depot_of(manager, customers) -> tuple[float, float] | None:
    """Where the manager's day starts: their configured start point, else the middle of their stores."""
    if manager.start_latitude is not None and manager.start_longitude is not None:
        return manager.start_latitude, manager.start_longitude
    located = [(c.latitude, c.longitude) for c in customers if c.latitude is not None and c.longitude is not None]
    if not located:
        return None
    return sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located)


def allowed_days(customer, policy: PlanningPolicy) -> list[int]:
    """Days (0 = Monday) the store may be visited: on its order day or up to `order_lead_days` before."""
    days = list(range(policy.working_days))
    if not customer.order_day:
        return days
    order_index = customer.order_day - 1
    if order_index >= policy.working_days:  # orders on a day off: visit in the last working days
        order_index = policy.working_days - 1
    return [d for d in days if order_index - policy.order_lead_days <= d <= order_index]


def patterns_for(candidate: Candidate, policy: PlanningPolicy) -> list[list[int]]:
    allowed = allowed_days(candidate.customer, policy)
    if candidate.last_day is not None:
        # A deadline (an open need's) outranks visiting just before the order day.
        allowed = [d for d in allowed if d <= candidate.last_day] or list(range(candidate.last_day + 1))
    if candidate.visits >= 2:
        # One visit before ordering, the other at least two days apart (after delivery, say).
        pairs = sorted({tuple(sorted((a, b))) for a in allowed for b in range(policy.working_days) if abs(a - b) >= 2})
        if pairs:
            return [list(pair) for pair in pairs]
    return [[d] for d in allowed]


def service_minutes(customer) -> int:
    standard = _standard(customer)
    return standard.visit_minutes if standard else 15


def window_of(customer, minutes_at_store: int) -> list[int] | None:
    if customer.opens_at is None or customer.closes_at is None:
        return None
    start, end = minutes(customer.opens_at), minutes(customer.closes_at) - minutes_at_store
    return [start, end] if end >= start else None


def problem_base(policy: PlanningPolicy, depot: tuple[float, float], name: str) -> dict:
    return {
        "name": name,
        "days": policy.working_days,
        "metric": "haversine",
        "depot": {"lat": depot[0], "lon": depot[1]},
        "vehicles": 1,
        "capacity": policy.max_visits_per_day,
        "max_route_duration": policy.day_minutes,
        "day_start": minutes(policy.day_start),
        "speed_kmh": policy.speed_kmh,
        "detour_factor": policy.detour_factor,
        "stops": [],
    }


def stop_for(customer, patterns: list[list[int]], priority: int, stop_id: str) -> dict:
    service = service_minutes(customer)
    stop = {"id": stop_id, "lat": customer.latitude, "lon": customer.longitude, "service": service,
            "demand": 1, "patterns": patterns, "priority": priority}
    window = window_of(customer, service)
    if window:
        stop["window"] = window
    return stop


@dataclass
class WeekProblem:
    problem: dict
    candidates: dict[str, Candidate]  # by stop id
    unlocated: list[Candidate]  # stores without coordinates: cannot be routed


def build_problem(manager, week_start: date, policy: PlanningPolicy, candidates: list[Candidate]) -> WeekProblem:
    depot = depot_of(manager, [c.customer for c in candidates]) or (0.0, 0.0)
    problem = problem_base(policy, depot, f"{manager.username} {week_start:%Y-%m-%d}")
    by_id, unlocated = {}, []
    for candidate in candidates:
        customer = candidate.customer
        if customer.latitude is None or customer.longitude is None:
            unlocated.append(candidate)
            continue
        stop_id = str(customer.pk)
        problem["stops"].append(stop_for(customer, patterns_for(candidate, policy), candidate.priority, stop_id))
        by_id[stop_id] = candidate
    return WeekProblem(problem, by_id, unlocated)


def solve(problem: dict, time_limit: float | None = None, workers: int | None = None) -> dict:
    """Run the planner with the site's limits; deterministic per seed when VISIT_PLAN_MAX_ITERATIONS is set."""
    if not problem["stops"]:
        return {"routes": [{"day": d, "stops": []} for d in range(problem["days"])], "unassigned": [],
                "distance": 0.0, "solver": {"name": "empty"}}
    return planner.solve(
        problem,
        time_limit=time_limit or settings.VISIT_PLAN_SECONDS,
        seed=1,
        max_iterations=settings.VISIT_PLAN_MAX_ITERATIONS,
        workers=workers or settings.VISIT_PLAN_SOLVER_WORKERS,
    )
