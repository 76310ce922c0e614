"""Periodic route planner: pattern search around whole-horizon PyVRP routing.

1. Construction: stops in order (priority, frequency, distance from the depot) are cheapest-inserted
   with their cheapest feasible pattern into the current day routes.
2. Routing: the whole horizon is one PyVRP problem (see :mod:`planner.pyvrp_model`); one-visit stops
   keep their full day choice inside PyVRP, multi-day stops are pinned to their current pattern.
3. Pattern search (outer loop, for problems with multi-day stops): on PyVRP's best routes, each
   multi-day stop is moved to the pattern with the cheapest removal/insertion balance (descent); when
   no move helps, a random subset of multi-day stops is removed and reinserted with noisy best patterns
   (ruin and recreate).  Each changed plan is re-optimised by a short PyVRP run warm-started from it
   and accepted when it improves the best plan.
4. Safety: whatever PyVRP returns is checked in double precision; routes that break a constraint lose
   their lowest-priority stops (all visits of a stop together) until feasible, and those stops are
   reported ``unassigned``.
"""

from __future__ import annotations

import math
import random
import sys
import time
from typing import Any

import numpy as np

from planner.metrics import distance_matrix, time_matrix
from planner.problem import Problem, parse_problem
from planner.pyvrp_model import HorizonModel, run_ils
from planner.routes import (
    Plan,
    Router,
    best_pattern,
    construct,
    insert_stop,
    lns_step,
    pattern_descent,
    remove_stop,
    two_opt,
)

SOLVER_NAME = "fieldcrm-periodic-pyvrp"
# Share of the budget for the first whole-horizon PyVRP run when multi-day stops exist; the rest goes to
# pattern-search rounds, each re-optimised by a short warm-started PyVRP run of ROUND_SECONDS per
# ROUND_VISITS visits (bounded below and above).
FIRST_SHARE = 0.2
ROUND_SECONDS = 0.5
ROUND_VISITS = 100
ROUND_MIN, ROUND_MAX = 0.3, 3.0
LNS_SECONDS = 1.0  # plain-Python LNS time between two PyVRP runs
LNS_ITERS = 50  # ... or iterations, in reproducible (max_iterations) mode
LOAD_PENALTY = 1.0  # LNS: excess cost per unit, x mean depot distance / mean demand (or duration)
SOFT_LNS = 1
LNS_TEMPERATURE = 0.05  # start temperature as a share of the mean distance per movable stop


class Progress:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[planner {self.elapsed():7.2f}s] {message}", file=sys.stderr, flush=True)


class _Stop:
    """PyVRP stopping criterion: a time budget and an optional iteration budget (reproducible runs).

    With ``give_up``, a run that has found nothing feasible by its deadline keeps going until
    ``give_up`` seconds, and then stops with ``gave_up`` set (not every stop fits)."""

    INFEASIBLE = 2**62  # PyVRP's CostEvaluator.cost() of an infeasible solution is huge

    def __init__(self, seconds: float, iterations: int | None = None, give_up: float | None = None):
        now = time.perf_counter()
        self.deadline = now + max(0.01, seconds)
        self.give_up = None if give_up is None else now + max(give_up, seconds)
        self.iterations = iterations
        self.count = 0
        self.gave_up = False

    def __call__(self, best_cost: int) -> bool:
        self.count += 1
        infeasible = best_cost >= self.INFEASIBLE
        if self.iterations is not None and self.count > self.iterations:
            if not (infeasible and self.give_up is not None and self.count <= 10 * self.iterations):
                self.gave_up = infeasible
                return True
            return False
        now = time.perf_counter()
        if now <= self.deadline:
            return False
        if infeasible and self.give_up is not None:
            if now <= self.give_up:
                return False
            self.gave_up = True
        return True


def _route(model: HorizonModel, plan: Plan, stop: _Stop, seed: int) -> Plan:
    result = run_ils(model, stop, seed, plan)
    return model.to_plan(result.best)


def _repair(problem: Problem, router: Router, plan: Plan) -> Plan:
    """Drop whole stops (lowest priority, then largest detour) until every route is feasible."""
    plan = plan.copy()
    for s, stop in enumerate(problem.stops):  # partial visit sets (dropped optional copies)
        days = tuple(sorted(d for d in range(problem.days) for r in plan.routes[d] if s in r))
        if days and days not in stop.patterns:
            plan.pattern[s] = days
            remove_stop(plan, s)
            plan.unassigned.add(s)
        elif not days:
            plan.pattern.pop(s, None)
            plan.unassigned.add(s)
    for day in range(problem.days):
        for route in plan.routes[day]:
            while route and not router.route_ok(route):
                worst = min(route, key=lambda s: (problem.stops[s].priority, -router.removal_gain(route, s)))
                remove_stop(plan, worst)
                plan.unassigned.add(worst)
    return plan


