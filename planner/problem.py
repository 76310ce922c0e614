"""Parse and validate the planner's problem JSON (see docs/planner-io.md).

Everything the solver and the checker need is normalised here once: defaults filled in, patterns turned
into sorted tuples of day numbers, coordinates into one list of points (index 0 is the depot, stop ``i``
is point ``i + 1``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

METRICS = ("euclidean", "haversine")


class ProblemError(ValueError):
    """An invalid problem; ``field`` names the offending JSON field (e.g. ``stops[3].window``)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class Stop:
    id: str
    point: tuple[float, float]  # (x, y) for euclidean, (lat, lon) for haversine
    service: float
    demand: float
    patterns: tuple[tuple[int, ...], ...]
    window: tuple[float, float] | None
    priority: float

    @property
    def frequency_options(self) -> set[int]:
        return {len(p) for p in self.patterns}

    @property
    def allowed_days(self) -> tuple[int, ...]:
        return tuple(sorted({d for p in self.patterns for d in p}))

    @property
    def is_flexible(self) -> bool:
        """A stop visited once on any one of its allowed days: the day choice is left to the router."""
        return all(len(p) == 1 for p in self.patterns)


@dataclass(frozen=True)
class Problem:
    name: str
    days: int
    metric: str
    depot: tuple[float, float]
    vehicles: int
    capacity: float | None
    max_route_duration: float | None
    day_start: float
    speed_kmh: float
    detour_factor: float
    stops: tuple[Stop, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def points(self) -> list[tuple[float, float]]:
        return [self.depot] + [s.point for s in self.stops]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(
    obj: dict,
    key: str,
    where: str,
    *,
    default: Any = None,
    minimum: float | None = None,
    positive: bool = False,
    integer: bool = False,
) -> Any:
    """Read an optional number, checking type and range; ``default`` when absent or null."""
    name = f"{where}{key}"
    if key not in obj or obj[key] is None:
        return default
    value = obj[key]
    if not _is_number(value):
        raise ProblemError(name, f"must be a finite number, got {value!r}")
    if integer and value != int(value):
        raise ProblemError(name, f"must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ProblemError(name, f"must be >= {minimum}, got {value!r}")
    if positive and value <= 0:
        raise ProblemError(name, f"must be > 0, got {value!r}")
    return int(value) if integer else float(value)


def _point(obj: Any, metric: str, where: str) -> tuple[float, float]:
    if not isinstance(obj, dict):
        raise ProblemError(where.rstrip("."), "must be an object with coordinates")
    keys = ("x", "y") if metric == "euclidean" else ("lat", "lon")
    for key in keys:
        if key not in obj or obj[key] is None:
            raise ProblemError(f"{where}{key}", f"is required for metric {metric!r}")
    a = _number(obj, keys[0], where)
    b = _number(obj, keys[1], where)
    if metric == "haversine":
        if not -90 <= a <= 90:
            raise ProblemError(f"{where}lat", f"must be within [-90, 90], got {a}")
        if not -180 <= b <= 180:
            raise ProblemError(f"{where}lon", f"must be within [-180, 180], got {b}")
    return (a, b)


def _patterns(raw: Any, days: int, where: str) -> tuple[tuple[int, ...], ...]:
    name = f"{where}patterns"
    if not isinstance(raw, list) or not raw:
        raise ProblemError(name, "must be a non-empty list of day lists")
    seen: set[tuple[int, ...]] = set()
    out = []
    for k, pattern in enumerate(raw):
        if not isinstance(pattern, list) or not pattern:
            raise ProblemError(f"{name}[{k}]", "must be a non-empty list of days")
        for day in pattern:
            if not isinstance(day, int) or isinstance(day, bool):
                raise ProblemError(f"{name}[{k}]", f"days must be integers, got {day!r}")
            if not 0 <= day < days:
                raise ProblemError(f"{name}[{k}]", f"day {day} outside 0..{days - 1}")
        if len(set(pattern)) != len(pattern):
            raise ProblemError(f"{name}[{k}]", "repeats a day")
        key = tuple(sorted(pattern))
        if key not in seen:  # duplicate patterns are harmless; keep the first
            seen.add(key)
            out.append(key)
    return tuple(out)


def _window(raw: Any, where: str) -> tuple[float, float] | None:
    name = f"{where}window"
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or len(raw) != 2 or not all(_is_number(v) for v in raw):
        raise ProblemError(name, "must be [earliest, latest] in minutes")
    early, late = float(raw[0]), float(raw[1])
    if early > late:
        raise ProblemError(name, f"earliest {early} is after latest {late}")
    return (early, late)


def _stop(raw: Any, k: int, days: int, metric: str, ids: set[str]) -> Stop:
    where = f"stops[{k}]."
    if not isinstance(raw, dict):
        raise ProblemError(f"stops[{k}]", "must be an object")
    sid = raw.get("id")
    if isinstance(sid, int) and not isinstance(sid, bool):
        sid = str(sid)
    if not isinstance(sid, str) or not sid:
        raise ProblemError(f"{where}id", "must be a non-empty string")
    if sid in ids:
        raise ProblemError(f"{where}id", f"duplicate id {sid!r}")
    ids.add(sid)
    if "patterns" not in raw:
        raise ProblemError(f"{where}patterns", "is required")
    return Stop(
        id=sid,
        point=_point(raw, metric, where),
        service=_number(raw, "service", where, default=0.0, minimum=0),
        demand=_number(raw, "demand", where, default=0.0, minimum=0),
        patterns=_patterns(raw["patterns"], days, where),
        window=_window(raw.get("window"), where),
        priority=_number(raw, "priority", where, default=0.0),
    )


def parse_problem(raw: Any) -> Problem:
    """Validate a problem dict and return the normalised :class:`Problem`; raise :class:`ProblemError`."""
    if not isinstance(raw, dict):
        raise ProblemError("problem", "must be a JSON object")
    name = raw.get("name") or ""
    if not isinstance(name, str):
        raise ProblemError("name", "must be a string")
    if "days" not in raw:
        raise ProblemError("days", "is required")
    days = _number(raw, "days", "", integer=True, positive=True)
    metric = raw.get("metric", "euclidean")
    if metric not in METRICS:
        raise ProblemError("metric", f"must be one of {', '.join(METRICS)}, got {metric!r}")
    if "depot" not in raw:
        raise ProblemError("depot", "is required")
    depot = _point(raw["depot"], metric, "depot.")
    stops_raw = raw.get("stops")
    if not isinstance(stops_raw, list):
        raise ProblemError("stops", "must be a list")
    ids: set[str] = set()
    stops = tuple(_stop(s, k, days, metric, ids) for k, s in enumerate(stops_raw))
    problem = Problem(
        name=name,
        days=days,
        metric=metric,
        depot=depot,
        vehicles=_number(raw, "vehicles", "", default=1, integer=True, positive=True),
        capacity=_number(raw, "capacity", "", minimum=0),
        max_route_duration=_number(raw, "max_route_duration", "", minimum=0),
        day_start=_number(raw, "day_start", "", default=0.0, minimum=0),
        speed_kmh=_number(raw, "speed_kmh", "", default=20.0, positive=True),
        detour_factor=_number(raw, "detour_factor", "", default=1.3, positive=True),
        stops=stops,
        raw=raw,
    )
    return problem
