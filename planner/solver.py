"""Periodic route planner: pattern search around whole-horizon PyVRP routing.

1. Start: PyVRP on a relaxation (each visit of a multi-day stop picks its own day among the j-th days
   of its patterns), projected onto consistent patterns by exact removal / insertion cost.  Only if that
   cannot be made feasible (or without multi-day stops): stops in order (priority, frequency, distance
   from the depot) cheapest-inserted with their cheapest feasible pattern.
2. Routing: the whole horizon is one PyVRP problem (see :mod:`planner.pyvrp_model`); one-visit stops
   keep their full day choice inside PyVRP, multi-day stops are pinned to their current pattern.
3. Pattern search (for problems with multi-day stops, :mod:`planner.patterns`, :mod:`planner.tabu`):
   a tabu walk over the patterns first improves the projected start; then rounds of a cheap pattern
   descent (exact deltas, no PyVRP), the tabu walk (all pattern/day moves evaluated at once, penalised
   limits, windows kept by forward slack, PyVRP local search every few moves; its time adapts to its
   success) and a short warm-started PyVRP run; a
   round without a new best restarts from the start's best with a few random pattern changes, a stalled
   start is replaced by a fresh relaxed start.
4. Two workers (processes, different seeds, :mod:`planner.workers`) use both cores and exchange their
   best plans twice; the best plan wins.
6. Tuning: every share of the time budget and every threshold is a field of the frozen
   :class:`planner.tuning.SolverSettings` passed in; a search's state (its random generator, whether
   PyVRP runs with its "fast" settings) lives in its :class:`_Search`, so solves running at the same
   time in one process (planning threads of the web process) do not disturb each other.
5. Safety: whatever PyVRP returns is checked in double precision; routes that break a constraint lose
   their lowest-priority stops (all visits of a stop together) until feasible, and those stops are
   reported ``unassigned``.
"""

from __future__ import annotations

import math
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from pyvrp import Solution

from planner.metrics import distance_matrix, time_matrix
from planner.patterns import cheap_descent, evaluator, perturb
from planner.problem import Problem, parse_problem
from planner.pyvrp_model import SCALE, HorizonModel, make_search, run_ils
from planner.routes import Plan, Router, best_pattern, construct, empty_plan, insert_stop, remove_stop
from planner.tabu import PatternTabu
from planner.tuning import SolverSettings
from planner.workers import Share, default_workers, run_workers

SOLVER_NAME = "fieldcrm-periodic-pyvrp"


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


def _solve(problem: Problem, time_limit, seed, max_iterations, quiet, workers, settings) -> dict[str, Any]:
    """``workers`` independent searches (default: one per core, at most ``settings.max_workers``, and one
    for small or very short runs) run in parallel processes with different seeds; the best plan is kept."""
    settings = settings or SolverSettings()
    log = Progress(quiet)
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    deadline = log.start + time_limit
    if workers is None:
        workers = default_workers(problem, time_limit, settings)

    def search(worker_seed: int, share: Share | None, main: bool) -> Plan:
        run = _Search.start(problem, router, deadline, worker_seed, max_iterations, settings,
                            log if main else Progress(True), share)
        return run.solve()

    plans = run_workers(search, workers, seed, deadline, max_iterations)
    plan = min(plans, key=lambda p: _cost(router, p))
    if len(plans) > 1:
        log("workers: " + ", ".join(f"{_cost(router, p)[1]:.3f}" for p in plans))
    return _to_json(problem, router, plan, time_limit, seed, log)


