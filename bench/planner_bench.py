"""Benchmark the periodic route planner against best-known values, OR-Tools and a naive plan.

    .venv/bin/python bench/planner_bench.py                      # pvrp + solomon + week at 10 s and 60 s
    .venv/bin/python bench/planner_bench.py --time-limit 20 --instances p03,p06,week
    .venv/bin/python bench/planner_bench.py --time-limit 20 --sets pvrp --no-ortools

Instances are read from ../shared/bench (see bench/planner_instances.py for the conversion).  Our
planner runs through its command line (the contract), OR-Tools (see bench/planner_baselines.py) in a
separate process with the same time limit; ``--jobs`` runs that many solver processes at once (default 2,
one per core).  Every solution is checked with ``planner.check``, which recomputes the distance from the
coordinates; infeasible solutions are flagged and left out of the mean gaps.  The ``cordeau97`` column
re-checks Cordeau, Gendreau & Laporte's published 1997 solutions with the same checker: a sanity check of
the instance conversion (they must come out feasible at their published cost).

Full default run: (22 PVRP + 6 Solomon) x (10 s + 60 s) x 2 solvers / 2 jobs, about 35 minutes; use
``--time-limit``, ``--sets``, ``--instances`` and ``--no-ortools`` for a subset.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import planner_instances as inst  # noqa: E402
from planner_baselines import naive_plan, ortools_plan  # noqa: E402
from planner_week import manual_plan, realistic_week  # noqa: E402

import planner  # noqa: E402


def _run(cmd: list[str], timeout: float) -> tuple[dict | None, float, str]:
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    try:
        proc = subprocess.run(cmd + ["-o", path], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            return None, wall, proc.stderr.strip().splitlines()[-1:][0] if proc.stderr.strip() else "failed"
        return json.loads(Path(path).read_text()), wall, ""
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t0, "timeout"
    finally:
        Path(path).unlink(missing_ok=True)


def run_ours(problem_path: str, time_limit: float, seed: int) -> tuple[dict | None, float, str]:
    cmd = [
        sys.executable,
        "-m",
        "planner",
        "solve",
        problem_path,
        "--time-limit",
        str(time_limit),
        "--seed",
        str(seed),
        "-q",
    ]
    return _run(cmd, time_limit * 2 + 60)


def run_ortools(problem_path: str, time_limit: float) -> tuple[dict | None, float, str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_ortools", problem_path, str(time_limit)]
    return _run(cmd, time_limit * 2 + 60)


def _ortools_child(problem_path: str, time_limit: str, out: str) -> None:
    problem = planner.parse_problem(json.loads(Path(problem_path).read_text()))
    Path(out).write_text(json.dumps(ortools_plan(problem, float(time_limit))))


class Row:
    def __init__(self, name: str, bks: float | None):
        self.name, self.bks = name, bks
        self.cells: dict[str, tuple[float | None, bool, int, float, str]] = {}

    def add(self, key: str, problem, solution: dict | None, wall: float, error: str = "") -> None:
        if solution is None:
            self.cells[key] = (None, False, 0, wall, error)
            return
        result = planner.check(problem, solution)
        self.cells[key] = (
            result.distance,
            result.feasible,
            len(solution.get("unassigned", [])),
            wall,
            "; ".join(result.violations[:2]),
        )

    def gap(self, key: str, feasible_only: bool = True) -> float | None:
        cost, ok, unassigned, _, _ = self.cells.get(key, (None, False, 0, 0, ""))
        if cost is None or unassigned or not self.bks or (feasible_only and not ok):
            return None
        return 100.0 * (cost - self.bks) / self.bks


COL = 22  # width of a solver column; headers and cells always keep at least one space between columns


def _fmt(row: Row, key: str) -> str:
    if key not in row.cells:
        return f"{'-':>{COL}}"
    cost, ok, unassigned, wall, _ = row.cells[key]
    if cost is None:
        return f"{'FAILED':>{COL}}"
    gap = row.gap(key, feasible_only=False)
    flag = "" if ok else " INF"
    flag += f" u{unassigned}" if unassigned else ""
    text = f"{cost:9.2f}" + (f" {gap:+6.2f}%" if gap is not None else "        ") + flag
    return f" {text:>{COL - 1}}"


def load_problems(args) -> list[tuple[str, dict, float | None]]:
    wanted = set(args.instances.split(",")) if args.instances else None
    sets = set(args.sets.split(","))
    out = []
    if "pvrp" in sets:
        bks = inst.cordeau_bks()
        out += [(n, inst.load_pvrp(n), bks[n]) for n in inst.PVRP_NAMES if not wanted or n in wanted]
    if "solomon" in sets:
        out += [
            (n, inst.read_solomon(p), b) for n, p, b in inst.solomon_instances() if not wanted or n in wanted
        ]
    return out


def bench_instances(args, time_limit: float, tmp: Path) -> None:
    problems = load_problems(args)
    if not problems:
        return
    rows, jobs = [], []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, raw, bks in problems:
            path = tmp / f"{name}.json"
            path.write_text(json.dumps(raw))
            row = Row(name, bks)
            rows.append((row, planner.parse_problem(raw)))
            jobs.append((row, "ours", pool.submit(run_ours, str(path), time_limit, args.seed)))
            if not args.no_ortools:
                jobs.append((row, "ortools", pool.submit(run_ortools, str(path), time_limit)))
        for row, problem in rows:
            t0 = time.perf_counter()
            row.add("naive", problem, naive_plan(problem), time.perf_counter() - t0)
            published = inst.cordeau_1997_solution(row.name) if row.name in inst.PVRP_NAMES else None
            if published is not None:
                row.add("cordeau97", problem, published, 0.0)
        for row, key, future in jobs:
            problem = next(p for r, p in rows if r is row)
            solution, wall, error = future.result()
            row.add(key, problem, solution, wall, error)
            print(
                f"  done {row.name} {key}: {_fmt(row, key).strip()} ({wall:.1f}s)",
                file=sys.stderr,
                flush=True,
            )
    _print_table([r for r, _ in rows], time_limit)


def _print_table(rows: list[Row], time_limit: float) -> None:
    keys = ["ours", "ortools", "naive"] + (["cordeau97"] if any("cordeau97" in r.cells for r in rows) else [])
    print(f"\n== time limit {time_limit:g} s ==")
    print(
        f"{'instance':<9}{'BKS':>10}" + "".join(f" {k + ' cost, gap':>{COL - 1}}" for k in keys) + f"{'ours s':>8}"
    )
    for row in rows:
        wall = row.cells.get("ours", (None, 0, 0, 0.0, ""))[3]
        print(f"{row.name:<9}{row.bks or 0:>10.2f}" + "".join(_fmt(row, k) for k in keys) + f"{wall:>8.1f}")
        for key in keys:
            note = row.cells.get(key, (None, True, 0, 0, ""))
            if note[4] and not note[1]:
                print(f"          {key}: {note[4]}")
    means = []
    for key in keys:
        gaps = [g for r in rows if (g := r.gap(key)) is not None]
        means.append(f"{sum(gaps) / len(gaps):+.2f}% ({len(gaps)}/{len(rows)})" if gaps else "n/a")
    print(f"{'mean gap':<19}" + "".join(f" {m:>{COL - 1}}" for m in means))
    print(
        "(gap = recomputed distance vs BKS, feasible solutions with nothing unassigned only; "
        "INF = infeasible, uN = N stops unassigned)"
    )


def bench_week(args, time_limit: float, tmp: Path) -> None:
    raw = realistic_week(seed=args.week_seed)
    problem = planner.parse_problem(raw)
    path = tmp / "week.json"
    path.write_text(json.dumps(raw))
    solution, wall, error = run_ours(str(path), time_limit, args.seed)
    manual = planner.check(problem, manual_plan(problem))
    print(
        f"\n== realistic manager week ({raw['name']}: {len(raw['stops'])} stores, {raw['days']} days, "
        f"haversine, time limit {time_limit:g} s) =="
    )
    print(
        f"manual plan (even spread, nearest neighbour): {manual.distance:8.1f} km, "
        f"{'feasible' if manual.feasible else 'INFEASIBLE'}"
    )
    if solution is None:
        print(f"planner FAILED: {error}")
        return
    ours = planner.check(problem, solution)
    shorter = 100.0 * (manual.distance - ours.distance) / manual.distance
    print(
        f"planner:                                      {ours.distance:8.1f} km, "
        f"{'feasible' if ours.feasible else 'INFEASIBLE: ' + '; '.join(ours.violations[:3])}, "
        f"{len(solution['unassigned'])} unassigned, {wall:.1f} s wall"
    )
    print(f"planner is {shorter:.1f} % shorter than the manual plan")
    print("visits per day: " + ", ".join(f"d{r['day']}:{len(r['stops'])}" for r in solution["routes"]))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--_ortools":
        _ortools_child(argv[1], argv[2], argv[4])
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--time-limit", default="10,60", help="seconds; comma-separated for several runs")
    parser.add_argument("--instances", default="", help="comma-separated names (p03,pr01,C101,week)")
    parser.add_argument("--sets", default="pvrp,solomon,week", help="any of pvrp,solomon,week")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--week-seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2, help="solver processes at once")
    parser.add_argument("--no-ortools", action="store_true", help="skip the OR-Tools peer")
    args = parser.parse_args(argv)
    limits = [float(t) for t in args.time_limit.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for time_limit in limits:
            bench_instances(args, time_limit, Path(tmp))
            if "week" in args.sets and (not args.instances or "week" in args.instances.split(",")):
                bench_week(args, time_limit, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
