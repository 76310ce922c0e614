"""Plain-Python route bookkeeping: evaluation, cheapest insertion, construction, pattern moves.

Routes hold stop indices (0-based into ``problem.stops``); point ``s + 1`` in the matrices is stop ``s``.
These are the fast, exact (double precision) primitives around which PyVRP does the heavy routing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from planner.problem import Problem

EPS = 1e-6


@dataclass
class Plan:
    """A periodic plan: ``routes[day][k]`` is a list of stop indices; ``pattern[s]`` the chosen pattern."""

    routes: list[list[list[int]]]
    pattern: dict[int, tuple[int, ...]] = field(default_factory=dict)
    unassigned: set[int] = field(default_factory=set)

    def copy(self) -> Plan:
        return Plan([[list(r) for r in day] for day in self.routes], dict(self.pattern), set(self.unassigned))


class Router:
    """Exact route arithmetic for one problem (double precision distance/time matrices)."""

    def __init__(self, problem: Problem, dist: np.ndarray, time: np.ndarray):
        self.problem = problem
        self.dist = dist
        self.time = time
        self.demand = np.array([0.0] + [s.demand for s in problem.stops])
        self.service = np.array([0.0] + [s.service for s in problem.stops])
        self.has_windows = any(s.window is not None for s in problem.stops)
        self.cap = problem.capacity
        self.max_dur = problem.max_route_duration

    def relaxed(self) -> Router:
        """The same router without capacity, duration and window checks."""
        other = Router.__new__(Router)
        other.__dict__.update(self.__dict__)
        other.cap = other.max_dur = None
        other.has_windows = False
        return other

    def route_distance(self, route: list[int]) -> float:
        seq = [0] + [s + 1 for s in route] + [0]
        return float(self.dist[seq[:-1], seq[1:]].sum()) if route else 0.0

    def plan_distance(self, plan: Plan) -> float:
        return sum(self.route_distance(r) for day in plan.routes for r in day)

    def windows_ok(self, route: list[int]) -> bool:
        """Arrival times from ``day_start``, waiting when early; contract semantics."""
        clock = self.problem.day_start
        prev = 0
        for s in route:
            clock += self.time[prev, s + 1]
            window = self.problem.stops[s].window
            if window is not None:
                if clock > window[1] + EPS:
                    return False
                clock = max(clock, window[0])
            clock += self.service[s + 1]
            prev = s + 1
        return True

    def route_ok(self, route: list[int]) -> bool:
        load_excess, duration_excess = self.route_excess(route)
        if load_excess > EPS or duration_excess > EPS:
            return False
        return not self.has_windows or self.windows_ok(route)

    def route_excess(self, route: list[int]) -> tuple[float, float]:
        """How far a route is over capacity and over ``max_route_duration`` (travel + service); 0 if within."""
        if not route:
            return 0.0, 0.0
        pts = [s + 1 for s in route]
        load_excess = duration_excess = 0.0
        if self.cap is not None:
            load_excess = max(0.0, float(self.demand[pts].sum()) - self.cap)
        if self.max_dur is not None:
            seq = [0] + pts + [0]
            busy = float(self.time[seq[:-1], seq[1:]].sum() + self.service[pts].sum())
            duration_excess = max(0.0, busy - self.max_dur)
        return load_excess, duration_excess

    def best_insertion(self, route: list[int], s: int) -> tuple[float, int] | None:
        """Cheapest feasible position for stop ``s`` in ``route``: (added distance, position) or None."""
        p = s + 1
        pts = [q + 1 for q in route]
        if self.cap is not None and self.demand[pts].sum() + self.demand[p] > self.cap + EPS:
            return None
        seq = np.array([0] + pts + [0])
        a, b = seq[:-1], seq[1:]
        delta = self.dist[a, p] + self.dist[p, b] - self.dist[a, b]
        order = np.argsort(delta, kind="stable")
        if self.max_dur is not None:
            busy = self.time[a, b].sum() + self.service[pts].sum()
            after = busy + self.service[p] + self.time[a, p] + self.time[p, b] - self.time[a, b]
            order = order[after[order] <= self.max_dur + EPS]
        if not self.has_windows:
            return (float(delta[order[0]]), int(order[0])) if len(order) else None
        for pos in order[:25]:  # windows: try the cheapest few positions exactly
            if self.windows_ok(route[:pos] + [s] + route[pos:]):
                return float(delta[pos]), int(pos)
        return None

    def removal_gain(self, route: list[int], s: int) -> float:
        i = route.index(s)
        a = route[i - 1] + 1 if i > 0 else 0
        b = route[i + 1] + 1 if i + 1 < len(route) else 0
        return float(self.dist[a, s + 1] + self.dist[s + 1, b] - self.dist[a, b])

    def best_day_insertion(self, plan: Plan, day: int, s: int) -> tuple[float, int, int] | None:
        best = None
        for k, route in enumerate(plan.routes[day]):
            ins = self.best_insertion(route, s)
            if ins is not None and (best is None or ins[0] < best[0]):
                best = (ins[0], k, ins[1])
        return best


def empty_plan(problem: Problem) -> Plan:
    return Plan([[[] for _ in range(problem.vehicles)] for _ in range(problem.days)])


def insertion_order(problem: Problem, router: Router, rng: random.Random) -> list[int]:
    """Important, frequent and far stops first: they are the hardest to place well later."""
    far = router.dist[0, 1:]
    keys = {
        s: (-st.priority, -min(len(p) for p in st.patterns), -far[s], rng.random())
        for s, st in enumerate(problem.stops)
    }
    return sorted(keys, key=keys.__getitem__)


def best_pattern(
    router: Router, plan: Plan, s: int, noise: float = 0.0, rng: random.Random | None = None
) -> tuple[float, tuple, list] | None:
    """Cheapest pattern for an unplaced stop: (cost, pattern, [(day, route, pos)]) or None if none fits."""
    best = None
    cache: dict[int, tuple[float, int, int] | None] = {}
    for pattern in router.problem.stops[s].patterns:
        cost, moves = 0.0, []
        for day in pattern:
            if day not in cache:
                cache[day] = router.best_day_insertion(plan, day, s)
            ins = cache[day]
            if ins is None:
                break
            cost += ins[0]
            moves.append((day, ins[1], ins[2]))
        else:
            if noise and rng is not None:
                cost *= 1.0 + noise * rng.random()
            if best is None or cost < best[0]:
                best = (cost, pattern, moves)
    return best


def insert_stop(plan: Plan, s: int, pattern: tuple, moves: list) -> None:
    for day, k, pos in moves:
        plan.routes[day][k].insert(pos, s)
    plan.pattern[s] = pattern
    plan.unassigned.discard(s)


def remove_stop(plan: Plan, s: int) -> None:
    for day in plan.pattern.pop(s, ()):
        for route in plan.routes[day]:
            if s in route:
                route.remove(s)


def construct(problem: Problem, router: Router, rng: random.Random) -> tuple[Plan, list[int]]:
    """Cheapest insertion of every stop with its cheapest feasible pattern.

    Stops that fit nowhere are then inserted ignoring capacity, duration and windows (returned as the
    second value): PyVRP usually repairs such an overfull start, and only if it cannot do we fall back
    to optional visits.
    """
    plan = empty_plan(problem)
    misfits = []
    for s in insertion_order(problem, router, rng):
        choice = best_pattern(router, plan, s)
        if choice is None:
            misfits.append(s)
        else:
            insert_stop(plan, s, choice[1], choice[2])
    relaxed = router.relaxed()
    for s in misfits:
        choice = best_pattern(relaxed, plan, s)
        insert_stop(plan, s, choice[1], choice[2])  # type: ignore[index]  # without limits every stop fits
    return plan, misfits
