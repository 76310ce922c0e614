"""A day's route as the manager drives it: arrival times, kilometres and minutes, from the plan's stored
order, with the planner's metric (haversine × detour factor at the policy's speed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from fieldcrm.visits.planning import clock, minutes, service_minutes
from planner.metrics import haversine_km


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


def _located(customer) -> bool:
    return customer.latitude is not None and customer.longitude is not None


def day_route(day, visits, depot, policy) -> DayRoute:
    """Walk the day in order; sets each visit's `arrival` (not saved) and returns the totals."""
    route = DayRoute(day, list(visits))
    now = minutes(policy.day_start)
    here = depot
    for visit in route.visits:
        customer = visit.customer
        stay = service_minutes(customer)
        if here is not None and _located(customer):
            km = haversine_km(here, (customer.latitude, customer.longitude)) * policy.detour_factor
            route.km += km
            route.travel_minutes += km / policy.speed_kmh * 60
            now += km / policy.speed_kmh * 60
        if customer.opens_at is not None and now < minutes(customer.opens_at):
            now = minutes(customer.opens_at)
        if customer.closes_at is not None and now > minutes(customer.closes_at) - stay:
            route.late.append(visit)
        visit.arrival = _time_of(now)
        now += stay
        route.service_minutes += stay
        if _located(customer):
            here = (customer.latitude, customer.longitude)
    if here is not None and depot is not None and route.visits:
        km = haversine_km(here, depot) * policy.detour_factor
        route.km += km
        route.travel_minutes += km / policy.speed_kmh * 60
        now += km / policy.speed_kmh * 60
    route.finish = clock(now) if route.visits else ""
    return route


def _time_of(total_minutes: float) -> time:
    total = min(int(round(total_minutes)), 23 * 60 + 59)
    return time(total // 60, total % 60)