def _reinsert_unassigned(problem: Problem, router: Router, plan: Plan) -> None:
    """After routing, try once more to fit stops left out (highest priority first)."""
    for s in sorted(plan.unassigned, key=lambda s: -problem.stops[s].priority):
        choice = best_pattern(router, plan, s)
        if choice is not None:
            insert_stop(plan, s, choice[1], choice[2])


def _ruin_recreate(
    problem: Problem, router: Router, plan: Plan, multi: list[int], rng: random.Random
) -> Plan:
    """Remove a random set of multi-day stops (a seed and its nearest multi-day peers) and reinsert each
    with a noisy cheapest pattern; returns a new plan."""
    new = plan.copy()
    size = max(2, min(len(multi), int(len(multi) * rng.uniform(0.05, 0.25))))
    seed_stop = rng.choice(multi)
    near = sorted(multi, key=lambda s: router.dist[seed_stop + 1, s + 1])
    chosen = near[: size * 2]
    rng.shuffle(chosen)
    chosen = chosen[:size]
    for s in chosen:
        remove_stop(new, s)
    rng.shuffle(chosen)
    for s in chosen:
        choice = best_pattern(router, new, s, noise=0.3, rng=rng)
        if choice is None:
            new.unassigned.add(s)
        else:
            insert_stop(new, s, choice[1], choice[2])
    return new


def _cost(router: Router, plan: Plan) -> tuple[float, float]:
    """Lexicographic: unserved priority-weighted visits first, then distance."""
    missed = sum((1 + max(0.0, router.problem.stops[s].priority)) for s in plan.unassigned)
    return (missed, router.plan_distance(plan))


def solve_problem(
    problem: Problem, time_limit: float, seed: int = 1, max_iterations: int | None = None, quiet: bool = True
) -> dict[str, Any]:
    """Solve a parsed problem; ``max_iterations`` (total PyVRP iterations) makes the run deterministic."""
    log = Progress(quiet)
    rng = random.Random(seed)
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    deadline = log.start + time_limit
    plan, misfits = construct(problem, router, rng)
    log(f"construction: {router.plan_distance(plan):.3f}, {len(misfits)} stops placed over the limits")
    multi = [s for s, st in enumerate(problem.stops) if not st.is_flexible and len(st.patterns) > 1]
    if problem.stops:
        plan = _optimise(problem, router, plan, multi, deadline, max_iterations, rng, log)
    plan = _repair(problem, router, plan)
    _reinsert_unassigned(problem, router, plan)
    return _to_json(problem, router, plan, time_limit, seed, log)


def _optimise(problem, router, plan, multi, deadline, max_iterations, rng, log) -> Plan:
    remaining = deadline - time.perf_counter()
    first_share = 1.0 if not multi else FIRST_SHARE
    iters = None if max_iterations is None else max(1, int(max_iterations * first_share))
    model = HorizonModel(problem, router, plan)
    # Everything required first: if PyVRP finds no feasible plan within half of the budget, not all
    # stops fit, and the rest of the time goes to the model with optional, prize-carrying visits.
    stop = _Stop(remaining * first_share, iters, give_up=0.5 * remaining)
    best = _route(model, plan, stop, rng.randrange(2**31))
    optional = stop.gave_up or not router_feasible(router, best)
    if optional:
        log("not every stop fits; switching to optional visits with priority prizes")
        model = HorizonModel(problem, router, plan, optional=True)
        left = deadline - time.perf_counter()
        best = _route(model, plan, _Stop(left * first_share, iters), rng.randrange(2**31))
    best_cost = _cost(router, _repair(problem, router, best))
    log(f"first routing: {best_cost[1]:.3f}")
    if not multi:
        return best
    return _pattern_search(
        problem, router, best, best_cost, multi, deadline, max_iterations, optional, rng, log
    )


def router_feasible(router: Router, plan: Plan) -> bool:
    """All routes within limits, every multi-day stop on one of its patterns and flexible stops placed."""
    if not all(router.route_ok(r) for day in plan.routes for r in day):
        return False
    problem = router.problem
    for s, stop in enumerate(problem.stops):
        days = tuple(sorted(d for d in range(problem.days) for r in plan.routes[d] if s in r))
        if days not in stop.patterns:
            return False
    return True


