"""Planner tests are pure Python: no Django settings, no database."""

import random

import pytest


def grid_problem(n: int = 12, days: int = 3, seed: int = 3, **extra) -> dict:
    """A small euclidean instance mixing one-visit and multi-day stops."""
    rng = random.Random(seed)
    stops = []
    for k in range(n):
        if k % 4 == 0 and days >= 2:
            patterns = [[0, days - 1]] if days == 2 else [[0, 2], [1, days - 1]]
        else:
            patterns = [[d] for d in range(days)]
        stops.append(
            {
                "id": f"S{k}",
                "x": rng.uniform(-10, 10),
                "y": rng.uniform(-10, 10),
                "service": 1,
                "demand": 1,
                "patterns": patterns,
            }
        )
    problem = {
        "name": "grid",
        "days": days,
        "metric": "euclidean",
        "depot": {"x": 0, "y": 0},
        "vehicles": 1,
        "capacity": 10,
        "stops": stops,
    }
    problem.update(extra)
    return problem


@pytest.fixture
def small_problem() -> dict:
    return grid_problem()
