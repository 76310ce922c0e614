"""The whole horizon as ONE PyVRP problem, for a given choice of patterns for the multi-day stops.

* Every *visit* is a PyVRP client with its own location (copies share coordinates).  A flexible stop
  (visited once, on any one of its allowed days) is one visit allowed on all those days, so PyVRP
  chooses its day natively.  A multi-day stop contributes one visit per day of its current pattern,
  pinned to that day.
* When no visit is restricted, the horizon is a plain VRP with ``days x vehicles`` identical vehicles
  (one vehicle type); routes are dealt out to days afterwards.  Otherwise each day is a vehicle type
  with its own routing profile, in which edges touching visits not allowed that day cost ``FORBIDDEN``.
* PyVRP works in integers: distances are rounded at ``SCALE``; travel, service times and windows are
  rounded *conservatively* (durations up, deadlines down), so PyVRP-feasible routes stay feasible in
  double precision.  The reported distance is always recomputed in double precision.
* Neighbourhoods are our own: nearest visits (by true distance, plus PyVRP-style wait/time-warp terms
  with windows) that share at least one allowed day, so granular moves never target impossible days.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

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
NUM_NEIGHBOURS = 40


@dataclass
class Visit:
    stop: int
    days: frozenset[int]


class HorizonModel:
    """PyVRP data for one pattern choice, plus translation between :class:`Plan` and PyVRP solutions."""

    def __init__(self, problem: Problem, router: Router, plan: Plan, optional: bool = False):
        self.problem = problem
        self.router = router
        self.visits: list[Visit] = []
        all_days = frozenset(range(problem.days))
        for s, stop in enumerate(problem.stops):
            if stop.is_flexible:
                self.visits.append(Visit(s, frozenset(stop.allowed_days)))
            elif s in plan.pattern:
                self.visits.extend(Visit(s, frozenset([d])) for d in plan.pattern[s])
            # multi-day stops without a pattern (could not be placed) are left out of this model
        self.index = {(v.stop, d): i for i, v in enumerate(self.visits) for d in v.days}
        self.per_day = any(v.days != all_days for v in self.visits) and problem.days > 1
        self.optional = optional
        self.data = self._build()
        self.neighbours = self._neighbours()

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

    def _build(self) -> ProblemData:
        p = self.problem
        pts = np.array([0] + [v.stop + 1 for v in self.visits])
        dist = np.rint(self.router.dist[np.ix_(pts, pts)] * SCALE).astype(np.int64)
        dur = np.ceil(self.router.time[np.ix_(pts, pts)] * SCALE - 1e-6).astype(np.int64)
        np.fill_diagonal(dur, 0)
        coords = p.points
        locations = [Location(*coords[0])] + [Location(*coords[v.stop + 1]) for v in self.visits]
        demands, cap = self._int_demands()
        prizes = self._prizes()
        clients = []
        for i, v in enumerate(self.visits):
            stop = p.stops[v.stop]
            early, late = (0, np.iinfo(np.int64).max)
            if stop.window is not None:
                early = math.ceil(stop.window[0] * SCALE - 1e-6)
                late = math.floor(stop.window[1] * SCALE + 1e-6)
            clients.append(
                Client(
                    location=i + 1,
                    delivery=[demands[i]] if cap is not None else [],
                    service_duration=math.ceil(stop.service * SCALE - 1e-6),
                    tw_early=early,
                    tw_late=late,
                    prize=prizes[i] if self.optional else 0,
                    required=not self.optional,
                    name=stop.id,
                )
            )
        depot = Depot(location=0)
        vt_kwargs = {
            "capacity": [cap] if cap is not None else [],
            "tw_early": math.ceil(p.day_start * SCALE - 1e-6),
        }
        if p.max_route_duration is not None:
            vt_kwargs["shift_duration"] = math.floor(p.max_route_duration * SCALE + 1e-6)
        if not self.per_day:
            vtypes = [VehicleType(num_available=p.days * p.vehicles, **vt_kwargs)]
            return ProblemData(locations, clients, [depot], vtypes, [dist], [dur])
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

    def _neighbours(self) -> dict:
        n = len(self.visits)
        if n <= 1:
            return {Activity(ActivityType.CLIENT, i): [] for i in range(n)}
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
        np.fill_diagonal(prox, np.inf)
        k = min(NUM_NEIGHBOURS, n - 1)
        nearest = np.argsort(prox, axis=1, kind="stable")[:, :k]
        out = {}
        for i in range(n):
            row = [int(j) for j in nearest[i] if np.isfinite(prox[i, j])]
            out[Activity(ActivityType.CLIENT, i)] = [Activity(ActivityType.CLIENT, j) for j in row]
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
        next_slot = 0
        for day, day_routes in enumerate(plan.routes):
            for route in day_routes:
                if not route:
                    continue
                visits = [self.index[(s, day)] for s in route if (s, day) in self.index]
                if not visits:
                    continue
                vtype = day if self.per_day else 0
                routes.append(Route(self.data, visits, vtype))
                next_slot += 1
        return Solution(self.data, routes)

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


def run_ils(model: HorizonModel, stop, seed: int, initial: Plan | None = None):
    """PyVRP's iterated local search (as ``pyvrp.solve``) with our neighbourhood and warm start."""
    data = model.data
    rng = RandomNumberGenerator(seed=seed)
    ls = LocalSearch(data, rng, model.neighbours, PerturbationManager(PerturbationParams()))
    for op in OPERATORS:
        if op.supports(data):
            ls.add_operator(op(data))
    params = PenaltyParams()
    pm = PenaltyManager(params.midpoint_penalties(data), params)
    init = None
    if initial is not None:
        init = model.to_solution(initial)
    if init is None or len(init.routes()) == 0:
        init = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(data, pm, ls, init, IteratedLocalSearchParams())
    with warnings.catch_warnings():
        # PyVRP warns when its penalties saturate: expected when not every stop fits (we then switch to
        # optional visits), so it is not the user's concern
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return algo.run(stop, collect_stats=False, display=False)
