"""Tabu search over the stops' patterns (Cordeau, Gendreau & Laporte 1997), evaluated with numpy.

One move gives one stop another of its patterns: it leaves the days it no longer uses and is inserted at
the cheapest position of the new days.  Every iteration evaluates *all* such moves at once -- the
cheapest insertion of every stop on every day is one array operation over that day's edges -- with
capacity and duration excess penalised (the penalties adapt, so the walk crosses infeasible plans), and
applies the best move that is not tabu (or that gives a new best feasible plan).  A stop that left a
pattern may not take it back for a random tenure.  Insertion-only routes degrade, so every
``polish_every`` moves the routes are re-optimised by PyVRP's local search (the caller's ``polish``).
With time windows an insertion that would break a window (of the stop, or of a later stop in the route:
forward time slack) is not a move; taking a stop out never breaks one.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

import numpy as np

from planner.routes import Plan, Router

EPS = 1e-9


class PatternTabu:
    def __init__(self, router: Router, rng: random.Random):
        self.router = router
        self.problem = router.problem
        self.rng = rng
        p = self.problem
        self.n = len(p.stops)
        self.dist = router.dist
        self.time = router.time
        self.demand = router.demand  # index 0 = depot
        self.service = router.service
        self.cap = router.cap
        self.max_dur = router.max_dur
        self.windows = router.has_windows
        self.early = np.array([0.0] + [st.window[0] if st.window else 0.0 for st in p.stops])
        self.late = np.array([math.inf] + [st.window[1] if st.window else math.inf for st in p.stops])
        self.movable = [s for s, st in enumerate(p.stops) if len(st.patterns) > 1]
        self.moves = [(s, pat) for s in self.movable for pat in p.stops[s].patterns]
        unit = float(self.dist[0, 1:].mean()) if self.n else 1.0
        mean_demand = float(self.demand[1:].mean()) if self.n else 1.0
        self.alpha = unit / max(mean_demand, EPS)  # per unit of load excess
        self.beta = 1.0  # per unit of duration excess (durations are in distance-like units)
        self.tabu: dict[tuple[int, tuple], int] = {}  # (stop, pattern it left) -> first move it may return
        self.clock = 0  # moves made over all walks
        self.iterations = 0
        # tabu tenure: Cordeau's 7.5 log10(n) moves, drawn between half and all of it (7-15 at 100 stops)
        self.tenure = (
            max(3, int(7.5 * math.log10(max(10, self.n)) / 2)),
            max(5, int(7.5 * math.log10(max(10, self.n)))),
        )

    # --- per-day arrays ---------------------------------------------------------------------------
    def _day(self, plan: Plan, d: int):
        """Edges of day d (with their route), route loads and durations, and every stop's cheapest
        penalised insertion on that day: (cost, route, position)."""
        a_list, b_list, r_list, pos_list = [], [], [], []
        dep_a, start_b, slack_b = [], [], []  # with windows: departure at a, start and forward slack at b
        loads, durs = [], []
        empty_done = False
        for k, route in enumerate(plan.routes[d]):
            pts: Any = [0] + [s + 1 for s in route] + [0]  # a list here, the stops' index array below
            loads.append(float(self.demand[pts].sum()))
            durs.append(float(self.time[pts[:-1], pts[1:]].sum() + self.service[pts].sum()))
            if not route:
                if empty_done:
                    continue
                empty_done = True
            if self.windows:
                dep, start, slack = self._schedule(pts)
                dep_a += dep[:-1]
                start_b += start[1:]
                slack_b += slack[1:]
            a_list += pts[:-1]
            b_list += pts[1:]
            r_list += [k] * (len(pts) - 1)
            pos_list += list(range(len(pts) - 1))
        a, b = np.array(a_list), np.array(b_list)
        r = np.array(r_list)
        loads_a, durs_a = np.array(loads), np.array(durs)
        pts = np.arange(1, self.n + 1)
        detour = self.dist[np.ix_(pts, a)] + self.dist[np.ix_(pts, b)] - self.dist[a, b][None, :]
        cost = detour.copy()
        if self.cap is not None:
            load = loads_a[r][None, :]
            after = load + self.demand[pts][:, None]
            cost += self.alpha * (np.maximum(0.0, after - self.cap) - np.maximum(0.0, load - self.cap))
        if self.max_dur is not None:
            dur = durs_a[r][None, :]
            tdetour = self.time[np.ix_(pts, a)] + self.time[np.ix_(pts, b)] - self.time[a, b][None, :]
            after = dur + tdetour + self.service[pts][:, None]
            cost += self.beta * (np.maximum(0.0, after - self.max_dur) - np.maximum(0.0, dur - self.max_dur))
        if self.windows:  # insertions that break a window (of s, or later in the route) are impossible
            arr = np.array(dep_a)[None, :] + self.time[np.ix_(pts, a)]
            start_s = np.maximum(arr, self.early[pts][:, None])
            ok = start_s <= self.late[pts][:, None] + EPS
            arr_b = start_s + self.service[pts][:, None] + self.time[np.ix_(pts, b)]
            shift = np.maximum(arr_b, self.early[b][None, :]) - np.array(start_b)[None, :]
            ok &= shift <= np.array(slack_b)[None, :] + EPS
            cost[~ok] = math.inf
        best = np.argmin(cost, axis=1)
        rows = np.arange(self.n)
        return cost[rows, best], r[best], np.array(pos_list)[best], loads_a, durs_a

    def _schedule(self, pts: list[int]) -> tuple[list[float], list[float], list[float]]:
        """Departure, start of service and forward time slack (how much later service may start
        without breaking a later window; Savelsbergh 1992) at each point of a route [0, ..., 0]."""
        n = len(pts)
        dep, start = [0.0] * n, [0.0] * n
        wait = [0.0] * n
        dep[0] = start[0] = self.problem.day_start
        for i in range(1, n):
            arr = dep[i - 1] + self.time[pts[i - 1], pts[i]]
            start[i] = max(arr, self.early[pts[i]]) if i < n - 1 else arr
            wait[i] = start[i] - arr
            dep[i] = start[i] + self.service[pts[i]]
        slack = [math.inf] * n
        for i in range(n - 2, 0, -1):
            slack[i] = min(self.late[pts[i]] - start[i], wait[i + 1] + slack[i + 1])
        return dep, start, slack

    def _removal(self, plan: Plan, d: int, loads, durs) -> dict[int, float]:
        """Penalised gain of taking each stop of day d out of its route."""
        out = {}
        for k, route in enumerate(plan.routes[d]):
            for i, s in enumerate(route):
                prev = route[i - 1] + 1 if i > 0 else 0
                nxt = route[i + 1] + 1 if i + 1 < len(route) else 0
                q = s + 1
                gain = self.dist[prev, q] + self.dist[q, nxt] - self.dist[prev, nxt]
                if self.cap is not None:
                    gain += self.alpha * (
                        max(0.0, loads[k] - self.cap) - max(0.0, loads[k] - self.demand[q] - self.cap)
                    )
                if self.max_dur is not None:
                    dt = self.time[prev, q] + self.time[q, nxt] - self.time[prev, nxt] + self.service[q]
                    gain += self.beta * (max(0.0, durs[k] - self.max_dur) - max(0.0, durs[k] - dt - self.max_dur))
                out[s] = float(gain)
        return out

    def _excess(self, plan: Plan) -> tuple[float, float]:
        """Total load and duration excess of the plan."""
        load_x = dur_x = 0.0
        for day in plan.routes:
            for route in day:
                lx, dx = self.router.route_excess(route)
                load_x, dur_x = load_x + lx, dur_x + dx
        return load_x, dur_x

    def _feasible(self, plan: Plan, lx: float | None = None, dx: float | None = None) -> bool:
        if lx is None:
            lx, dx = self._excess(plan)
        if lx > EPS or dx > EPS:  # type: ignore[operator]  # callers pass lx and dx together
            return False
        # windows: insertions keep them, but a polish by PyVRP may leave a (penalised) time warp
        return not self.windows or all(self.router.windows_ok(r) for day in plan.routes for r in day)

    # --- the walk ---------------------------------------------------------------------------------
    def run(self, plan: Plan, deadline: float, max_moves: int | None = None, polish=None, polish_every: int = 50):
        """Walk from ``plan``; returns the best *feasible* plan seen (by distance), or None."""
        router = self.router
        plan = plan.copy()
        days = self.problem.days
        cache = [self._day(plan, d) for d in range(days)]
        removal = [self._removal(plan, d, cache[d][3], cache[d][4]) for d in range(days)]
        best, best_dist = None, math.inf
        if self._feasible(plan):
            best, best_dist = plan.copy(), router.plan_distance(plan)
        tabu = self.tabu  # kept between walks: the next walk starts near where this one ended
        it = self.clock
        stop_at = None if max_moves is None else it + max_moves
        while (stop_at is None or it < stop_at) and time.perf_counter() < deadline:
            it += 1
            cur_dist = router.plan_distance(plan)
            choice = None
            for s, pat in self.moves:
                old = plan.pattern.get(s)
                if old is None or pat == old:
                    continue
                delta = 0.0
                for d in old:
                    if d not in pat:
                        delta -= removal[d][s]
                for d in pat:
                    if d not in old:
                        delta += cache[d][0][s]
                if not math.isfinite(delta) or (choice is not None and delta >= choice[0]):
                    continue
                if tabu.get((s, pat), 0) > it and not (cur_dist + delta < best_dist - 1e-6):
                    continue  # tabu, unless it might give a new best (checked after the move)
                choice = (delta, s, pat)
            if choice is None:
                break
            _, s, pat = choice
            old = plan.pattern[s]
            for d in old:
                if d not in pat:
                    for route in plan.routes[d]:
                        if s in route:
                            route.remove(s)
            for d in pat:
                if d not in old:
                    _, ks, poss = cache[d][0], cache[d][1], cache[d][2]
                    plan.routes[d][int(ks[s])].insert(int(poss[s]), s)
            plan.pattern[s] = pat
            tabu[(s, old)] = it + self.rng.randint(*self.tenure)
            if polish is not None and it % polish_every == 0:
                plan = polish(plan)
            lx, dx = self._excess(plan)
            feasible = self._feasible(plan, lx, dx)
            # Cordeau's self-adjusting penalties: stricter while infeasible, looser while feasible
            self.alpha *= 1.0 if self.cap is None else (1.5 if lx > EPS else 1 / 1.5)
            self.beta *= 1.0 if self.max_dur is None else (1.5 if dx > EPS else 1 / 1.5)
            self.alpha = min(max(self.alpha, 1e-3), 1e6)
            self.beta = min(max(self.beta, 1e-3), 1e6)
            if feasible:
                dist = router.plan_distance(plan)
                if dist < best_dist - 1e-9:
                    best, best_dist = plan.copy(), dist
            cache = [self._day(plan, d) for d in range(days)]  # (penalties changed: all days)
            removal = [self._removal(plan, d, cache[d][3], cache[d][4]) for d in range(days)]
        self.iterations += it - self.clock
        self.clock = it
        return best
