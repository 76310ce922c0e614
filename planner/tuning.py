"""The solver's tuning: how it shares its time budget between phases, and when it goes parallel or fast.

One frozen `SolverSettings` is passed into `planner.solve` (default: `SolverSettings()`); nothing of it is
module state, so concurrent solves in one process (planning threads of a web process) cannot disturb each
other. The values were measured on the bench instances (see planner/README.md); change them with
`dataclasses.replace(SolverSettings(), ...)` when measuring.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SolverSettings:
    # Share of the budget for the first whole-horizon PyVRP run when multi-day stops exist; the rest goes to
    # pattern-search rounds, each re-optimised by a short warm-started PyVRP run of round_seconds per
    # round_visits visits (bounded below and above).
    first_share: float = 0.15
    round_seconds: float = 0.5
    round_visits: int = 100
    round_min: float = 0.3
    round_max: float = 3.0
    pi_share: float = 0.5  # pattern step (tabu walk) of a round: at most this share of the time left ...
    pi_rounds: float = 1.5  # ... and at first this many times the PyVRP round time, then by relative success:
    pi_min_rounds: float = 0.25
    pi_max_rounds: float = 2.0
    # Above this many visits routing, not the pattern choice, is the bottleneck: the tabu walk re-optimises
    # the routes every tabu_polish_big moves instead of tabu_polish_small, its time starts at pi_min_rounds
    # and follows its success with no floor (up to it: at least tabu_min_rounds).
    big_visits: int = 300
    tabu_polish_small: int = 5
    tabu_polish_big: int = 20
    tabu_moves_deterministic: int = 25  # reproducible mode: tabu moves per round
    repair_share: float = 0.1  # share of the time left for a tabu repair of an infeasible first routing
    pre_tabu_share: float = 0.05  # ... and for a tabu walk on the projected patterns before the first routing
    tabu_min_rounds: float = 1.0  # the tabu walk gets at least this many times the PyVRP round time
    cheap_rounds: float = 0.25  # cheap pattern descent: at most this many times the PyVRP round time ...
    cheap_passes_deterministic: int = 3  # ... or passes over the multi-day stops in reproducible mode
    share_at: tuple[float, ...] = (0.45, 0.7)  # two workers exchange best plans at these shares of the time
    stall_rounds: int = 3  # rounds without a new best before a fresh relaxed start ...
    restart_room: float = 2.0  # ... if at least this many times its cost in time is left
    restart_share: float = 0.05  # share of the budget for the relaxed PyVRP run of a fresh start
    perturb_min: int = 2  # random pattern changes when a round brings no new best
    perturb_max: int = 8
    rounds_deterministic: int = 10  # reproducible (max_iterations) mode: rounds
    max_workers: int = 2  # parallel independent searches (processes), one per core
    parallel_min_seconds: float = 2.0
    parallel_min_visits: int = 30
    # Above this many visits per second of budget, PyVRP's "fast" ILS settings. Measured: 12 (the old value)
    # put pr03-pr09 at 20 s in fast mode; PyVRP's defaults there gave 20 s PVRP runs of +1.16 % instead of
    # +1.39 % (same day); pr10 (864 visits, 43 a second) is still better fast (+3.1/+3.4 % vs +3.7/+4.6 %).
    fast_visits_per_second: float = 40
    relaxed_share: float = 0.1  # share of a worker's budget for the relaxed start (initial patterns) ...
    project_tries: int = 8  # ... projected in up to this many stop orders ...
    project_share: float = 0.1  # ... within this share of it
