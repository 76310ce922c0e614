import math

from planner import check
from planner.metrics import haversine_km


def _problem(**extra):
    problem = {
        "days": 2,
        "depot": {"x": 0, "y": 0},
        "capacity": 2,
        "stops": [
            {"id": "a", "x": 3, "y": 4, "demand": 1, "service": 2, "patterns": [[0], [1]]},
            {"id": "b", "x": 0, "y": 1, "demand": 1, "patterns": [[0, 1]], "window": [10, 20]},
            {"id": "c", "x": 0, "y": 2, "demand": 1, "patterns": [[1]]},
        ],
    }
    problem.update(extra)
    return problem


def test_feasible_solution_and_distance_recomputed():
    sol = {"routes": [{"day": 0, "stops": ["b", "a"]}, {"day": 1, "stops": ["b", "c"]}], "distance": 0}
    result = check(_problem(), sol)
    assert result.feasible, result.violations
    expected = 1 + math.hypot(3, 3) + 5 + 1 + 1 + 2
    assert math.isclose(result.distance, expected)


def test_violations_are_reported():
    sol = {"routes": [{"day": 0, "stops": ["a", "b", "c"]}, {"day": 1, "stops": []}], "unassigned": []}
    text = " | ".join(check(_problem(), sol).violations)
    assert "capacity" in text
    assert "stop b" in text and "match none of its patterns" in text
    assert "stop c" in text


def test_windows_duration_and_vehicle_count():
    sol = {
        "routes": [{"day": 0, "stops": ["a", "b"]}, {"day": 1, "stops": ["b"]}, {"day": 1, "stops": ["c"]}]
    }
    text = " | ".join(check(_problem(max_route_duration=5), sol).violations)
    assert "after its window end" not in text  # b reached at 5 + 2 + 5 = 12 <= 20
    assert "max_route_duration" in text
    assert "day 1: 2 routes" in text
    sol = {"routes": [{"day": 0, "stops": ["a", "b"]}, {"day": 1, "stops": ["b", "c"]}]}
    text = " | ".join(check(_problem(day_start=10), sol).violations)
    assert "window end 20" in text


def test_unassigned_stop_must_not_be_visited():
    sol = {"routes": [{"day": 1, "stops": ["a", "c"]}], "unassigned": ["b", "a"]}
    violations = check(_problem(), sol).violations
    assert any("stop a: unassigned but visited" in v for v in violations)
    assert not any("stop b" in v for v in violations)


def test_haversine_distance_uses_detour_factor():
    problem = {
        "days": 1,
        "metric": "haversine",
        "detour_factor": 1.5,
        "depot": {"lat": 34.3, "lon": 117.2},
        "stops": [{"id": "a", "lat": 34.4, "lon": 117.2, "patterns": [[0]]}],
    }
    result = check(problem, {"routes": [{"day": 0, "stops": ["a"]}]})
    assert math.isclose(result.distance, 2 * 1.5 * haversine_km((34.3, 117.2), (34.4, 117.2)))
    assert 33 < result.distance < 34  # 0.1 deg latitude ~ 11.1 km, there and back, x 1.5
