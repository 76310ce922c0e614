"""Distances and travel times in the problem's metric, in double precision.

``euclidean``: straight-line distance; travel time = distance (minutes).
``haversine``: great-circle km (mean Earth radius 6371.0 km) x ``detour_factor``; travel time =
km / ``speed_kmh`` x 60 minutes.
"""

from __future__ import annotations

import math

import numpy as np

from planner.problem import Problem

EARTH_RADIUS_KM = 6371.0


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def leg_distance(problem: Problem, a: tuple[float, float], b: tuple[float, float]) -> float:
    """One leg, computed directly from coordinates (the checker's independent path)."""
    if problem.metric == "euclidean":
        return math.hypot(a[0] - b[0], a[1] - b[1])
    return haversine_km(a, b) * problem.detour_factor


def leg_time(problem: Problem, distance: float) -> float:
    if problem.metric == "euclidean":
        return distance
    return distance / problem.speed_kmh * 60.0


def distance_matrix(problem: Problem) -> np.ndarray:
    """Full matrix over points (0 = depot, i = stop i-1), float64."""
    pts = np.asarray(problem.points, dtype=np.float64)
    if problem.metric == "euclidean":
        diff = pts[:, None, :] - pts[None, :, :]
        return np.sqrt((diff**2).sum(axis=2))
    lat = np.radians(pts[:, 0])
    lon = np.radians(pts[:, 1])
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return km * problem.detour_factor


def time_matrix(problem: Problem, dist: np.ndarray) -> np.ndarray:
    if problem.metric == "euclidean":
        return dist
    return dist / problem.speed_kmh * 60.0
