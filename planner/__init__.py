"""FieldCRM periodic route planner (standalone; imports nothing from Django).

``planner.solve(problem_dict, time_limit, seed, settings=SolverSettings()) -> solution_dict`` and
``planner.check(problem, solution) -> CheckResult(violations, distance)``; the JSON contract is in
``docs/planner-io.md`` and the method in ``planner/README.md``.  Command line: ``python -m planner``.
"""

from planner.check import CheckResult, check
from planner.problem import Problem, ProblemError, parse_problem
from planner.solver import solve
from planner.tuning import SolverSettings

__all__ = ["CheckResult", "Problem", "ProblemError", "SolverSettings", "check", "parse_problem", "solve"]