@dataclass
class _Search:
    """One worker's search: the problem, its budget and tuning, and its own state (random generator,
    PyVRP's "fast" mode, the exchange with a peer worker)."""

    problem: Problem
    router: Router
    deadline: float
    max_iterations: int | None
    cfg: SolverSettings
    log: Progress
    rng: random.Random
    fast: bool  # PyVRP runs with its "fast" ILS settings: time is short for the size
    share: Share | None = None

    @classmethod
    def start(cls, problem, router, deadline, seed, max_iterations, cfg, log, share=None) -> _Search:
        visits = sum(len(s.patterns[0]) for s in problem.stops)
        fast = visits > cfg.fast_visits_per_second * max(1e-9, deadline - time.perf_counter())
        return cls(problem, router, deadline, max_iterations, cfg, log, random.Random(seed), fast, share)

    def unpack(self):
        return self.problem, self.router, self.deadline, self.max_iterations, self.rng, self.log, self.cfg

    def ils(self, model, stop, initial=None):
        """A PyVRP run on ``model`` (a fresh seed from this search's generator)."""
        return run_ils(model, stop, self.rng.randrange(2**31), initial, fast=self.fast)

    def solve(self) -> Plan:
        problem, router = self.problem, self.router
        multi = [s for s, st in enumerate(problem.stops) if not st.is_flexible and len(st.patterns) > 1]
        plan = empty_plan(problem)
        if problem.stops:
            plan = _optimise(self, multi)
        plan = _repair(problem, router, plan)
        _reinsert_unassigned(problem, router, plan)
        return plan


def _relaxed_patterns(run: _Search, seconds=None, model=None) -> Plan | None:
    """Initial patterns from PyVRP on the relaxation in which each visit of a multi-day stop picks its
    day on its own (see ``HorizonModel(relaxed=True)``), made consistent by ``project``."""
    problem, router, deadline, max_iterations, rng, log, cfg = run.unpack()
    model = model or HorizonModel(problem, router, None, relaxed=True)
    if seconds is None:
        seconds = cfg.relaxed_share * (deadline - time.perf_counter())
    iters = None if max_iterations is None else max(1, int(max_iterations * cfg.relaxed_share))
    sol = run.ils(model, _Stop(seconds, iters)).best
    if not sol.is_feasible():
        return None
    relaxed = model.to_plan(sol)
    plan = model.project(relaxed)
    # the projection is greedy in a stop order; a few other orders (randomised) often do better
    # (accepted only if no more over capacity / duration: PyVRP must still repair it in its first run)
    cost, excess = router.plan_distance(plan), _excess(router, plan)
    end = time.perf_counter() + cfg.project_share * seconds
    for _ in range(cfg.project_tries - 1):
        if max_iterations is None and time.perf_counter() > end:
            break
        other = model.project(relaxed, rng)
        other_cost, other_excess = router.plan_distance(other), _excess(router, other)
        if other_excess <= excess + 1e-9 and other_cost < cost:
            plan, cost, excess = other, other_cost, other_excess
    log(f"relaxed start: {sol.distance() / SCALE:.3f} relaxed, {cost:.3f} projected")
    return plan


def _excess(router: Router, plan: Plan) -> float:
    """Total load and duration excess of the routes (relative to the limits)."""
    out = 0.0
    for day in plan.routes:
        for route in day:
            load_excess, duration_excess = router.route_excess(route)
            out += load_excess / router.cap if router.cap else 0.0
            out += duration_excess / router.max_dur if router.max_dur else 0.0
    return out


def _optimise(run: _Search, multi) -> Plan:
    problem, router, deadline, max_iterations, rng, log, cfg = run.unpack()
    if multi:
        relaxed = _relaxed_patterns(run)
        if relaxed is not None:
            model = HorizonModel(problem, router, relaxed)
            left = deadline - time.perf_counter()
            iters = None if max_iterations is None else max(1, int(max_iterations * cfg.first_share))
            start = _walk_patterns(run, model, model.to_solution(relaxed), left * cfg.pre_tabu_share)
            best = run.ils(model, _Stop(left * cfg.first_share, iters), start).best
            if not (best.is_feasible() and router_feasible(router, model.to_plan(best))):
                best = _walk_patterns(run, model, best, left * cfg.repair_share)
            if best.is_feasible() and router_feasible(router, model.to_plan(best)):
                log(f"first routing: {best.distance() / SCALE:.3f}")
                restart = _Restarter(run, model)
                best = _pattern_search(run, model, best, multi, restart)
                return model.to_plan(best)
            log("relaxed start infeasible; starting from the construction")
    plan, misfits = construct(problem, router, rng)
    log(f"construction: {router.plan_distance(plan):.3f}, {len(misfits)} stops placed over the limits")
    remaining = deadline - time.perf_counter()
    first_share = 1.0 if not multi else cfg.first_share
    iters = None if max_iterations is None else max(1, int(max_iterations * first_share))
    model = HorizonModel(problem, router, plan)
    # Everything required first: if PyVRP finds no feasible plan within half of the budget, not all
    # stops fit, and the rest of the time goes to the model with optional, prize-carrying visits.
    stop = _Stop(remaining * first_share, iters, give_up=0.5 * remaining)
    best = run.ils(model, stop, plan).best
    optional = stop.gave_up or not best.is_feasible() or not router_feasible(router, model.to_plan(best))
    if optional:
        log("not every stop fits; switching to optional visits with priority prizes")
        model = HorizonModel(problem, router, plan, optional=True)
        left = deadline - time.perf_counter()
        best = run.ils(model, _Stop(left * first_share, iters), plan).best
    log(f"first routing: {best.distance() / SCALE:.3f}")
    if multi:
        best = _pattern_search(run, model, best, multi)
    return model.to_plan(best)


