"""The adapter between FieldCRM and the route planner: the only module of `fieldcrm` that imports `planner`.

It turns the stores due in a week (`candidates.week_candidates`) into the planner's problem (haversine on
WGS-84, one stop per store with its day patterns, opening hours as time windows, the policy's working day
as limits) and runs the planner with the site's limits:

- `check_size(manager)`: refuses (TooLarge) a manager with more active stores than VISIT_PLAN_MAX_STORES,
  before anything is built or solved.
- `build_problem(manager, week_start, policy, candidates) -> WeekProblem`: the week's problem, the
  candidates by stop id, and the stores without coordinates (listed on the plan, never dropped silently).
- `solve(problem, time_limit, workers)`: the planner's solution (routes per day, unassigned stop ids).
- `day_orders(visits, days, depot, policy, time_limit)`: re-route each day keeping every visit on its
  day (re-optimise): {visit pk: position in its day}.
- `distance_km(a, b)`: the planner's straight-line metric, for arrivals and cheapest insertions.
- `depot_of(manager, customers)`, `allowed_days(customer, policy)`, `patterns_for(candidate, policy)`:
  where a day starts, and which days a store may be visited on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

import planner
from fieldcrm.errors import TooLarge
from fieldcrm.visits.candidates import Candidate, active_stores, service_minutes
from fieldcrm.visits.models import PlanningPolicy
from fieldcrm.visits.weeks import minutes
from planner.metrics import haversine_km


def check_size(manager) -> None:
    """Refuse a manager too big to plan before the solver runs: the planner's memory grows with the
    square of the stores (a 33,534-store manager took the web process to 24 GB)."""
    limit = settings.VISIT_PLAN_MAX_STORES
    stores = active_stores(manager).count()
    if stores > limit:
        raise TooLarge(_("%(manager)s has %(stores)s active stores; a weekly plan covers at most %(limit)s. "
                         "Split the territory, or ask the administrator to raise VISIT_PLAN_MAX_STORES.")
                       % {"manager": manager, "stores": stores, "limit": limit})


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(a, b)


def depot_of(manager, customers) -> tuple[float, float] | None:
    """Where the manager's day starts: their configured start point, else the middle of their stores."""
    if manager.start_latitude is not None and manager.start_longitude is not None:
        return manager.start_latitude, manager.start_longitude
    located = [(c.latitude, c.longitude) for c in customers if c.latitude is not None and c.longitude is not None]
    if not located:
        return None
    return sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located)


def working_days(customer, policy: PlanningPolicy) -> list[int]:
    """The week's working days (0 = Monday) the store is open: all but its weekly rest day."""
    return [d for d in range(policy.working_days) if d != (customer.rest_day or 0) - 1]


def allowed_days(customer, policy: PlanningPolicy) -> list[int]:
    """Days (0 = Monday) the store may be visited: on its order day or up to `order_lead_days` before,
    never on its weekly rest day."""
    days = working_days(customer, policy)
    if not customer.order_day:
        return days
    order_index = customer.order_day - 1
    if order_index >= policy.working_days:  # orders on a day off: visit in the last working days
        order_index = policy.working_days - 1
    near_order = [d for d in days if order_index - policy.order_lead_days <= d <= order_index]
    return near_order or days  # the rest day took the only days before ordering: any open day


def patterns_for(candidate: Candidate, policy: PlanningPolicy) -> list[list[int]]:
    open_days = working_days(candidate.customer, policy)
    allowed = allowed_days(candidate.customer, policy)
    if candidate.last_day is not None:
        # A deadline (an open need's) outranks visiting just before the order day.
        allowed = ([d for d in allowed if d <= candidate.last_day]
                   or [d for d in open_days if d <= candidate.last_day] or allowed)
    if candidate.visits >= 2:
        # One visit before ordering, the other at least two days apart (after delivery, say).
        pairs = sorted({tuple(sorted((a, b))) for a in allowed for b in open_days if abs(a - b) >= 2})
        if pairs:
            return [list(pair) for pair in pairs]
    return [[d] for d in allowed]


