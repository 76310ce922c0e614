"""Reference planners for the benchmark: a naive plan and OR-Tools on the same model.

naive: each stop on its first allowed pattern; each day's stops in nearest-neighbour order from the
depot, opening a new route (up to ``vehicles``) when capacity or duration would be exceeded; what is
left when the vehicles run out is appended to the last route (an infeasible plan, flagged as such).

OR-Tools: routing model with one vehicle per (day, route).  A one-visit stop is one node whose allowed
vehicles are those of its allowed days (so OR-Tools chooses the day); a multi-day stop's pattern is fixed
up front by a load-balancing rule (the pattern whose days carry the least demand so far, stops taken by
decreasing demand) and each of its visits is a node pinned to that day's vehicles.  Capacity, a
travel+service "busy" dimension for max_route_duration and a time dimension with waiting for windows;
every node is in a disjunction with a large penalty so a solution always exists (dropped stops are
reported unassigned).  First solution PATH_CHEAPEST_ARC, then guided local search for the time limit.
"""

from __future__ import annotations

import math
import time

import numpy as np

from planner.metrics import distance_matrix, time_matrix
from planner.problem import Problem
from planner.routes import Router

SCALE = 1000


def _solution(
    problem: Problem,
    routes: list[tuple[int, list[int]]],
    unassigned: set[int],
    name: str,
    t0: float,
    time_limit: float,
) -> dict:
    """Drop partially served multi-day stops, then emit the contract JSON."""
    days_of: dict[int, set[int]] = {}
    for day, route in routes:
        for s in route:
            days_of.setdefault(s, set()).add(day)
    for s, stop in enumerate(problem.stops):
        if tuple(sorted(days_of.get(s, ()))) not in stop.patterns:
            unassigned.add(s)
    ids = [s.id for s in problem.stops]
    out = [{"day": d, "stops": [ids[s] for s in r if s not in unassigned]} for d, r in routes]
    return {
        "routes": out,
        "unassigned": [ids[s] for s in sorted(unassigned)],
        "distance": None,
        "solver": {"name": name, "time_limit": time_limit, "runtime": round(time.perf_counter() - t0, 3)},
    }


def naive_plan(problem: Problem) -> dict:
    t0 = time.perf_counter()
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    by_day: list[list[int]] = [[] for _ in range(problem.days)]
    for s, stop in enumerate(problem.stops):
        for day in stop.patterns[0]:
            by_day[day].append(s)
    routes = []
    for day, todo in enumerate(by_day):
        day_routes, left = nearest_neighbour_routes(router, todo, problem.vehicles)
        if left:  # out of vehicles: the naive plan overloads its last route (reported infeasible)
            extra, _ = nearest_neighbour_routes(router.relaxed(), left, 1)
            if day_routes:
                day_routes[-1] += extra[0]
            else:
                day_routes = extra
        routes += [(day, r) for r in day_routes]
    return _solution(problem, routes, set(), "naive-first-pattern-nn", t0, 0)


def nearest_neighbour_routes(
    router: Router, todo: list[int], vehicles: int, first: set[int] | None = None
) -> tuple[list[list[int]], list[int]]:
    """Greedy nearest neighbour: extend the route with the nearest stop that keeps it feasible
    (stops in ``first``, e.g. morning-only shops, are taken before the others)."""
    left = list(todo)
    first = first or set()
    routes = []
    while left and len(routes) < vehicles:
        route: list[int] = []
        pos = 0
        while left:
            order = sorted(left, key=lambda s: (s not in first, router.dist[pos, s + 1]))
            nxt = next((s for s in order if router.route_ok(route + [s])), None)
            if nxt is None:
                break
            route.append(nxt)
            left.remove(nxt)
            pos = nxt + 1
        if not route:
            break
        routes.append(route)
    return routes, left


def balanced_patterns(problem: Problem) -> dict[int, tuple[int, ...]]:
    """Simple rule for OR-Tools: biggest multi-day stops first, each on its least-loaded pattern."""
    load = [0.0] * problem.days
    chosen = {}
    multi = [s for s, st in enumerate(problem.stops) if not st.is_flexible]
    for s in sorted(multi, key=lambda s: -problem.stops[s].demand * min(map(len, problem.stops[s].patterns))):
        stop = problem.stops[s]
        pattern = min(stop.patterns, key=lambda p: (max(load[d] for d in p), sum(load[d] for d in p)))
        chosen[s] = pattern
        for d in pattern:
            load[d] += max(stop.demand, 1.0)
    return chosen


