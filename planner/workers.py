"""Parallel searches: the same search in several processes with different seeds, best plans exchanged.

- `default_workers(problem, time_limit, settings)`: one per core up to `settings.max_workers`, one for
  small or very short runs.
- `run_workers(search, workers, seed, deadline, max_iterations)`: worker 0 runs `search` here, the others
  in forked processes that send their plan back through a pipe; returns every plan that came back.
- `Share`: the exchange of best plans between exactly two workers.

`search(seed, share, main)` is called once per worker; all its state is its own (a forked process has a copy of
everything, the in-process worker only what it creates), so nothing here is shared between the planning
threads of one web process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from typing import Any

from planner.problem import Problem
from planner.routes import Plan
from planner.tuning import SolverSettings

# search(seed, share, main): `main` is False in a forked worker (which stays quiet)
Search = Callable[[int, "Share | None", bool], Plan]


def default_workers(problem: Problem, time_limit: float, settings: SolverSettings) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    visits = sum(len(s.patterns[0]) for s in problem.stops)
    if time_limit < settings.parallel_min_seconds or visits < settings.parallel_min_visits:
        return 1
    return max(1, min(settings.max_workers, cores))


def worker_seed(seed: int, k: int) -> int:
    return seed if k == 0 else seed * 7919 + 104729 * k


class Share:
    """Exchange of best plans between the two workers (Vidal-style sharing of good pattern sets).

    At fixed points of the pattern search each worker offers its best plan and adopts the peer's if it
    is shorter.  With a time limit only the exchange is non-blocking (a plan offered by the peer is
    picked up at the next round boundary); in reproducible mode both workers meet at the same round
    and wait for each other, so the result stays deterministic."""

    def __init__(self, outbox, inbox, blocking: bool):
        self.outbox, self.inbox, self.blocking = outbox, inbox, blocking
        self.outbox.cancel_join_thread()  # never block exit on an unread plan

    def offer(self, plan: Plan, distance: float) -> None:
        try:
            self.outbox.put((distance, plan))
        except (OSError, ValueError):
            pass

    def take(self, timeout: float) -> tuple[float, Plan] | None:
        """The newest plan the peer offered (waiting up to ``timeout`` in blocking mode), else None."""
        got = None
        try:
            if self.blocking:
                got = self.inbox.get(timeout=max(0.01, timeout))
            while not self.inbox.empty():
                got = self.inbox.get_nowait()
        except (OSError, ValueError, EOFError, queue.Empty):
            pass
        return got


def run_workers(search: Search, workers: int, seed: int, deadline: float, max_iterations: int | None) -> list[Plan]:
    """Worker 0 runs here; the others in forked processes that report their plan through a pipe."""
    if workers <= 1:
        return [search(seed, None, True)]
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: stay single-process
        return [search(seed, None, True)]
    blocking = max_iterations is not None
    procs = []
    share: tuple[Any, Any] | None = None
    for k in range(1, workers):
        recv, send = ctx.Pipe(duplex=False)
        child_share = None
        if workers == 2:  # best plans are exchanged between exactly two workers
            to_child, to_main = ctx.Queue(), ctx.Queue()
            child_share = (to_main, to_child)
            share = (to_child, to_main)
        proc = ctx.Process(target=_child, args=(search, worker_seed(seed, k), send, child_share, blocking),
                           daemon=True)
        proc.start()
        send.close()
        procs.append((proc, recv))
    plans = [search(seed, Share(*share, blocking=blocking) if share is not None else None, True)]
    for proc, recv in procs:
        wait = max(0.5, deadline - time.perf_counter() + 1.0) if max_iterations is None else None
        try:
            if recv.poll(wait):
                plans.append(recv.recv())
        except (EOFError, OSError):
            pass  # the worker died: keep what the others found
        proc.join(timeout=0.5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    return plans


def _child(search: Search, seed: int, conn, share: tuple[Any, Any] | None, blocking: bool) -> None:
    try:
        conn.send(search(seed, Share(*share, blocking=blocking) if share is not None else None, False))
    finally:
        conn.close()
