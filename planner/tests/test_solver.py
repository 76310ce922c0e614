import json
import subprocess
import sys
from pathlib import Path

import planner
from planner.tests.conftest import grid_problem

ROOT = Path(__file__).resolve().parents[2]


def test_solution_is_feasible_and_complete(small_problem):
    sol = planner.solve(small_problem, time_limit=1.0, seed=1)
    result = planner.check(small_problem, sol)
    assert result.feasible, result.violations
    assert sol["unassigned"] == []
    assert abs(result.distance - sol["distance"]) < 1e-6
    assert {r["day"] for r in sol["routes"]} == {0, 1, 2}
    assert sol["solver"]["seed"] == 1


def test_same_seed_and_iterations_give_the_same_plan(small_problem):
    a = planner.solve(small_problem, time_limit=30, seed=5, max_iterations=300)
    b = planner.solve(small_problem, time_limit=30, seed=5, max_iterations=300)
    assert a["routes"] == b["routes"] and a["distance"] == b["distance"]


def test_beats_every_stop_on_its_first_pattern():
    raw = grid_problem(n=16, days=4, seed=11, capacity=100)
    sol = planner.solve(raw, time_limit=1.0, seed=2)
    assert planner.check(raw, sol).feasible
    # a plan at least as good as a single day per stop is easy; the multi-day stops need their visits
    visits = sum(len(r["stops"]) for r in sol["routes"])
    assert visits == sum(len(s["patterns"][0]) for s in raw["stops"])


def test_priorities_decide_who_is_left_out():
    raw = grid_problem(n=8, days=1, seed=4, capacity=5)
    for k, stop in enumerate(raw["stops"]):
        stop["patterns"] = [[0]]
        stop["priority"] = 2 if k < 5 else 1
    sol = planner.solve(raw, time_limit=1.5, seed=1)
    assert planner.check(raw, sol).feasible
    assert sorted(sol["unassigned"]) == ["S5", "S6", "S7"]


def test_windows_and_haversine():
    raw = {
        "days": 2,
        "metric": "haversine",
        "depot": {"lat": 34.35, "lon": 117.2},
        "day_start": 480,
        "max_route_duration": 240,
        "speed_kmh": 30,
        "capacity": 4,
        "stops": [
            {
                "id": f"S{k}",
                "lat": 34.3 + 0.01 * k,
                "lon": 117.1 + 0.013 * (k % 5),
                "service": 10,
                "demand": 1,
                "patterns": [[0], [1]],
                "window": [480, 600] if k % 3 == 0 else [540, 1200],
            }
            for k in range(8)
        ],
    }
    sol = planner.solve(raw, time_limit=1.0, seed=1)
    result = planner.check(raw, sol)
    assert result.feasible, result.violations
    assert sol["unassigned"] == []


def _cli(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "planner", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_cli_solves_and_rejects(tmp_path, small_problem):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(small_problem))
    out = tmp_path / "s.json"
    proc = _cli("solve", str(path), "--time-limit", "0.5", "--seed", "3", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "[planner" in proc.stderr
    assert planner.check(small_problem, json.loads(out.read_text())).feasible
    proc = _cli("solve", str(path), "--time-limit", "0.3")
    assert proc.returncode == 0 and json.loads(proc.stdout)["routes"]
    small_problem["stops"][1]["window"] = [10, 5]
    path.write_text(json.dumps(small_problem))
    proc = _cli("solve", str(path), "--time-limit", "0.5")
    assert proc.returncode == 2
    assert "stops[1].window" in proc.stderr


def test_pattern_tabu_walk_shortens_a_plan_and_keeps_it_feasible():
    import random
    import time

    from planner.metrics import distance_matrix, time_matrix
    from planner.routes import Router, construct
    from planner.tabu import PatternTabu

    problem = planner.parse_problem(grid_problem(n=24, days=4, seed=7, capacity=12, vehicles=2))
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    start, _ = construct(problem, router, random.Random(1))
    walk = PatternTabu(router, random.Random(2))
    best = walk.run(start, time.perf_counter() + 5, max_moves=300)
    assert best is not None and walk.iterations > 0
    assert router.plan_distance(best) < router.plan_distance(start) - 1.0  # 142.7 -> 138.2 when written
    assert all(router.route_ok(r) for day in best.routes for r in day)
    for s, stop in enumerate(problem.stops):  # every stop on exactly the days of one of its patterns
        days = tuple(sorted(d for d in range(problem.days) for r in best.routes[d] if s in r))
        assert days == best.pattern[s] and days in stop.patterns


def test_stops_off_their_patterns_are_put_back_on_one():
    import random

    from planner.metrics import distance_matrix, time_matrix
    from planner.pyvrp_model import HorizonModel
    from planner.routes import Router, construct
    from planner.solver import _onto_patterns

    problem = planner.parse_problem(grid_problem(n=12, days=3, seed=3, capacity=100))
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    plan, _ = construct(problem, router, random.Random(1))
    model = HorizonModel(problem, router, plan)
    s = next(iter(model.copies))  # a multi-day stop: take away one of its visits
    day = plan.pattern[s][0]
    next(r for r in plan.routes[day] if s in r).remove(s)
    plan.pattern[s] = tuple(d for d in plan.pattern[s] if d != day)
    assert not model.valid(plan)
    fixed = _onto_patterns(model, plan)
    assert model.valid(fixed)
    days = tuple(sorted(d for d in range(problem.days) for r in fixed.routes[d] if s in r))
    assert days == fixed.pattern[s] and days in problem.stops[s].patterns


def test_pattern_tabu_walk_keeps_time_windows():
    import random
    import time

    from planner.metrics import distance_matrix, time_matrix
    from planner.routes import Router, construct
    from planner.tabu import PatternTabu

    raw = grid_problem(n=20, days=3, seed=5, capacity=50, vehicles=1)
    for k, stop in enumerate(raw["stops"]):  # tight-ish windows: morning or afternoon stores
        stop["window"] = [0, 60] if k % 2 else [30, 200]
    problem = planner.parse_problem(raw)
    dist = distance_matrix(problem)
    router = Router(problem, dist, time_matrix(problem, dist))
    start, misfits = construct(problem, router, random.Random(1))
    assert not misfits
    best = PatternTabu(router, random.Random(3)).run(start, time.perf_counter() + 5, max_moves=200)
    assert best is not None
    assert all(router.windows_ok(r) and router.route_ok(r) for day in best.routes for r in day)
    assert router.plan_distance(best) < router.plan_distance(start) - 1.0  # 171.1 -> 158.5 when written
    for s, stop in enumerate(problem.stops):  # every stop still visited, on one of its patterns
        days = tuple(sorted(d for d in range(problem.days) for r in best.routes[d] if s in r))
        assert days == best.pattern[s] and days in stop.patterns


def test_solves_running_at_once_in_threads_keep_their_own_settings():
    """Planning threads of one web process share the module: a search's mode ("fast" PyVRP settings) and
    its tuning must be its own, so each plan comes out as it does alone."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from planner import SolverSettings

    raw = grid_problem(n=24, days=3, seed=7, capacity=12)
    fast = replace(SolverSettings(), fast_visits_per_second=1e-6)
    default = SolverSettings()

    def run(settings):
        return planner.solve(raw, time_limit=60, seed=5, max_iterations=150, workers=1, settings=settings)

    alone = [run(fast), run(default)]
    assert alone[0]["routes"] != alone[1]["routes"] or alone[0]["distance"] != alone[1]["distance"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(run, [fast, default, fast, default]))
    assert [t["routes"] for t in together] == [a["routes"] for a in alone * 2]