def ortools_plan(problem: Problem, time_limit: float) -> dict:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    dist = distance_matrix(problem)
    tmat = time_matrix(problem, dist)
    fixed = balanced_patterns(problem)
    nodes: list[tuple[int, list[int]]] = []  # (stop, allowed days)
    for s, stop in enumerate(problem.stops):
        if s in fixed:
            nodes += [(s, [d]) for d in fixed[s]]
        else:
            nodes.append((s, list(stop.allowed_days)))
    m = problem.vehicles
    num_vehicles = problem.days * m
    pts = np.array([0] + [s + 1 for s, _ in nodes])
    d_int = np.rint(dist[np.ix_(pts, pts)] * SCALE).astype(np.int64).tolist()
    t_int = np.ceil(tmat[np.ix_(pts, pts)] * SCALE - 1e-6).astype(np.int64)
    service = [0] + [math.ceil(problem.stops[s].service * SCALE - 1e-6) for s, _ in nodes]
    busy_int = (t_int + np.array(service)[:, None]).tolist()
    manager = pywrapcp.RoutingIndexManager(len(pts), num_vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    def arc(i, j):
        return d_int[manager.IndexToNode(i)][manager.IndexToNode(j)]

    cost_cb = routing.RegisterTransitCallback(arc)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    _add_capacity(problem, routing, manager, nodes)
    busy_cb = routing.RegisterTransitCallback(
        lambda i, j: busy_int[manager.IndexToNode(i)][manager.IndexToNode(j)]
    )
    horizon = 10**12
    if problem.max_route_duration is not None:
        routing.AddDimension(busy_cb, 0, math.floor(problem.max_route_duration * SCALE + 1e-6), True, "busy")
    if any(st.window for st in problem.stops):
        routing.AddDimension(busy_cb, horizon, horizon, False, "time")
        tdim = routing.GetDimensionOrDie("time")
        start = math.ceil(problem.day_start * SCALE - 1e-6)
        for v in range(num_vehicles):
            tdim.CumulVar(routing.Start(v)).SetRange(start, start)
        for n, (s, _) in enumerate(nodes, start=1):
            w = problem.stops[s].window
            if w is not None:
                tdim.CumulVar(manager.NodeToIndex(n)).SetRange(
                    math.ceil(w[0] * SCALE - 1e-6), math.floor(w[1] * SCALE + 1e-6)
                )
    penalty = int(dist.max() * SCALE * 100) + 10**6
    for n, (_s, days) in enumerate(nodes, start=1):
        index = manager.NodeToIndex(n)
        # (SetAllowedVehiclesForIndex's Span binding is broken in this OR-Tools build; -1 = unperformed)
        routing.VehicleVar(index).SetValues([-1] + [d * m + k for d in days for k in range(m)])
        routing.AddDisjunction([index], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(max(0.1, time_limit - (time.perf_counter() - t0)) * 1000))
    assignment = routing.SolveWithParameters(params)
    routes, served = [], set()
    if assignment is not None:
        for v in range(num_vehicles):
            route, index = [], routing.Start(v)
            index = assignment.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                s = nodes[manager.IndexToNode(index) - 1][0]
                route.append(s)
                served.add(s)
                index = assignment.Value(routing.NextVar(index))
            if route:
                routes.append((v // m, route))
    unassigned = {s for s in range(len(problem.stops)) if s not in served}
    return _solution(problem, routes, unassigned, "ortools-gls-fixed-multi-day-patterns", t0, time_limit)


def _add_capacity(problem: Problem, routing, manager, nodes) -> None:
    if problem.capacity is None:
        return
    demands = [problem.stops[s].demand for s, _ in nodes]
    factor = 1 if all(float(x).is_integer() for x in demands + [problem.capacity]) else SCALE
    dem = [0] + [math.ceil(d * factor - 1e-9) for d in demands]
    cb = routing.RegisterUnaryTransitCallback(lambda i: dem[manager.IndexToNode(i)])
    routing.AddDimension(cb, 0, math.floor(problem.capacity * factor + 1e-9), True, "load")