def _onto_patterns(model, plan: Plan) -> Plan:
    """Stops whose visits are not on one of their patterns: taken out and cheapest-inserted (limits
    ignored) with their cheapest pattern."""
    plan = plan.copy()
    relaxed = model.router.relaxed()
    stops = model.problem.stops
    for s in model.copies:
        if plan.pattern.get(s) not in stops[s].patterns:
            remove_stop(plan, s)  # (its pattern holds the days it is on, as HorizonModel.to_plan sets it)
            choice = best_pattern(relaxed, plan, s)
            assert choice is not None  # the limits are ignored: some pattern always fits
            insert_stop(plan, s, choice[1], choice[2])
    return plan


def _visits(plan: Plan) -> int:
    return sum(len(route) for day in plan.routes for route in day)


def _polish_every(cfg: SolverSettings, visits: int) -> int:
    return cfg.tabu_polish_small if visits <= cfg.big_visits else cfg.tabu_polish_big


def _walk_patterns(run: _Search, model, sol: Solution, seconds) -> Solution:
    """A short tabu walk over the patterns of ``sol``: on the projected start
    before the first PyVRP run (the projection loses 5-12 % on p10/p12, which the walk wins back
    quickly), and to repair a first run that is still over capacity / duration (tight pr instances)
    instead of starting again from the construction.  Returns ``sol`` if the walk finds nothing
    feasible and shorter."""
    max_iterations, rng, log, cfg = run.max_iterations, run.rng, run.log, run.cfg
    moves = None if max_iterations is None else cfg.tabu_moves_deterministic
    every = _polish_every(run.cfg, _visits(model.to_plan(sol)))
    tabu = PatternTabu(model.router, rng)
    out = _tabu_round(model, tabu, sol, evaluator(model), time.perf_counter() + seconds, moves, every, rng)
    if out is not sol:
        log(f"tabu walk on the patterns: {out.distance() / SCALE:.3f}")
    return out


