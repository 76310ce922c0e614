"""A plan's days as the manager drives them: arrival times, kilometres and minutes from the plan's stored
order, with the planner's metric (straight-line distance × detour factor at the policy's speed).

- `plan_days(plan, policy, visits)`: the week as `DayRoute`s, one per working day (empty days included).
- `day_route(day, visits, depot, policy)`: walk one day in order, setting each visit's `arrival`.
- `depot_of_plan(plan)`: where the plan's days start and end.
- `cheapest_position(plan, day, customer)`: where inserting a store adds the least distance to a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from fieldcrm.visits.candidates import service_minutes
from fieldcrm.visits.models import PlanningPolicy
from fieldcrm.visits.planning import distance_km, open_spans
from fieldcrm.visits.weeks import clock, minutes, week_days


@dataclass
class DayRoute:
    day: object
    visits: list = field(default_factory=list)
    km: float = 0.0
    travel_minutes: float = 0.0
    service_minutes: float = 0.0
    finish: str = ""
    late: list = field(default_factory=list)  # visits reached after the store closes

    @property
    def minutes(self) -> int:
        """Travel + time at the stores: what the working-day limit caps."""
        return round(self.travel_minutes + self.service_minutes)


def _point(customer) -> tuple[float, float] | None:
    if customer.latitude is None or customer.longitude is None:
        return None
    return customer.latitude, customer.longitude


def depot_of_plan(plan) -> tuple[float, float] | None:
    if plan.depot_latitude is None or plan.depot_longitude is None:
        return None
    return plan.depot_latitude, plan.depot_longitude


def plan_days(plan, policy=None, visits=None) -> list[DayRoute]:
    """The week as DayRoutes, one per working day (empty days included), with arrivals and totals.
    `visits`: the plan's visits when the caller loaded several plans' at once."""
    policy = policy or PlanningPolicy.for_company(plan.manager.company)
    if visits is None:
        visits = list(plan.visits.select_related("customer__customer_class__service_standard", "done_visit")
                      .prefetch_related("join_requests"))
    depot = depot_of_plan(plan)
    return [day_route(day, [v for v in visits if v.day == day], depot, policy) for day in week_days(plan, policy)]


def day_route(day, visits, depot, policy) -> DayRoute:
    """Walk the day in order; sets each visit's `arrival` (not saved) and returns the totals."""
    route = DayRoute(day, list(visits))
    now = float(minutes(policy.day_start))
    here = depot
    for visit in route.visits:
        customer = visit.customer
        stay = service_minutes(customer)
        point = _point(customer)
        if here is not None and point is not None:
            now += _drive(route, here, point, policy)
        spans = open_spans(customer)
        fitting = [(start, end) for start, end in spans if now <= end - stay]
        if fitting:
            now = max(now, float(fitting[0][0]))  # before opening: wait at the door
        elif spans:
            route.late.append(visit)
        visit.arrival = _time_of(now)
        now += stay
        route.service_minutes += stay
        here = point or here
    if here is not None and depot is not None and route.visits:
        now += _drive(route, here, depot, policy)
    route.finish = clock(now) if route.visits else ""
    return route


def _drive(route: DayRoute, here, there, policy) -> float:
    """Add one leg to the route's totals; returns its minutes."""
    km = distance_km(here, there) * policy.detour_factor
    route.km += km
    route.travel_minutes += km / policy.speed_kmh * 60
    return km / policy.speed_kmh * 60


def cheapest_position(plan, day, customer) -> int:
    """Where inserting the store adds the least distance to the day's route (1-based sequence)."""
    stops = list(plan.visits.filter(day=day).exclude(customer=customer).select_related("customer"))
    depot = depot_of_plan(plan)
    point = _point(customer)
    if point is None or depot is None:
        return len(stops) + 1
    path = [depot] + [_point(v.customer) or depot for v in stops] + [depot]
    deltas = [distance_km(path[i], point) + distance_km(point, path[i + 1]) - distance_km(path[i], path[i + 1])
              for i in range(len(path) - 1)]
    return deltas.index(min(deltas)) + 1


def _time_of(total_minutes: float) -> time:
    total = min(int(round(total_minutes)), 23 * 60 + 59)
    return time(total // 60, total % 60)
