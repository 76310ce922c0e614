"""A realistic customer manager's week: ~170 tobacco retailers in a county of Xuzhou, Jiangsu.

Stores sit along streets in a county seat and a few market towns (lat 34.2-34.5, lon 117.0-117.4);
the manager drives from the county office.  Six working days, 9-hour days from 08:00, at most 40 visits
a day (capacity 40, demand 1), 5-12 minutes a visit, opening-hour windows, haversine metric.  Each store
has an order day and may be visited on it or on one of the two days before it.

The "careful manual plan" spreads stores evenly over their allowed days (each store to its least-loaded
allowed day) and drives each day in nearest-neighbour order (morning-only shops first), as a manager with a
spreadsheet would.
"""

from __future__ import annotations

import math
import random

from planner.problem import Problem

DEPOT = (34.355, 117.205)
TOWNS = [  # (lat, lon, share of stores, radius km)
    (34.350, 117.200, 0.40, 2.5),  # county seat
    (34.310, 117.120, 0.12, 1.2),
    (34.410, 117.140, 0.10, 1.0),
    (34.400, 117.290, 0.12, 1.2),
    (34.290, 117.270, 0.10, 1.0),
    (34.270, 117.190, 0.08, 0.8),
    (34.440, 117.220, 0.08, 0.8),
]
KM_LAT = 111.0


def _offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    return lat + north_km / KM_LAT, lon + east_km / (KM_LAT * math.cos(math.radians(lat)))


def _streets(rng: random.Random, lat: float, lon: float, radius: float) -> list[tuple]:
    """A few straight streets through the town: (start, end) points."""
    streets = []
    for _ in range(rng.randint(2, 4)):
        angle = rng.uniform(0, math.pi)
        shift = rng.uniform(-radius / 2, radius / 2)
        cx, cy = shift * math.cos(angle + math.pi / 2), shift * math.sin(angle + math.pi / 2)
        half = rng.uniform(0.6, 1.0) * radius
        a = _offset(lat, lon, cy - half * math.sin(angle), cx - half * math.cos(angle))
        b = _offset(lat, lon, cy + half * math.sin(angle), cx + half * math.cos(angle))
        streets.append((a, b))
    return streets


def _window(rng: random.Random) -> list[int]:
    r = rng.random()
    if r < 0.65:
        return [480, 1260]  # 08:00-21:00, open all day
    if r < 0.85:
        return [540, 1260]  # opens at 09:00
    if r < 0.95:
        return [600, 1320]  # opens at 10:00
    return [480, 720]  # market stall, mornings only


def realistic_week(seed: int = 7, stores: int = 170) -> dict:
    rng = random.Random(seed)
    points = []
    for lat, lon, share, radius in TOWNS:
        streets = _streets(rng, lat, lon, radius)
        for _ in range(round(share * stores)):
            (alat, alon), (blat, blon) = rng.choice(streets)
            t = rng.random()
            p = _offset(
                alat + t * (blat - alat), alon + t * (blon - alon), rng.gauss(0, 0.02), rng.gauss(0, 0.02)
            )
            points.append(p)
    points = points[:stores]
    rng.shuffle(points)  # store numbering says nothing about location, as in a real customer list
    stops = []
    for k, (lat, lon) in enumerate(points):
        order_day = rng.randrange(6)
        patterns = [[d] for d in range(order_day, max(-1, order_day - 3), -1)]
        stops.append(
            {
                "id": f"S{k + 1:04d}",
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "service": rng.choice([5, 8, 10, 10, 12]),
                "demand": 1,
                "patterns": patterns,
                "window": _window(rng),
                "priority": rng.choice([1, 1, 1, 2]),
            }
        )
    return {
        "name": f"xuzhou-county-week-{seed}",
        "days": 6,
        "metric": "haversine",
        "depot": {"lat": DEPOT[0], "lon": DEPOT[1]},
        "vehicles": 1,
        "capacity": 40,
        "max_route_duration": 540,
        "day_start": 480,
        "speed_kmh": 30,
        "detour_factor": 1.3,
        "stops": stops,
    }


def manual_plan(problem: Problem) -> dict:
    """Spread stores evenly over their allowed days, then nearest-neighbour order each day."""
    from planner_baselines import _solution, nearest_neighbour_routes

    from planner.metrics import distance_matrix, time_matrix
    from planner.routes import Router

    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    load = [0] * problem.days
    by_day: list[list[int]] = [[] for _ in range(problem.days)]
    # the tightest stores (fewest allowed days) are placed first, as a careful planner would
    for s in sorted(range(len(problem.stops)), key=lambda s: len(problem.stops[s].patterns)):
        day = min((p[0] for p in problem.stops[s].patterns), key=lambda d: (load[d], d))
        load[day] += 1
        by_day[day].append(s)
    routes, unassigned = [], set()
    mornings = {s for s, st in enumerate(problem.stops) if st.window and st.window[1] <= 720}
    for day, todo in enumerate(by_day):
        day_routes, left = nearest_neighbour_routes(router, todo, problem.vehicles, first=mornings)
        routes += [(day, r) for r in day_routes]
        unassigned |= set(left)
    return _solution(problem, routes, unassigned, "manual-even-spread-nn", 0.0, 0)