DAY_END = 24 * 60


def open_spans(customer) -> list[tuple[int, int]]:
    """When the store is open within a day, in minutes: one span, or two for overnight hours (22:00-07:00
    is open 00:00–07:00 and 22:00–24:00 of every day); none when the hours are unknown."""
    if customer.opens_at is None or customer.closes_at is None:
        return []
    opens, closes = minutes(customer.opens_at), minutes(customer.closes_at)
    if closes < opens:
        return [(0, closes), (opens, DAY_END)]
    return [(opens, closes)]


def _window(customer, minutes_at_store: int, policy: PlanningPolicy) -> list[int] | None:
    """The planner takes one window per stop: the open span that overlaps the working day most (an
    overnight store's evening or early morning)."""
    day = (minutes(policy.day_start), minutes(policy.day_start) + policy.day_minutes)
    spans = [(start, end - minutes_at_store) for start, end in open_spans(customer)
             if end - minutes_at_store >= start]
    if not spans:
        return None
    start, end = max(spans, key=lambda span: (min(span[1], day[1]) - max(span[0], day[0]), span[0]))
    return [start, end]


def _problem(policy: PlanningPolicy, depot: tuple[float, float], name: str) -> dict:
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


def _stop(customer, patterns: list[list[int]], priority: int, stop_id: str, policy: PlanningPolicy) -> dict:
    service = service_minutes(customer)
    stop = {"id": stop_id, "lat": customer.latitude, "lon": customer.longitude, "service": service,
            "demand": 1, "patterns": patterns, "priority": priority}
    window = _window(customer, service, policy)
    if window:
        stop["window"] = window
    return stop


def _located(customer) -> bool:
    return customer.latitude is not None and customer.longitude is not None


@dataclass
class WeekProblem:
    problem: dict
    candidates: dict[str, Candidate]  # by stop id
    unlocated: list[Candidate]  # stores without coordinates: cannot be routed

    @property
    def depot(self) -> tuple[float, float] | None:
        """The depot the week was planned from; None when no store could be routed."""
        if not self.candidates:
            return None
        return self.problem["depot"]["lat"], self.problem["depot"]["lon"]


def build_problem(manager, week_start: date, policy: PlanningPolicy, candidates: list[Candidate]) -> WeekProblem:
    depot = depot_of(manager, [c.customer for c in candidates]) or (0.0, 0.0)
    problem = _problem(policy, depot, f"{manager.username} {week_start:%Y-%m-%d}")
    by_id, unlocated = {}, []
    for candidate in candidates:
        customer = candidate.customer
        if not _located(customer):
            unlocated.append(candidate)
            continue
        stop_id = str(customer.pk)
        problem["stops"].append(_stop(customer, patterns_for(candidate, policy), candidate.priority, stop_id,
                                       policy))
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


def day_orders(visits, days: list[date], depot: tuple[float, float] | None, policy: PlanningPolicy,
               time_limit: float | None = None) -> dict[int, int]:
    """The shortest order of each day's located visits, every visit kept on its day: {visit pk: position}.
    Visits without coordinates or off the week are left out (they keep their place)."""
    if depot is None:
        return {}
    problem = _problem(policy, depot, "re-optimise")
    for visit in visits:
        if _located(visit.customer) and visit.day in days:
            problem["stops"].append(_stop(visit.customer, [[days.index(visit.day)]], 1, str(visit.pk), policy))
    # A hand-made day may exceed the limits; the manager decided that, so nobody is dropped for it.
    problem["capacity"] = max(policy.max_visits_per_day, len(visits))
    problem.pop("max_route_duration")
    solution = solve(problem, time_limit or settings.VISIT_REOPTIMISE_SECONDS)
    return {int(stop): i for route in solution["routes"] for i, stop in enumerate(route["stops"], start=1)}
