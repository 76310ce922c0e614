"""Independent feasibility checker: recomputes every leg from the coordinates, trusts nothing reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.metrics import leg_distance, leg_time
from planner.problem import Problem, parse_problem

EPS = 1e-6


@dataclass
class CheckResult:
    violations: list[str] = field(default_factory=list)
    distance: float = 0.0
    visits: int = 0

    @property
    def feasible(self) -> bool:
        return not self.violations


def _check_route(
    problem: Problem, day: int, k: int, ids: list, index: dict[str, int], out: CheckResult
) -> None:
    where = f"routes[{k}] (day {day})"
    stops = problem.stops
    pos = problem.depot
    clock = problem.day_start
    busy = load = 0.0
    for sid in ids:
        stop = stops[index[sid]]
        leg = leg_distance(problem, pos, stop.point)
        travel = leg_time(problem, leg)
        out.distance += leg
        busy += travel + stop.service
        load += stop.demand
        clock += travel
        if stop.window is not None:
            early, late = stop.window
            if clock > late + EPS:
                out.violations.append(
                    f"{where}: stop {sid} reached at {clock:.3f} after its window end {late}"
                )
            clock = max(clock, early)
        clock += stop.service
        pos = stop.point
    leg = leg_distance(problem, pos, problem.depot)
    out.distance += leg
    busy += leg_time(problem, leg)
    if problem.capacity is not None and load > problem.capacity + EPS:
        out.violations.append(f"{where}: load {load:g} exceeds capacity {problem.capacity:g}")
    if problem.max_route_duration is not None and busy > problem.max_route_duration + EPS:
        out.violations.append(
            f"{where}: travel + service {busy:.3f} exceeds max_route_duration {problem.max_route_duration:g}"
        )


def check(problem: Problem | dict[str, Any], solution: dict[str, Any]) -> CheckResult:
    """Return the violations of ``solution`` and its distance recomputed from coordinates."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    out = CheckResult()
    index = {s.id: i for i, s in enumerate(problem.stops)}
    days_of: dict[str, list[int]] = {s.id: [] for s in problem.stops}
    routes_per_day = [0] * problem.days
    routes = solution.get("routes")
    if not isinstance(routes, list):
        return CheckResult(["routes: missing or not a list"])
    for k, route in enumerate(routes):
        day = route.get("day") if isinstance(route, dict) else None
        ids = route.get("stops") if isinstance(route, dict) else None
        if not isinstance(day, int) or not 0 <= day < problem.days:
            out.violations.append(f"routes[{k}]: bad day {day!r}")
            continue
        if not isinstance(ids, list):
            out.violations.append(f"routes[{k}]: stops is not a list")
            continue
        unknown = [sid for sid in ids if sid not in index]
        if unknown:
            out.violations.append(f"routes[{k}]: unknown stops {unknown[:5]}")
            continue
        if ids:
            routes_per_day[day] += 1  # an empty route uses no vehicle
        for sid in ids:
            days_of[sid].append(day)
        out.visits += len(ids)
        _check_route(problem, day, k, ids, index, out)
    for day, count in enumerate(routes_per_day):
        if count > problem.vehicles:
            out.violations.append(f"day {day}: {count} routes, only {problem.vehicles} vehicles")
    unassigned = set(solution.get("unassigned") or [])
    for sid in unassigned - index.keys():
        out.violations.append(f"unassigned: unknown stop {sid!r}")
    for stop in problem.stops:
        days = days_of[stop.id]
        if stop.id in unassigned:
            if days:
                out.violations.append(f"stop {stop.id}: unassigned but visited on days {days}")
        elif len(set(days)) != len(days):
            out.violations.append(f"stop {stop.id}: visited twice on one day {sorted(days)}")
        elif tuple(sorted(days)) not in stop.patterns:
            out.violations.append(f"stop {stop.id}: days {sorted(days)} match none of its patterns")
    return out
