"""Pattern improvement with PyVRP-evaluated moves (Cordeau 1997 / Vidal 2012 style pattern changes).

A move gives one multi-day stop another of its patterns: its visits leave the days it no longer uses
and are cheapest-inserted on the new days; then PyVRP's local search (all its operators, exhaustive,
all days at once) re-optimises the whole horizon from that start, so nearby one-visit stops may follow
the moved stop to other days.  The move is accepted when the result is feasible and cheaper.  Candidates
are ranked by their exact removal + insertion delta on the current routes; only the most promising are
evaluated with PyVRP when time is short.  :func:`cheap_descent` applies moves on their exact delta
alone (feasible insertions only), without PyVRP.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np
from pyvrp import CostEvaluator, Solution

from planner.pyvrp_model import SCALE, HorizonModel, make_search
from planner.routes import Plan, Router

# Penalties of the evaluating local search (PyVRP integer units): strong, so that it repairs the
# capacity / duration excess a move creates rather than keeping it.
LOAD_PENALTY = 50.0  # per unit of demand, as a multiple of SCALE x mean depot distance / mean demand
TW_PENALTY = 20.0  # per unit of (scaled) duration excess, relative to scaled distance
GROUP_SIZE = 3  # besides single stops, move a stop with up to 2 nearby peers sharing its pattern
NEAR = 6  # ... chosen among its NEAR nearest multi-day stops


def evaluator(model: HorizonModel) -> CostEvaluator:
    router = model.router
    unit = float(router.dist[0, 1:].mean()) if len(router.dist) > 1 else 1.0
    demand = float(router.demand[1:].mean()) if len(router.demand) > 1 else 1.0
    factor = 1 if all(float(d).is_integer() for d in router.demand) else SCALE
    load = LOAD_PENALTY * SCALE * unit / max(demand * factor, 1e-9)
    dims = model.data.num_load_dimensions
    return CostEvaluator([load] * dims, TW_PENALTY, TW_PENALTY)


def move_delta(router: Router, plan: Plan, s: int, pattern: tuple) -> tuple[float, list] | None:
    """Exact distance delta of giving ``s`` the pattern ``pattern`` on the current routes (capacity and
    duration ignored; PyVRP repairs), with the insertion positions; None if no route exists."""
    current = plan.pattern.get(s, ())
    delta, moves = 0.0, []
    for d in current:
        if d not in pattern:
            for route in plan.routes[d]:
                if s in route:
                    delta -= router.removal_gain(route, s)
    for d in pattern:
        if d in current:
            continue
        ins = router.best_day_insertion(plan, d, s)
        if ins is None:
            return None
        delta += ins[0]
        moves.append((d, ins[1], ins[2]))
    return delta, moves


def apply_move(plan: Plan, s: int, pattern: tuple, moves: list) -> Plan:
    new = plan.copy()
    for d in new.pattern.get(s, ()):
        if d not in pattern:
            for route in new.routes[d]:
                if s in route:
                    route.remove(s)
    for d, k, pos in moves:
        new.routes[d][k].insert(pos, s)
    new.pattern[s] = tuple(pattern)
    return new


class PatternSearch:
    """Local search over the patterns of multi-day stops, each move re-optimised by PyVRP's LS."""

    def __init__(self, model: HorizonModel, multi: list[int], rng: random.Random):
        self.model = model
        self.router = model.router.relaxed()
        self.multi = multi
        self.rng = rng
        self.evaluations = 0
        self.group_size = GROUP_SIZE
        pts = np.array(multi, dtype=int)
        self.near = {
            s: pts[np.argsort(model.router.dist[s + 1, pts + 1], kind="stable")][1 : 1 + NEAR].tolist()
            for s in multi
        }

    def cost(self, sol: Solution) -> int | None:
        return self._ce.cost(sol) if sol.is_feasible() else None

    def improve(self, sol: Solution, deadline: float, max_evals: int | None = None) -> Solution:
        """First-improvement descent from the feasible PyVRP solution ``sol`` (on ``model.data``)
        until no pattern move helps, the deadline or ``max_evals`` evaluations."""
        model = self.model
        self._ce = evaluator(model)
        cur, cur_cost = sol, self._ce.cost(sol)
        plan = model.to_plan(cur)
        start_active = model.active.copy()
        evals = 0
        improved = True
        while improved:
            improved = False
            order = list(self.multi)
            self.rng.shuffle(order)
            for s in order:
                if time.perf_counter() > deadline or (max_evals is not None and evals >= max_evals):
                    improved = False
                    break
                current = plan.pattern.get(s)
                if current is None:
                    continue
                cands = []
                for pattern in model.problem.stops[s].patterns:
                    if pattern == current:
                        continue
                    md = move_delta(self.router, plan, s, pattern)
                    if md is not None:
                        cands.append((md[0], [s], pattern))
                    if self.group_size > 1:  # s with its nearest peers on the same pattern, together
                        peers = [t for t in self.near[s] if plan.pattern.get(t) == current]
                        peers = [t for t in peers if pattern in model.problem.stops[t].patterns]
                        if peers:
                            cands.append((math.inf, [s] + peers[: self.group_size - 1], pattern))
                cands.sort(key=lambda c: c[0])
                for _delta, group, pattern in cands[: 2 * self.group_size]:
                    new_plan = plan
                    for t in group:
                        md = move_delta(self.router, new_plan, t, pattern)
                        if md is not None:
                            new_plan = apply_move(new_plan, t, pattern, md[1])
                    evals += 1
                    model.set_plan(new_plan, neighbours=False)
                    ls, _ = make_search(model, self.rng.randrange(2**31))
                    out = ls(model.to_solution(new_plan), self._ce, exhaustive=True)
                    cost = self.cost(out)
                    if cost is not None and cost < cur_cost and model.valid(out_plan := model.to_plan(out)):
                        cur, cur_cost = out, cost
                        plan = out_plan
                        start_active = model.active.copy()
                        improved = True
                        break
        model.set_active(start_active)
        self.evaluations += evals
        return cur


