"""The whole horizon as ONE PyVRP problem, for a given choice of patterns for the multi-day stops.

* Every *visit* is a PyVRP client (copies of a stop share its coordinates).  A flexible stop
  (visited once, on any one of its allowed days) is one visit allowed on all those days, so PyVRP
  chooses its day natively.  A multi-day stop contributes one visit per day of its current pattern,
  pinned to that day.
* When no visit is restricted, the horizon is a plain VRP with ``days x vehicles`` identical vehicles
  (one vehicle type); routes are dealt out to days afterwards.  Otherwise each day is a vehicle type.
  Without time windows (and with contiguous allowed days) the days are *bands* of one long time axis
  (vehicle and visit time windows), and all copies of a stop share its location: one small matrix.
  Otherwise each day has its own routing profile, in which edges touching visits not allowed that day
  cost ``FORBIDDEN`` and every visit has its own location.
* PyVRP works in integers: distances are rounded at ``SCALE``; travel, service times and windows are
  rounded *conservatively* (durations up, deadlines down), so PyVRP-feasible routes stay feasible in
  double precision.  The reported distance is always recomputed in double precision.
* Neighbourhoods are our own: nearest visits (by true distance, plus PyVRP-style wait/time-warp terms
  with windows) that share at least one allowed day, so granular moves never target impossible days.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    Client,
    Depot,
    Location,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Route,
    Solution,
    VehicleType,
)
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.IteratedLocalSearch import IteratedLocalSearch, IteratedLocalSearchParams
from pyvrp.search import OPERATORS, LocalSearch, PerturbationManager, PerturbationParams

from planner.problem import Problem
from planner.routes import Plan, Router

SCALE = 1000
FORBIDDEN = 10**9
NUM_NEIGHBOURS = 30
# PyVRP's ILS defaults (up to 25 perturbations, late-acceptance history 300) suit runs that are long for
# the problem's size; when time is short for the size ("fast"), smaller perturbations and a shorter
# history converge faster on the whole horizon of the largest instances (pr10 at 20 s), but already at 20-30
# visits a second the defaults win (pr03-pr09 at 20 s; a 160-visit day in 5 s: 2284 vs 2349; the
# 170-store realistic week at 5 s: 859 vs 878 km over three weeks). See tuning.SolverSettings.fast_visits_per_second.
MAX_PERTURBATIONS, HISTORY_LENGTH = 25, 300
FAST_MAX_PERTURBATIONS, FAST_HISTORY_LENGTH = 10, 100


def _disjoint(sets) -> bool:
    return sum(len(x) for x in sets) == len(frozenset().union(*sets))


@dataclass
class Visit:
    stop: int
    days: frozenset[int]


class HorizonModel:
    """PyVRP data for the whole horizon, plus translation between :class:`Plan` and PyVRP solutions.

    A multi-day stop has one visit (PyVRP client) per day it may ever be visited on; the copies of the
    days of its current pattern are *active* (required, or prize-carrying when visits are optional),
    the others inactive (optional, no prize: PyVRP never inserts them).  Changing patterns therefore only
    swaps client flags (:meth:`set_plan`), never the locations, matrices or neighbourhood candidates.
    """

    def __init__(
        self, problem: Problem, router: Router, plan: Plan | None, optional: bool = False, relaxed: bool = False
    ):
        self.problem = problem
        self.router = router
        self.visits: list[Visit] = []
        all_days = frozenset(range(problem.days))
        self.copies: dict[int, list[int]] = {}  # multi-day stop -> its visits (one per allowed day)
        self.relaxed = relaxed
        for s, stop in enumerate(problem.stops):
            if stop.is_flexible:
                self.visits.append(Visit(s, frozenset(stop.allowed_days)))
            elif relaxed:
                # relaxation: the j-th visit of a stop may take the j-th day of any of its patterns (of
                # the first pattern's frequency); consistency is restored by :func:`project`
                f = len(stop.patterns[0])
                same = [p for p in stop.patterns if len(p) == f]
                for j in range(f):
                    self.visits.append(Visit(s, frozenset(p[j] for p in same)))
                self.copies[s] = list(range(len(self.visits) - f, len(self.visits)))
            else:
                self.copies[s] = []
                for d in stop.allowed_days:
                    self.copies[s].append(len(self.visits))
                    self.visits.append(Visit(s, frozenset([d])))
        self.index = {(v.stop, d): i for i, v in enumerate(self.visits) for d in v.days}
        self.per_day = any(v.days != all_days for v in self.visits) and problem.days > 1
        # Without windows, days can be bands of one long time axis instead of routing profiles: visit
        # copies then share their stop's location, so there is one small matrix instead of one matrix of
        # all copies per day (pr10: 289² instead of 6 x 1369² entries; a pattern change's
        # ProblemData.replace drops from 0.34 s to milliseconds).
        # (the relaxation too, when the copies of each stop have disjoint day sets, so that they can
        # never share a route)
        self.banded = (
            self.per_day and not router.has_windows
            and all(max(v.days) - min(v.days) + 1 == len(v.days) for v in self.visits)
            and (not relaxed or all(_disjoint([self.visits[i].days for i in idx]) for idx in self.copies.values()))
        )
        self.optional = optional
        self.active = np.ones(len(self.visits), dtype=bool)
        self._activities = [Activity(ActivityType.CLIENT, i) for i in range(len(self.visits))]
        self._neighbours_of: np.ndarray | None = None
        self.data = self._build()
        self._clients = self._client_variants()
        self._candidates = self._neighbour_candidates()
        if relaxed or plan is None:
            self.set_active(np.ones(len(self.visits), dtype=bool))
        else:
            self.set_plan(plan)

    def set_plan(self, plan: Plan, neighbours: bool = True) -> None:
        """Activate exactly the copies of each multi-day stop's pattern in ``plan``."""
        active = np.ones(len(self.visits), dtype=bool)
        for s, idx in self.copies.items():
            days = set(plan.pattern.get(s, ()))
            for i in idx:
                active[i] = next(iter(self.visits[i].days)) in days
        self.set_active(active, neighbours)

    def project(self, plan: Plan, rng=None) -> Plan:
        """A relaxed plan made consistent: each multi-day stop takes the pattern sharing most days with
        the days it is visited on (avoiding days whose total demand would exceed the day's fleet
        capacity); surplus visits are removed and missing ones cheapest-inserted."""
        router = self.router.relaxed()
        p = self.problem
        plan = plan.copy()
        load = [sum(p.stops[s].demand for r in plan.routes[d] for s in r) for d in range(p.days)]
        day_cap = math.inf if p.capacity is None else p.capacity * p.vehicles
        multi = [s for s, stop in enumerate(p.stops) if not stop.is_flexible]
        noise = {s: (rng.random() if rng is not None else 0.0) for s in multi}
        multi.sort(key=lambda s: (-p.stops[s].demand * len(p.stops[s].patterns[0]), noise[s]))
        if rng is not None:  # another order: random, heavy-and-frequent first only on average
            multi.sort(key=lambda s: -p.stops[s].demand * len(p.stops[s].patterns[0]) * (0.5 + noise[s]))
        for s in multi:
            stop = p.stops[s]
            days = [d for d in range(p.days) for r in plan.routes[d] if s in r]
            for d in set(days):  # at most one visit a day
                while sum(r.count(s) for r in plan.routes[d]) > 1:
                    route = max((r for r in plan.routes[d] if s in r), key=lambda r: router.removal_gain(r, s))
                    route.remove(s)
                    load[d] -= stop.demand
            have = set(days)
            gain = {}
            for d in have:
                for route in plan.routes[d]:
                    if s in route:
                        gain[d] = router.removal_gain(route, s)
            ins_cache: dict = {}

            def score(pattern, have=have, stop=stop, gain=gain, ins_cache=ins_cache, s=s):
                # fewest days over the fleet capacity, then the cheapest exact change of the routes
                over = sum(load[d] + stop.demand > day_cap + 1e-9 for d in pattern if d not in have)
                delta = -sum(g for d, g in gain.items() if d not in pattern)
                for d in pattern:
                    if d not in have:
                        if d not in ins_cache:
                            ins_cache[d] = router.best_day_insertion(plan, d, s)
                        delta += ins_cache[d][0]
                return (over, delta)

            pattern = min(stop.patterns, key=score)
            for d in have - set(pattern):
                for route in plan.routes[d]:
                    if s in route:
                        route.remove(s)
                load[d] -= stop.demand
            for d in pattern:
                if d not in have:
                    ins = ins_cache[d]
                    plan.routes[d][ins[1]].insert(ins[2], s)
                    load[d] += stop.demand
            plan.pattern[s] = pattern
        return plan

    def set_active(self, active: np.ndarray, neighbours: bool = True) -> None:
        """Swap the client flags; ``neighbours=False`` keeps the neighbour lists (faster, for short
        evaluations: lists may then name inactive visits, which PyVRP simply skips)."""
        changed = not np.array_equal(active, self.active)
        self.active = active
        if changed or not hasattr(self, "neighbours"):
            clients = [self._clients[i][int(a)] for i, a in enumerate(active)]
            self.data = self.data.replace(clients=clients)
        if neighbours and (self._neighbours_of is None or not np.array_equal(self._neighbours_of, active)):
            self.neighbours = self._neighbours()
            self._neighbours_of = active

    # --- building -----------------------------------------------------------------------------------
    def _int_demands(self) -> tuple[list[int], int | None]:
        p = self.problem
        demands = [p.stops[v.stop].demand for v in self.visits]
        values = demands + ([p.capacity] if p.capacity is not None else [])
        factor = 1 if all(float(x).is_integer() for x in values) else SCALE
        cap = None if p.capacity is None else math.floor(p.capacity * factor + 1e-9)
        return [math.ceil(d * factor - 1e-9) for d in demands], cap

    def _prizes(self) -> list[int]:
        """Large prizes (visit everything that fits), growing with priority (drop low priority first)."""
        p = self.problem
        base = int(4 * float(self.router.dist[0].max()) * SCALE) + 10 * SCALE
        levels = sorted({s.priority for s in p.stops})
        rank = {v: k for k, v in enumerate(levels)}
        return [base * (1 + rank[p.stops[v.stop].priority]) for v in self.visits]

    def _client_variants(self) -> list[tuple[Client, Client]]:
        """(inactive, active) client of every visit."""
        p = self.problem
        demands, cap = self._int_demands()
        prizes = self._prizes()
        out = []
        for i, v in enumerate(self.visits):
            stop = p.stops[v.stop]
            early, late = (0, np.iinfo(np.int64).max)
            if stop.window is not None:
                early = math.ceil(stop.window[0] * SCALE - 1e-6)
                late = math.floor(stop.window[1] * SCALE + 1e-6)
            if self.banded:
                band = self._band
                early = min(v.days) * band
                late = (max(v.days) + 1) * band - 1
            kwargs: dict[str, Any] = {
                "location": v.stop + 1 if self.banded else i + 1,
                "delivery": [demands[i]] if cap is not None else [],
                "service_duration": math.ceil(stop.service * SCALE - 1e-6),
                "tw_early": early,
                "tw_late": late,
                "name": stop.id,
            }
            on = Client(prize=prizes[i] if self.optional else 0, required=not self.optional, **kwargs)
            off = Client(prize=0, required=False, **kwargs)
            out.append((off, on))
        return out

    @functools.cached_property
    def _band(self) -> int:
        """Length of one day on the banded time axis: far more than any route can take."""
        p, r = self.problem, self.router
        bound = sum(s.service for s in p.stops) + 2.0 * len(p.stops) * float(r.time.max()) + p.day_start + 1.0
        if p.max_route_duration is not None:
            bound = min(bound, p.max_route_duration + p.day_start + 1.0)
        return int(math.ceil(bound * SCALE)) * 100

    def _build_banded(self) -> ProblemData:
        p = self.problem
        dist = np.rint(self.router.dist * SCALE).astype(np.int64)
        dur = np.ceil(self.router.time * SCALE - 1e-6).astype(np.int64)
        np.fill_diagonal(dur, 0)
        locations = [Location(*xy) for xy in p.points]
        clients = [c[1] for c in self._client_variants()]
        _, cap = self._int_demands()
        band = self._band
        vtypes = []
        for day in range(p.days):
            # a shift far shorter than a band: waiting for a later day's band is a huge duration excess
            # (time warp), so a visit never sits on a day it is not allowed on in a feasible solution
            shift = band // 4 if p.max_route_duration is None else math.floor(p.max_route_duration * SCALE + 1e-6)
            kwargs: dict[str, Any] = {"capacity": [cap] if cap is not None else [], "shift_duration": shift}
            vtypes.append(
                VehicleType(
                    num_available=p.vehicles,
                    tw_early=day * band + math.ceil(p.day_start * SCALE - 1e-6),
                    tw_late=(day + 1) * band - 1,
                    name=f"day{day}",
                    **kwargs,
                )
            )
        # pyvrp's stub spells the matrices' shape as int
        return ProblemData(locations, clients, [Depot(location=0)], vtypes, [dist], [dur])  # type: ignore[list-item]

    def _build(self) -> ProblemData:
        p = self.problem
        if self.banded:
            return self._build_banded()
        pts = np.array([0] + [v.stop + 1 for v in self.visits])
        dist = np.rint(self.router.dist[np.ix_(pts, pts)] * SCALE).astype(np.int64)
        dur = np.ceil(self.router.time[np.ix_(pts, pts)] * SCALE - 1e-6).astype(np.int64)
        np.fill_diagonal(dur, 0)
        coords = p.points
        locations = [Location(*coords[0])] + [Location(*coords[v.stop + 1]) for v in self.visits]
        clients = [c[1] for c in self._client_variants()]
        depot = Depot(location=0)
        _, cap = self._int_demands()
        vt_kwargs: dict[str, Any] = {
            "capacity": [cap] if cap is not None else [],
            "tw_early": math.ceil(p.day_start * SCALE - 1e-6),
        }
        if p.max_route_duration is not None:
            vt_kwargs["shift_duration"] = math.floor(p.max_route_duration * SCALE + 1e-6)
        if not self.per_day:
            vtypes = [VehicleType(num_available=p.days * p.vehicles, **vt_kwargs)]
            return ProblemData(locations, clients, [depot], vtypes, [dist], [dur])
        if self.relaxed:  # copies of one stop never follow each other
            for idx in self.copies.values():
                loc = np.array(idx) + 1
                dist[np.ix_(loc, loc)] = FORBIDDEN
        vtypes, dists, durs = [], [], []
        for day in range(p.days):
            banned = np.array([0] + [0 if day in v.days else 1 for v in self.visits], dtype=bool)
            d = dist.copy()
            d[banned, :] = FORBIDDEN
            d[:, banned] = FORBIDDEN
            np.fill_diagonal(d, 0)
            vtypes.append(VehicleType(num_available=p.vehicles, profile=day, name=f"day{day}", **vt_kwargs))
            dists.append(d)
            durs.append(dur)
        return ProblemData(locations, clients, [depot], vtypes, dists, durs)

    def _neighbour_candidates(self) -> list[list[int]]:
        """Per visit, the nearest visits sharing a day (active or not), nearest first."""
        n = len(self.visits)
        if n <= 1:
            return [[] for _ in range(n)]
        pts = np.array([v.stop + 1 for v in self.visits])
        prox = self.router.dist[np.ix_(pts, pts)].copy()
        if self.router.has_windows:
            prox = prox + self._window_proximity(pts)
        prox = np.minimum(prox, prox.T)  # symmetric proximity, as PyVRP's default
        day_mask = np.zeros((n, self.problem.days), dtype=bool)
        for i, v in enumerate(self.visits):
            day_mask[i, list(v.days)] = True
        share = (day_mask.astype(np.int32) @ day_mask.T.astype(np.int32)) > 0
        prox[~share] = np.inf
        for idx in self.copies.values():  # copies of one stop are never on the same route
            prox[np.ix_(idx, idx)] = np.inf
        np.fill_diagonal(prox, np.inf)
        k = min(n - 1, 2 * NUM_NEIGHBOURS if self.copies else NUM_NEIGHBOURS)
        nearest = np.argpartition(prox, k - 1, axis=1)[:, :k]
        out = []
        for i in range(n):
            row = nearest[i]
            row = row[np.argsort(prox[i, row], kind="stable")]
            out.append([int(j) for j in row if np.isfinite(prox[i, j])])
        return out

    def _neighbours(self) -> dict:
        acts, active = self._activities, self.active
        out = {}
        for i, cand in enumerate(self._candidates):
            out[acts[i]] = [acts[j] for j in cand if active[j]][:NUM_NEIGHBOURS]
        return out

    def _window_proximity(self, pts: np.ndarray) -> np.ndarray:
        stops = self.problem.stops
        early = np.array([stops[p - 1].window[0] if stops[p - 1].window else 0.0 for p in pts])
        late = np.array([stops[p - 1].window[1] if stops[p - 1].window else 1e7 for p in pts])
        serv = self.router.service[pts]
        t = self.router.time[np.ix_(pts, pts)]
        wait = np.maximum(early[None, :] - t - serv[:, None] - late[:, None], 0)
        warp = np.maximum(early[:, None] + serv[:, None] + t - late[None, :], 0)
        return 0.2 * wait + 1.0 * warp

    # --- translation --------------------------------------------------------------------------------
    def to_solution(self, plan: Plan) -> Solution:
        routes = []
        seen: set[int] = set()
        next_slot = 0
        for day, day_routes in enumerate(plan.routes):
            for route in day_routes:
                if not route:
                    continue
                visits = [self.index[(s, day)] for s in route if (s, day) in self.index]
                visits = [i for i in visits if i not in seen and not seen.add(i)]  # type: ignore[func-returns-value]  # never a visit twice
                if not visits:
                    continue
                vtype = day if self.per_day else 0
                routes.append(Route(self.data, visits, vtype))
                next_slot += 1
        return Solution(self.data, routes)

    def valid(self, plan: Plan) -> bool:
        """Every multi-day stop on the days of one of its patterns (a penalised, infeasible PyVRP solution
        may hold a copy on a day it is not allowed on; in the banded model that is a time warp)."""
        stops = self.problem.stops
        return all(plan.pattern.get(s) in stops[s].patterns for s in self.copies)

    def to_plan(self, solution: Solution) -> Plan:
        """Routes back to days (identical vehicles are dealt out ``vehicles`` per day)."""
        p = self.problem
        plan = Plan([[[] for _ in range(p.vehicles)] for _ in range(p.days)])
        fill = [0] * p.days
        slot = 0
        for route in solution.routes():
            stops = [self.visits[a.idx].stop for a in route if a.type == ActivityType.CLIENT]
            if not stops:
                continue
            if self.per_day:
                day = route.vehicle_type()
            else:
                day, slot = slot // p.vehicles, slot + 1
            plan.routes[day][fill[day]] = stops
            fill[day] += 1
            for s in stops:
                if p.stops[s].is_flexible:
                    plan.pattern[s] = (day,)
        for s, stop in enumerate(p.stops):
            if not stop.is_flexible:
                days = tuple(sorted(d for d in range(p.days) for r in plan.routes[d] if s in r))
                if days:
                    plan.pattern[s] = days
        return plan