def _pattern_search(
    problem, router, best, best_cost, multi, deadline, max_iterations, optional, rng, log
) -> Plan:
    """Outer loop: alternate a fast plain-Python LNS over patterns and days (ruin a cluster of stops,
    reinsert each with its cheapest noisy pattern, 2-opt the changed days, simulated-annealing
    acceptance on the exact distance of the current routes) with short warm-started PyVRP runs that
    re-optimise the whole horizon from the LNS's best plan."""
    movable = [s for s, st in enumerate(problem.stops) if len(st.allowed_days) > 1 or len(st.patterns) > 1]
    if not movable:
        return best
    pts = np.array(movable)
    near = {s: pts[np.argsort(router.dist[s + 1, pts + 1], kind="stable")[:60]].tolist() for s in movable}
    rounds = 0
    while True:
        if max_iterations is not None and rounds >= 10:
            break
        left = deadline - time.perf_counter()
        if max_iterations is None and left < 0.3:
            break
        rounds += 1
        lns_time = None if max_iterations is not None else min(left * 0.5, LNS_SECONDS)
        cand = _lns(router, best, movable, near, rng, lns_time, LNS_ITERS if max_iterations else None, log)
        left = deadline - time.perf_counter()
        visits = sum(len(r) for day in cand.routes for r in day)
        seconds = min(left, max(ROUND_MIN, min(ROUND_MAX, ROUND_SECONDS * visits / ROUND_VISITS)))
        iter_budget = None if max_iterations is None else max(1, int(max_iterations * 0.6) // 10)
        model = HorizonModel(problem, router, cand, optional=optional)
        cand = _route(model, cand, _Stop(seconds, iter_budget), rng.randrange(2**31))
        cost = _cost(router, _repair(problem, router, cand))
        if cost < best_cost:
            log(f"round {rounds}: {best_cost[1]:.3f} -> {cost[1]:.3f}")
            best, best_cost = cand, cost
    log(f"pattern search: {rounds} rounds, best {best_cost[1]:.3f}")
    return best


def _soft_router(router: Router) -> Router:
    """Router for the LNS: capacity and duration excess cost (mean edge to the depot) per unit."""
    soft = router.relaxed()
    soft.has_windows = router.has_windows  # windows stay hard
    unit = float(router.dist[0, 1:].mean()) if len(router.dist) > 1 else 1.0
    mean_demand = float(router.demand[1:].mean()) if len(router.demand) > 1 else 1.0
    soft.cap, soft.max_dur = router.cap, router.max_dur
    soft.load_penalty = LOAD_PENALTY * unit / max(mean_demand, 1e-9)
    soft.duration_penalty = LOAD_PENALTY * unit / max(float(router.time[0, 1:].mean()), 1e-9)
    return soft


def _soft_cost(router: Router, plan: Plan) -> tuple[float, float]:
    excess = sum(router.excess(r) for day in plan.routes for r in day)
    missed, dist = _cost(router, plan)
    return (missed, dist + excess)


def _lns(router, start: Plan, movable, near, rng, seconds, iterations, log) -> Plan:
    if SOFT_LNS and (router.cap is not None or router.max_dur is not None):
        router = _soft_router(router)
    _cost = _soft_cost  # noqa: N806 - local alias: LNS costs include penalised excess
    cur = start.copy()
    pattern_descent(router, cur, movable, rng)
    cur_cost = _cost(router, cur)
    best, best_cost = cur, cur_cost
    temperature = LNS_TEMPERATURE * cur_cost[1] / max(1, len(movable))
    t_end = time.perf_counter() + (seconds or 0)
    k = 0
    while (iterations is not None and k < iterations) or (iterations is None and time.perf_counter() < t_end):
        k += 1
        cand, days = lns_step(router, cur, movable, rng, near)
        for d in days:
            cand.routes[d] = [two_opt(router, r) for r in cand.routes[d]]
        cost = _cost(router, cand)
        frac = (
            k / iterations if iterations else 1 - max(0.0, t_end - time.perf_counter()) / max(seconds, 1e-9)
        )
        temp = temperature * (1 - frac) + 1e-9
        if cost < cur_cost or (
            cost[0] == cur_cost[0] and rng.random() < math.exp(-(cost[1] - cur_cost[1]) / temp)
        ):
            cur, cur_cost = cand, cost
            if cost < best_cost:
                best, best_cost = cand, cost
    log(f"  lns: {k} iterations, {_cost(router, start)[1]:.3f} -> {best_cost[1]:.3f}")
    return best


def _to_json(problem: Problem, router: Router, plan: Plan, time_limit: float, seed: int, log) -> dict:
    stops = problem.stops
    routes = []
    for day in range(problem.days):
        used = [r for r in plan.routes[day] if r]
        for route in used or [[]]:
            routes.append({"day": day, "stops": [stops[s].id for s in route]})
    distance = router.plan_distance(plan)
    runtime = log.elapsed()
    log(f"done: distance {distance:.3f}, {len(plan.unassigned)} unassigned, {runtime:.2f}s")
    return {
        "routes": routes,
        "unassigned": [stops[s].id for s in sorted(plan.unassigned)],
        "distance": round(distance, 6),
        "solver": {"name": SOLVER_NAME, "time_limit": time_limit, "seed": seed, "runtime": round(runtime, 3)},
    }


def solve(
    problem: dict[str, Any] | Problem,
    time_limit: float = 10.0,
    seed: int = 1,
    max_iterations: int | None = None,
    quiet: bool = True,
) -> dict[str, Any]:
    """Public API: problem dict (contract JSON) -> solution dict (contract JSON)."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    if not math.isfinite(time_limit) or time_limit <= 0:
        raise ValueError("time_limit must be a positive number of seconds")
    return solve_problem(problem, time_limit, seed, max_iterations, quiet)