class _Restarter:
    """A fresh start for a stalled pattern search: a new relaxed solution (other seed), projected and
    routed; `restart(route_seconds)` returns a feasible solution of ``model`` or None. ``seconds``: what
    the relaxed run of one restart costs."""

    def __init__(self, run: _Search, model: HorizonModel):
        self.run, self.model = run, model
        self.seconds = run.cfg.restart_share * (run.deadline - time.perf_counter())
        self._relaxed: HorizonModel | None = None

    def __call__(self, route_seconds: float) -> Solution | None:
        run = self.run
        if self._relaxed is None:
            self._relaxed = HorizonModel(run.problem, run.router, None, relaxed=True)
        plan = _relaxed_patterns(run, self.seconds, self._relaxed)
        if plan is None:
            return None
        iters = None if run.max_iterations is None else max(
            1, int(run.max_iterations * 0.6) // run.cfg.rounds_deterministic)
        sol = run.ils(self.model, _Stop(route_seconds, iters), plan).best
        return sol if sol.is_feasible() else None


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


def _pattern_search(run: _Search, model: HorizonModel, best: Solution, multi, restart: _Restarter | None = None):
    """Rounds of (a) cheap pattern descent (exact deltas, no PyVRP), (b) a tabu walk over the patterns
    (:class:`planner.tabu.PatternTabu`), (c) a short warm-started PyVRP run.  The time of (b) follows
    its success: (b) and (c) are given time in proportion to their recent gain per second.  When a
    round brings no new best, restart from the best with a few random pattern changes.  With a peer
    worker, best plans are exchanged at ``share_at`` of the time (or round count) and the better one kept.
    After ``stall_rounds`` rounds without a new best, ``restart`` (if given and time allows) gives a fresh
    start from another relaxed solution; the perturbations then work around that start's best."""
    _problem, _router, deadline, max_iterations, rng, log, cfg = run.unpack()
    share = run.share
    ce = evaluator(model)
    router = model.router
    visits = _visits(model.to_plan(best))
    tabu = PatternTabu(router, rng)
    polish_every = _polish_every(cfg, visits)
    round_seconds = max(cfg.round_min, min(cfg.round_max, cfg.round_seconds * visits / cfg.round_visits))
    cur, best_cost = best, ce.cost(best)
    rounds = 0
    start_left = deadline - time.perf_counter()
    shares = list(cfg.share_at) if share is not None else []
    offered = False
    pi_rate = ils_rate = None  # smoothed gain per second of the pattern step (tabu walk) / PyVRP rounds
    # on big instances routing is the bottleneck: the pattern step starts small and grows only if it pays
    pi_factor = cfg.pi_rounds if visits <= cfg.big_visits else cfg.pi_min_rounds
    base, base_cost = best, best_cost  # best of the current start (perturbations restart from it)
    stall = 0
    while True:
        left = deadline - time.perf_counter()
        if (max_iterations is not None and rounds >= cfg.rounds_deterministic) or left < 0.2:
            break
        if share is not None and shares and (
            rounds >= shares[0] * cfg.rounds_deterministic
            if max_iterations is not None
            else left <= (1 - shares[0]) * start_left
        ):
            shares.pop(0)
            share.offer(model.to_plan(best), best_cost / SCALE)
            offered = True
        if offered and share is not None:
            got = share.take(left if max_iterations is not None else 0.0)
            if max_iterations is not None:
                offered = False
            if got is not None and got[0] < best_cost / SCALE - 1e-6:
                model.set_plan(got[1])
                sol = model.to_solution(got[1])
                if sol.is_feasible() and ce.cost(sol) < best_cost:
                    log(f"adopted the peer's plan: {best_cost / SCALE:.3f} -> {ce.cost(sol) / SCALE:.3f}")
                    best, best_cost, cur = sol, ce.cost(sol), sol
                    base, base_cost, stall = best, best_cost, 0
                else:
                    model.set_plan(model.to_plan(cur))
        rounds += 1
        t0 = time.perf_counter()
        cheap_end = t0 + cfg.cheap_rounds * round_seconds if max_iterations is None else deadline
        plan, moved = model.to_plan(cur), 0
        if model.valid(plan):  # (not from a penalised solution holding a visit on a wrong day)
            plan, moved = cheap_descent(
                router,
                plan,
                multi,
                rng,
                cheap_end,
                max_passes=None if max_iterations is None else cfg.cheap_passes_deterministic,
            )
        if moved:
            model.set_plan(plan)
            cur = model.to_solution(plan)
        c0, t0 = ce.cost(cur), time.perf_counter()
        factor = max(pi_factor, cfg.tabu_min_rounds) if visits <= cfg.big_visits else pi_factor
        pi_seconds = max(0.2, min(cfg.pi_share * left, factor * round_seconds))
        pi_deadline = t0 + pi_seconds if max_iterations is None else deadline
        moves = None if max_iterations is None else cfg.tabu_moves_deterministic
        cur = _tabu_round(model, tabu, cur, ce, pi_deadline, moves, polish_every, rng)
        c1, t1 = ce.cost(cur), time.perf_counter()
        left = deadline - t1
        iters = None if max_iterations is None else max(1, int(max_iterations * 0.6) // cfg.rounds_deterministic)
        cur = run.ils(model, _Stop(min(left, round_seconds), iters), cur).best
        cost, t2 = ce.cost(cur), time.perf_counter()
        if max_iterations is None:  # time of the next pattern improvement: by relative gain per second
            pi_rate = _smooth(pi_rate, max(0, c0 - c1) / max(1e-3, t1 - t0))
            ils_rate = _smooth(ils_rate, max(0, c1 - cost) / max(1e-3, t2 - t1))
            ratio = pi_rate / max(1e-9, ils_rate) if ils_rate > 0 else (1.0 if pi_rate > 0 else 0.5)
            pi_factor = max(cfg.pi_min_rounds, min(cfg.pi_max_rounds, ratio))
        if cost < base_cost and model.valid(model.to_plan(cur)):
            base, base_cost, stall = cur, cost, 0
            if cost < best_cost:
                log(
                    f"round {rounds}: {best_cost / SCALE:.3f} -> {cost / SCALE:.3f} "
                    f"(cheap {moved}, PI {(c0 - c1) / SCALE:.1f} in {t1 - t0:.1f}s, ILS {(c1 - cost) / SCALE:.1f})"
                )
                best, best_cost = cur, cost
            continue
        stall += 1
        left = deadline - time.perf_counter()
        room = cfg.restart_room * (restart.seconds + round_seconds) if restart is not None else math.inf
        if restart is not None and stall >= cfg.stall_rounds and left > room:
            fresh = restart(round_seconds)
            if fresh is not None:
                cur, base, base_cost, stall = fresh, fresh, ce.cost(fresh), 0
                log(f"round {rounds}: restart at {base_cost / SCALE:.3f} (best {best_cost / SCALE:.3f})")
                if base_cost < best_cost:
                    best, best_cost = base, base_cost
                continue
            model.set_plan(model.to_plan(base))
        k = rng.randint(cfg.perturb_min, max(cfg.perturb_min, min(cfg.perturb_max, len(multi) // 5)))
        plan = perturb(model, base, multi, k, rng)
        model.set_plan(plan)
        ls, _ = make_search(model, rng.randrange(2**31))
        cur = ls(model.to_solution(plan), ce, exhaustive=True)
    log(f"pattern search: {rounds} rounds, {tabu.iterations} tabu moves, best {best_cost / SCALE:.3f}")
    return best


def _tabu_round(model, tabu: PatternTabu, cur: Solution, ce, deadline, max_moves, polish_every, rng) -> Solution:
    """A tabu walk over the patterns from ``cur``, routes re-optimised by PyVRP's local search every
    ``polish_every`` moves; returns the best feasible plan found if it is cheaper than ``cur``."""
    plan = model.to_plan(cur)
    if not model.valid(plan):  # a penalised PyVRP solution may hold a visit on a wrong day
        plan = _onto_patterns(model, plan)
    start_active = model.active.copy()

    def polish(p: Plan) -> Plan:
        model.set_plan(p, neighbours=False)
        ls, _ = make_search(model, rng.randrange(2**31))
        out = model.to_plan(ls(model.to_solution(p), ce, exhaustive=True))
        return out if model.valid(out) else p

    found = tabu.run(plan, deadline, max_moves, polish, polish_every)
    if found is not None:
        model.set_plan(found)
        sol = model.to_solution(found)
        if sol.is_feasible() and ce.cost(sol) < ce.cost(cur):
            return sol
    model.set_active(start_active)
    return cur


def _smooth(old: float | None, new: float) -> float:
    return new if old is None else 0.5 * old + 0.5 * new


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
    settings: SolverSettings | None = None,
) -> dict[str, Any]:
    """Public API: problem (contract JSON, or parsed) -> solution dict (contract JSON).

    ``max_iterations`` makes every phase stop on counts (deterministic); ``workers``: parallel searches
    (default: by cores and size); ``settings``: the solver's tuning (default ``SolverSettings()``)."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    if not math.isfinite(time_limit) or time_limit <= 0:
        raise ValueError("time_limit must be a positive number of seconds")
    return _solve(problem, time_limit, seed, max_iterations, quiet, workers, settings)
