"""Periodic route planner: pattern search around whole-horizon PyVRP routing.

1. Construction: stops in order (priority, frequency, distance from the depot) are cheapest-inserted
   with their cheapest feasible pattern into the current day routes.  A second worker instead takes its
   initial patterns from PyVRP on a relaxation (each visit of a multi-day stop picks its own day),
   projected onto the nearest consistent patterns.
2. Routing: the whole horizon is one PyVRP problem (see :mod:`planner.pyvrp_model`); one-visit stops
   keep their full day choice inside PyVRP, multi-day stops are pinned to their current pattern.
3. Pattern search (for problems with multi-day stops, :mod:`planner.patterns`): rounds of pattern
   improvement -- give one stop (or a stop and two nearby peers) another pattern, re-optimise the whole
   horizon with PyVRP's local search, keep the move if the plan gets cheaper -- and a short warm-started
   PyVRP run; a round without a new best restarts from the best with a few random pattern changes.
4. Two independent workers (processes, different seeds and starts) use both cores; the best plan wins.
5. Safety: whatever PyVRP returns is checked in double precision; routes that break a constraint lose
   their lowest-priority stops (all visits of a stop together) until feasible, and those stops are
   reported ``unassigned``.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import sys
import time
from typing import Any

from pyvrp import Solution

from planner.metrics import distance_matrix, time_matrix
from planner.patterns import PatternSearch, cheap_descent, evaluator, perturb
from planner.problem import Problem, parse_problem
from planner.pyvrp_model import SCALE, HorizonModel, make_search
from planner.pyvrp_model import run_ils as _run_ils
from planner.routes import Plan, Router, best_pattern, construct, insert_stop, remove_stop

SOLVER_NAME = "fieldcrm-periodic-pyvrp"
# Share of the budget for the first whole-horizon PyVRP run when multi-day stops exist; the rest goes to
# pattern-search rounds, each re-optimised by a short warm-started PyVRP run of ROUND_SECONDS per
# ROUND_VISITS visits (bounded below and above).
FIRST_SHARE = 0.15
ROUND_SECONDS = 0.5
ROUND_VISITS = 100
ROUND_MIN, ROUND_MAX = 0.3, 3.0
PI_SHARE = 0.5  # at most this share of the time left for one pattern-improvement descent ...
PI_ROUNDS = 1.5  # ... and at most this many times the PyVRP round time
PERTURB_MIN, PERTURB_MAX = 2, 8  # random pattern changes when a round brings no new best
ROUNDS_DETERMINISTIC = 10  # reproducible (max_iterations) mode: rounds ...
PI_EVALS_DETERMINISTIC = 2  # ... and pattern moves evaluated per multi-day stop and round
MAX_WORKERS = 2  # parallel independent searches (processes), one per core
PARALLEL_MIN_SECONDS = 2.0
PARALLEL_MIN_VISITS = 30
FAST_VISITS_PER_SECOND = 12  # above this many visits per second of budget, PyVRP's "fast" ILS settings
RELAXED_SHARE = 0.1  # second worker: share of its budget for the relaxed start (initial patterns)


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


def _cost(router: Router, plan: Plan) -> tuple[float, float]:
    """Lexicographic: unserved priority-weighted visits first, then distance."""
    missed = sum((1 + max(0.0, router.problem.stops[s].priority)) for s in plan.unassigned)
    return (missed, router.plan_distance(plan))


def solve_problem(
    problem: Problem,
    time_limit: float,
    seed: int = 1,
    max_iterations: int | None = None,
    quiet: bool = True,
    workers: int | None = None,
) -> dict[str, Any]:
    """Solve a parsed problem; ``max_iterations`` makes every phase stop on counts (deterministic).

    ``workers`` independent searches (default: one per core, at most :data:`MAX_WORKERS`, and one for
    small or very short runs) run in parallel processes with different seeds; the best plan is kept."""
    log = Progress(quiet)
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    deadline = log.start + time_limit
    if workers is None:
        workers = default_workers(problem, time_limit)
    plans = _run_workers(problem, router, deadline, seed, max_iterations, log, workers)
    plan = min(plans, key=lambda p: _cost(router, p))
    if len(plans) > 1:
        log("workers: " + ", ".join(f"{_cost(router, p)[1]:.3f}" for p in plans))
    return _to_json(problem, router, plan, time_limit, seed, log)


def default_workers(problem: Problem, time_limit: float) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    visits = sum(len(s.patterns[0]) for s in problem.stops)
    if time_limit < PARALLEL_MIN_SECONDS or visits < PARALLEL_MIN_VISITS:
        return 1
    return max(1, min(MAX_WORKERS, cores))


def _worker_seed(seed: int, k: int) -> int:
    return seed if k == 0 else seed * 7919 + 104729 * k


def _run_workers(problem, router, deadline, seed, max_iterations, log, workers) -> list[Plan]:
    """Worker 0 runs here; the others in forked processes that report their plan through a pipe."""
    if workers <= 1:
        return [_search(problem, router, deadline, seed, max_iterations, log)]
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: stay single-process
        return [_search(problem, router, deadline, seed, max_iterations, log)]
    procs = []
    for k in range(1, workers):
        recv, send = ctx.Pipe(duplex=False)
        args = (problem, router, deadline, _worker_seed(seed, k), max_iterations, send)
        proc = ctx.Process(target=_child, args=args, daemon=True)
        proc.start()
        send.close()
        procs.append((proc, recv))
    plans = [_search(problem, router, deadline, seed, max_iterations, log)]
    for proc, recv in procs:
        wait = max(0.5, deadline - time.perf_counter() + 1.0) if max_iterations is None else None
        try:
            if recv.poll(wait):
                plans.append(recv.recv())
        except (EOFError, OSError):
            pass  # the worker died: keep what the others found
        proc.join(timeout=0.5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    return plans


def _child(problem, router, deadline, seed, max_iterations, conn) -> None:
    try:
        conn.send(_search(problem, router, deadline, seed, max_iterations, Progress(True), relaxed_start=True))
    finally:
        conn.close()


_FAST = False  # per process: PyVRP runs with the "fast" ILS settings (time short for the size)


def run_ils(model, stop, seed, initial=None):
    return _run_ils(model, stop, seed, initial, fast=_FAST)


def _search(problem, router, deadline, seed, max_iterations, log, relaxed_start: bool = False) -> Plan:
    global _FAST
    visits = sum(len(s.patterns[0]) for s in problem.stops)
    _FAST = visits > FAST_VISITS_PER_SECOND * max(1e-9, deadline - time.perf_counter())
    rng = random.Random(seed)
    plan, misfits = construct(problem, router, rng)
    log(f"construction: {router.plan_distance(plan):.3f}, {len(misfits)} stops placed over the limits")
    multi = [s for s, st in enumerate(problem.stops) if not st.is_flexible and len(st.patterns) > 1]
    if problem.stops:
        plan = _optimise(problem, router, plan, multi, deadline, max_iterations, rng, log, relaxed_start)
    plan = _repair(problem, router, plan)
    _reinsert_unassigned(problem, router, plan)
    return plan


def _relaxed_patterns(problem, router, deadline, max_iterations, rng, log) -> Plan | None:
    """Initial patterns from PyVRP on the relaxation in which each visit of a multi-day stop picks its
    day on its own (see ``HorizonModel(relaxed=True)``), made consistent by ``project``."""
    model = HorizonModel(problem, router, None, relaxed=True)
    seconds = RELAXED_SHARE * (deadline - time.perf_counter())
    iters = None if max_iterations is None else max(1, int(max_iterations * RELAXED_SHARE))
    sol = run_ils(model, _Stop(seconds, iters), rng.randrange(2**31), None).best
    if not sol.is_feasible():
        return None
    plan = model.project(model.to_plan(sol))
    log(f"relaxed start: {sol.distance() / SCALE:.3f} relaxed, {router.plan_distance(plan):.3f} projected")
    return plan


def _optimise(problem, router, plan, multi, deadline, max_iterations, rng, log, relaxed_start=False) -> Plan:
    if multi and relaxed_start:
        relaxed = _relaxed_patterns(problem, router, deadline, max_iterations, rng, log)
        if relaxed is not None:
            model = HorizonModel(problem, router, relaxed)
            left = deadline - time.perf_counter()
            iters = None if max_iterations is None else max(1, int(max_iterations * FIRST_SHARE))
            best = run_ils(model, _Stop(left * FIRST_SHARE, iters), rng.randrange(2**31), relaxed).best
            if best.is_feasible() and router_feasible(router, model.to_plan(best)):
                log(f"first routing: {best.distance() / SCALE:.3f}")
                best = _pattern_search(model, best, multi, deadline, max_iterations, rng, log)
                return model.to_plan(best)
            log("relaxed start infeasible; starting from the construction")
    remaining = deadline - time.perf_counter()
    first_share = 1.0 if not multi else FIRST_SHARE
    iters = None if max_iterations is None else max(1, int(max_iterations * first_share))
    model = HorizonModel(problem, router, plan)
    # Everything required first: if PyVRP finds no feasible plan within half of the budget, not all
    # stops fit, and the rest of the time goes to the model with optional, prize-carrying visits.
    stop = _Stop(remaining * first_share, iters, give_up=0.5 * remaining)
    best = run_ils(model, stop, rng.randrange(2**31), plan).best
    optional = stop.gave_up or not best.is_feasible() or not router_feasible(router, model.to_plan(best))
    if optional:
        log("not every stop fits; switching to optional visits with priority prizes")
        model = HorizonModel(problem, router, plan, optional=True)
        left = deadline - time.perf_counter()
        best = run_ils(model, _Stop(left * first_share, iters), rng.randrange(2**31), plan).best
    log(f"first routing: {best.distance() / SCALE:.3f}")
    if multi:
        best = _pattern_search(model, best, multi, deadline, max_iterations, rng, log)
    return model.to_plan(best)


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


def _pattern_search(model: HorizonModel, best: Solution, multi, deadline, max_iterations, rng, log):
    """Alternate pattern improvement (each move re-optimised by PyVRP's local search) with short
    warm-started PyVRP runs; when a round brings no new best, restart from the best with a few random
    pattern changes."""
    ce = evaluator(model)
    search = PatternSearch(model, multi, rng)
    visits = sum(len(r) for r in model.to_plan(best).routes for r in r)
    round_seconds = max(ROUND_MIN, min(ROUND_MAX, ROUND_SECONDS * visits / ROUND_VISITS))
    cur, best_cost = best, ce.cost(best)
    rounds = 0
    while True:
        left = deadline - time.perf_counter()
        if (max_iterations is not None and rounds >= ROUNDS_DETERMINISTIC) or left < 0.2:
            break
        rounds += 1
        evals = None if max_iterations is None else PI_EVALS_DETERMINISTIC * len(multi)
        pi_seconds = max(0.2, min(PI_SHARE * left, PI_ROUNDS * round_seconds))
        t0 = time.perf_counter()
        plan0 = model.to_plan(cur)
        plan1, moved = cheap_descent(model.router, plan0, multi, rng, t0 + pi_seconds)
        if moved:
            model.set_plan(plan1)
            cur1 = model.to_solution(plan1)
            log(f"cheap: {moved} moves {ce.cost(cur)/SCALE:.3f} -> {ce.cost(cur1)/SCALE:.3f} "
                f"feasible {cur1.is_feasible()} {time.perf_counter()-t0:.2f}s")
            cur = cur1
        c0 = ce.cost(cur)
        cur = search.improve(cur, time.perf_counter() + pi_seconds, evals)
        log(f"  PI {c0/SCALE:.3f} -> {ce.cost(cur)/SCALE:.3f} evals {search.evaluations}")
        left = deadline - time.perf_counter()
        iters = None if max_iterations is None else max(1, int(max_iterations * 0.6) // ROUNDS_DETERMINISTIC)
        cur = run_ils(model, _Stop(min(left, round_seconds), iters), rng.randrange(2**31), cur).best
        cost = ce.cost(cur)
        if cost < best_cost:
            log(f"round {rounds}: {best_cost / SCALE:.3f} -> {cost / SCALE:.3f}")
            best, best_cost = cur, cost
        else:
            k = rng.randint(PERTURB_MIN, max(PERTURB_MIN, min(PERTURB_MAX, len(multi) // 5)))
            plan = perturb(model, best, multi, k, rng)
            model.set_plan(plan)
            ls, _ = make_search(model, rng.randrange(2**31))
            cur = ls(model.to_solution(plan), ce, exhaustive=True)
    log(f"pattern search: {rounds} rounds, {search.evaluations} pattern moves evaluated, "
        f"best {best_cost / SCALE:.3f}")
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
    workers: int | None = None,
) -> dict[str, Any]:
    """Public API: problem dict (contract JSON) -> solution dict (contract JSON)."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    if not math.isfinite(time_limit) or time_limit <= 0:
        raise ValueError("time_limit must be a positive number of seconds")
    return solve_problem(problem, time_limit, seed, max_iterations, quiet, workers)