def make_search(
    model: HorizonModel, seed: int, fast: bool = False
) -> tuple[LocalSearch, RandomNumberGenerator]:
    """PyVRP's local search with all applicable operators and our neighbourhood, on ``model.data``."""
    data = model.data
    rng = RandomNumberGenerator(seed=seed)
    perturbation = PerturbationManager(
        PerturbationParams(1, FAST_MAX_PERTURBATIONS if fast else MAX_PERTURBATIONS)
    )
    ls = LocalSearch(data, rng, model.neighbours, perturbation)
    for op in OPERATORS:
        if op.supports(data):
            ls.add_operator(op(data))
    return ls, rng


def run_ils(model: HorizonModel, stop, seed: int, initial: Plan | Solution | None = None, fast: bool = False):
    """PyVRP's iterated local search (as ``pyvrp.solve``) with our neighbourhood and warm start.

    ``initial`` may be a :class:`Plan` (its patterns are activated first) or a PyVRP solution of
    ``model.data``."""
    if isinstance(initial, Plan):
        model.set_plan(initial)
        initial = model.to_solution(initial)
    data = model.data
    ls, rng = make_search(model, seed, fast)
    params = PenaltyParams()
    pm = PenaltyManager(params.midpoint_penalties(data), params)
    init = initial
    if init is None or len(init.routes()) == 0:
        init = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(
        data, pm, ls, init, IteratedLocalSearchParams(history_length=FAST_HISTORY_LENGTH if fast else HISTORY_LENGTH)
    )
    with warnings.catch_warnings():
        # PyVRP warns when its penalties saturate: expected when not every stop fits (we then switch to
        # optional visits), so it is not the user's concern
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return algo.run(stop, collect_stats=False, display=False)
