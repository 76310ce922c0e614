import copy

import pytest

from planner import ProblemError, parse_problem
from planner.tests.conftest import grid_problem


def test_defaults_are_filled_in():
    p = parse_problem(grid_problem())
    assert p.vehicles == 1 and p.day_start == 0 and p.speed_kmh == 20 and p.detour_factor == 1.3
    assert p.stops[1].is_flexible and not p.stops[0].is_flexible
    assert p.points[0] == (0, 0) and len(p.points) == 13


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.pop("days"), "days"),
        (lambda p: p.update(days=0), "days"),
        (lambda p: p.update(days=2.5), "days"),
        (lambda p: p.update(metric="manhattan"), "metric"),
        (lambda p: p.update(vehicles=0), "vehicles"),
        (lambda p: p.update(capacity="10"), "capacity"),
        (lambda p: p.update(max_route_duration=-1), "max_route_duration"),
        (lambda p: p.update(stops={}), "stops"),
        (lambda p: p["depot"].pop("x"), "depot.x"),
        (lambda p: p["stops"][2].update(patterns=[[5]]), "stops[2].patterns[0]"),
        (lambda p: p["stops"][2].update(patterns=[]), "stops[2].patterns"),
        (lambda p: p["stops"][2].update(patterns=[[0, 0]]), "stops[2].patterns[0]"),
        (lambda p: p["stops"][2].update(patterns=[["1"]]), "stops[2].patterns[0]"),
        (lambda p: p["stops"][3].update(window=[600, 500]), "stops[3].window"),
        (lambda p: p["stops"][3].update(window=[600]), "stops[3].window"),
        (lambda p: p["stops"][3].update(service=-5), "stops[3].service"),
        (lambda p: p["stops"][3].update(demand=True), "stops[3].demand"),
        (lambda p: p["stops"][4].update(id="S1"), "stops[4].id"),
        (lambda p: p["stops"][4].pop("y"), "stops[4].y"),
        (lambda p: p["stops"][4].update(x=float("nan")), "stops[4].x"),
    ],
)
def test_invalid_problems_name_the_field(mutate, field):
    raw = copy.deepcopy(grid_problem())
    mutate(raw)
    with pytest.raises(ProblemError) as info:
        parse_problem(raw)
    assert info.value.field == field


def test_haversine_needs_lat_lon_in_range():
    raw = {
        "days": 1,
        "metric": "haversine",
        "depot": {"lat": 34.3, "lon": 117.2},
        "stops": [{"id": "a", "lat": 95.0, "lon": 117.0, "patterns": [[0]]}],
    }
    with pytest.raises(ProblemError) as info:
        parse_problem(raw)
    assert info.value.field == "stops[0].lat"
    raw["stops"][0] = {"id": "a", "x": 1, "y": 2, "patterns": [[0]]}
    with pytest.raises(ProblemError) as info:
        parse_problem(raw)
    assert info.value.field == "stops[0].lat"