def perturb(model: HorizonModel, sol: Solution, multi: list[int], k: int, rng: random.Random) -> Plan:
    """Random pattern changes for ``k`` multi-day stops (cheapest insertion on the new days)."""
    router = model.router.relaxed()
    plan = model.to_plan(sol)
    choices = [s for s in multi if s in plan.pattern and len(model.problem.stops[s].patterns) > 1]
    if not choices:
        return plan
    first = rng.choice(choices)
    pts = np.array(choices)
    near = pts[np.argsort(router.dist[first + 1, pts + 1], kind="stable")][: max(k * 3, k)].tolist()
    rng.shuffle(near)
    for s in [first] + [t for t in near if t != first][: k - 1]:
        options = [p for p in model.problem.stops[s].patterns if p != plan.pattern[s]]
        pattern = options[rng.randrange(len(options))]
        md = move_delta(router, plan, s, pattern)
        if md is not None:
            plan = apply_move(plan, s, pattern, md[1])
    return plan


def cheap_descent(router: Router, plan: Plan, multi: list[int], rng: random.Random, deadline: float,
                  max_passes: int | None = None) -> tuple[Plan, int]:
    """Pattern moves judged by their exact delta on the current routes (removal gains on the days left,
    cheapest *feasible* insertion on the new days), applied when they shorten the plan; no PyVRP call,
    so thousands of moves a second.  Returns the new plan and the number of moves applied."""
    plan = plan.copy()
    moved = 0
    passes = 0
    improved = True
    stops = router.problem.stops
    while improved and (max_passes is None or passes < max_passes):
        improved = False
        passes += 1
        order = list(multi)
        rng.shuffle(order)
        for s in order:
            if time.perf_counter() > deadline:
                return plan, moved
            current = plan.pattern.get(s)
            if current is None:
                continue
            gain = {}
            for d in current:
                for route in plan.routes[d]:
                    if s in route:
                        gain[d] = router.removal_gain(route, s)
            ins_cache: dict[int, tuple | None] = {}
            best = None
            for pattern in stops[s].patterns:
                if pattern == current:
                    continue
                delta = -sum(g for d, g in gain.items() if d not in pattern)
                if best is not None and delta >= best[0]:
                    continue
                moves = []
                for d in pattern:
                    if d in current:
                        continue
                    if d not in ins_cache:
                        ins_cache[d] = router.best_day_insertion(plan, d, s)
                    ins = ins_cache[d]
                    if ins is None:
                        delta = math.inf
                        break
                    delta += ins[0]
                    moves.append((d, ins[1], ins[2]))
                if delta < -1e-7 and (best is None or delta < best[0]):
                    best = (delta, pattern, moves)
            if best is not None:
                plan = apply_move(plan, s, best[1], best[2])
                moved += 1
                improved = True
    return plan, moved
