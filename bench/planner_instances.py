"""Convert public benchmark instances to the planner's problem JSON (docs/planner-io.md).

* Cordeau PVRP files (``../shared/bench/pvrp_cordeau/instances``): ``type m n t``, t lines ``D Q``,
  then per node ``i x y d q f a c1..ca``; a pattern code is a t-bit number, leftmost bit = day 0.
  p01's dummy customer 51 (at the depot, a full vehicle's demand, day 0 only) is kept as a normal stop:
  it costs no distance and, as in the original instance, occupies one vehicle on day 0.
* Solomon VRPTW files (TSPLIB-like ``.vrptw``/``.vrp``): one day, ``VEHICLES`` routes, capacity, time
  windows, service time.  The depot's closing time is not part of the contract; in these instances every
  customer's latest start + service + return fits before it, so it is implied.
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared" / "bench").resolve()
if not SHARED.exists():
    SHARED = Path("/work/shared/bench")
CORDEAU = SHARED / "pvrp_cordeau"
SOLOMON = SHARED / "solomon"
PVRP_NAMES = [f"p{i:02d}" for i in range(1, 13)] + [f"pr{i:02d}" for i in range(1, 11)]


def _pattern(code: int, days: int) -> list[int]:
    return [d for d in range(days) if code >> (days - 1 - d) & 1]


def read_cordeau(path: Path) -> dict:
    tokens = path.read_text().split()
    pos = 0

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    kind, m, n, t = (int(take()) for _ in range(4))
    if kind != 1:
        raise ValueError(f"{path.name}: type {kind} is not a PVRP")
    limits = [(float(take()), float(take())) for _ in range(t)]
    nodes = []
    for _ in range(n + 1):
        i, x, y, d, q = int(take()), float(take()), float(take()), float(take()), float(take())
        f, a = int(take()), int(take())
        codes = [int(take()) for _ in range(a)]
        nodes.append((i, x, y, d, q, f, codes))
    max_dur, cap = limits[0]
    depot = nodes[0]
    problem = {
        "name": path.name,
        "days": t,
        "metric": "euclidean",
        "depot": {"x": depot[1], "y": depot[2]},
        "vehicles": m,
        "capacity": cap,
        "stops": [],
    }
    if max_dur > 0:
        problem["max_route_duration"] = max_dur
    for i, x, y, d, q, _f, codes in nodes[1:]:
        problem["stops"].append(
            {
                "id": str(i),
                "x": x,
                "y": y,
                "service": d,
                "demand": q,
                "patterns": [_pattern(c, t) for c in codes],
            }
        )
    return problem


def cordeau_bks() -> dict[str, float]:
    with open(CORDEAU / "BKS.csv") as fh:
        return {row["instance"]: float(row["bks_per_azadsalam_BKS.csv"]) for row in csv.DictReader(fh)}


def load_pvrp(name: str) -> dict:
    return read_cordeau(CORDEAU / "instances" / name)


def read_solomon(path: Path) -> dict:
    sections: dict[str, list[list[str]]] = {}
    header: dict[str, str] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            current = line
            sections[current] = []
        elif ":" in line and current is None:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
        elif current is not None:
            sections[current].append(line.split())
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
    demand = {int(r[0]): float(r[1]) for r in sections["DEMAND_SECTION"]}
    windows = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["TIME_WINDOW_SECTION"]}
    depot = int(sections["DEPOT_SECTION"][0][0])
    service = float(header.get("SERVICE_TIME", 0))
    stops = [
        {
            "id": str(i),
            "x": coords[i][0],
            "y": coords[i][1],
            "service": service,
            "demand": demand[i],
            "patterns": [[0]],
            "window": list(windows[i]),
        }
        for i in sorted(coords)
        if i != depot
    ]
    return {
        "name": header.get("NAME", path.stem),
        "days": 1,
        "metric": "euclidean",
        "depot": {"x": coords[depot][0], "y": coords[depot][1]},
        "vehicles": int(header["VEHICLES"]),
        "capacity": float(header["CAPACITY"]),
        "day_start": windows[depot][0],
        "stops": stops,
    }


def solomon_instances() -> list[tuple[str, Path, float]]:
    """(label, file, BKS) for the double-precision, fleet-fixed (hierarchical) variant."""
    out = []
    with open(SOLOMON / "BKS.csv") as fh:
        for row in csv.DictReader(fh):
            if row["rounding"].startswith("EXACT"):
                files = sorted((SOLOMON / "solomon_100_hierarchical").glob(f"{row['instance']}.*.vrptw"))
                if files:
                    out.append((row["instance"], files[0], float(row["bks_cost"])))
    return out


def cordeau_1997_solution(name: str) -> dict | None:
    """Cordeau's published 1997 solution as contract JSON (a sanity check of the conversion)."""
    path = CORDEAU / "solutions_cordeau1997" / f"{name}.res"
    if not path.exists():
        return None
    routes = []
    for line in path.read_text().splitlines()[1:]:
        tokens = line.split()
        if len(tokens) < 5:
            continue
        # day vehicle duration load 0 c1 ... 0 (pr files may add start times, written with a decimal point)
        ids = [t for t in tokens[4:] if t != "0" and "." not in t]
        routes.append({"day": int(tokens[0]) - 1, "stops": ids})
    return {"routes": routes, "unassigned": []}
