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


def _window(customer, minutes_at_store: int) -> list[int] | None:
    if customer.opens_at is None or customer.closes_at is None:
        return None
    start, end = minutes(customer.opens_at), minutes(customer.closes_at) - minutes_at_store
    return [start, end] if end >= start else None


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


def _stop(customer, patterns: list[list[int]], priority: int, stop_id: str) -> dict:
    service = service_minutes(customer)
    stop = {"id": stop_id, "lat": customer.latitude, "lon": customer.longitude, "service": service,
            "demand": 1, "patterns": patterns, "priority": priority}
    window = _window(customer, service)
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
        problem["stops"].append(_stop(customer, patterns_for(candidate, policy), candidate.priority, stop_id))
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
            problem["stops"].append(_stop(visit.customer, [[days.index(visit.day)]], 1, str(visit.pk)))
    # A hand-made day may exceed the limits; the manager decided that, so nobody is dropped for it.
    problem["capacity"] = max(policy.max_visits_per_day, len(visits))
    problem.pop("max_route_duration")
    solution = solve(problem, time_limit or settings.VISIT_REOPTIMISE_SECONDS)
    return {int(stop): i for route in solution["routes"] for i, stop in enumerate(route["stops"], start=1)}
