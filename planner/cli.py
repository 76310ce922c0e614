"""``python -m planner solve PROBLEM.json --time-limit S [--seed N] [--max-iterations N] [-o OUT]``
and ``python -m planner check PROBLEM.json SOLUTION.json``."""

from __future__ import annotations

import argparse
import json
import sys

from planner.check import check
from planner.problem import ProblemError, parse_problem
from planner.solver import solve

EXIT_INVALID = 2


def _load(path: str, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise ProblemError(what, f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ProblemError(what, f"{path} is not valid JSON: {exc}") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planner", description="FieldCRM periodic route planner")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="plan routes for a problem JSON")
    s.add_argument("problem")
    s.add_argument("--time-limit", type=float, required=True, help="seconds")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument(
        "--max-iterations",
        type=int,
        default=None,
        help="stop PyVRP on iterations instead of time (reproducible runs; time limit still caps)",
    )
    s.add_argument("-o", "--output", help="write the solution here instead of stdout")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    c = sub.add_parser("check", help="check a solution against a problem")
    c.add_argument("problem")
    c.add_argument("solution")
    return parser


def _solve(args) -> int:
    if args.time_limit <= 0:
        print("error: --time-limit must be positive", file=sys.stderr)
        return EXIT_INVALID
    problem = parse_problem(_load(args.problem, "problem"))
    solution = solve(problem, args.time_limit, args.seed, args.max_iterations, quiet=args.quiet)
    text = json.dumps(solution, indent=1)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0


def _check(args) -> int:
    problem = parse_problem(_load(args.problem, "problem"))
    result = check(problem, _load(args.solution, "solution"))
    for v in result.violations:
        print(v)
    print(f"distance {result.distance:.6f}; {'feasible' if result.feasible else 'INFEASIBLE'}")
    return 0 if result.feasible else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _solve(args) if args.command == "solve" else _check(args)
    except ProblemError as exc:
        print(f"invalid problem: {exc}", file=sys.stderr)
        return EXIT_INVALID
