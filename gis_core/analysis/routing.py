"""Routes from town names: consecutive --via towns joined along conflict.roads, or by straight lines.

The network is small (national roads, schematic through towns): a Dijkstra in Python over the
edges read once is simpler than pgRouting and needs no extension. Roads join where they share an
exact endpoint; a town is attached to the nearest road endpoint within SNAP_M metres. Where no road
connects two consecutive towns, the leg is a straight geodesic line and the route says so.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
import shapely
from shapely.geometry import LineString, shape

from gis_core import places, queries
from gis_core.crs import GEOD
from gis_core.errors import UsageError

SNAP_M = 5_000.0          # a town joins the network at a road endpoint at most this far away
STRAIGHT_STEP_M = 5_000.0  # straight legs are densified along the geodesic every 5 km


@dataclass
class Route:
    line: LineString
    legs: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _key(x: float, y: float) -> tuple[float, float]:
    return (round(x, 7), round(y, 7))


def _network(conn: psycopg.Connection):
    graph: dict[tuple, list[tuple[float, tuple, int]]] = {}
    edges: dict[int, tuple[np.ndarray, bool, str]] = {}
    for rid, schematic, name, wkb, length_m in conn.execute(queries.get("routing/road_edges")):
        coords = np.asarray(shapely.from_wkb(wkb).coords)[:, :2]
        a, b = _key(*coords[0]), _key(*coords[-1])
        edges[rid] = (coords, bool(schematic), name)
        graph.setdefault(a, []).append((length_m, b, rid))
        graph.setdefault(b, []).append((length_m, a, rid))
    return graph, edges


def _nearest_node(graph, lon: float, lat: float) -> tuple | None:
    if not graph:
        return None
    nodes = list(graph)
    arr = np.array(nodes)
    _, _, d = GEOD.inv(np.full(len(arr), lon), np.full(len(arr), lat), arr[:, 0], arr[:, 1])
    i = int(np.argmin(d))
    return nodes[i] if d[i] <= SNAP_M else None


def _dijkstra(graph, start, goal):
    dist = {start: 0.0}
    prev: dict = {}
    heap = [(0.0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == goal:
            break
        if d > dist.get(u, float("inf")):
            continue
        for w, v, rid in graph.get(u, ()):
            nd = d + w
            if nd < dist.get(v, float("inf")):
                dist[v] = nd
                prev[v] = (u, rid)
                heapq.heappush(heap, (nd, v))
    if goal not in dist:
        return None
    path = []
    node = goal
    while node != start:
        u, rid = prev[node]
        path.append((u, node, rid))
        node = u
    return list(reversed(path))


def _straight(a: places.Place, b: places.Place) -> np.ndarray:
    _, _, dist = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    n = max(int(dist // STRAIGHT_STEP_M), 0)
    mid = GEOD.npts(a.lon, a.lat, b.lon, b.lat, n) if n else []
    return np.array([(a.lon, a.lat), *mid, (b.lon, b.lat)])


def route_from_via(conn: psycopg.Connection, names: list[str]) -> Route:
    """The route through the named towns, in order (at least two)."""
    names = [n.strip() for n in names if n.strip()]
    if len(names) < 2:
        raise UsageError(f"--via needs at least two towns separated by commas; got {names!r}")
    towns = [places.resolve(conn, n) for n in names]
    graph, edges = _network(conn)
    parts: list[np.ndarray] = []
    legs: list[dict] = []
    notes: list[str] = []
    for a, b in zip(towns[:-1], towns[1:]):
        na, nb = _nearest_node(graph, a.lon, a.lat), _nearest_node(graph, b.lon, b.lat)
        path = _dijkstra(graph, na, nb) if na and nb else None
        if path:
            coords = [np.array([(a.lon, a.lat)])]
            schematic = False
            for u, v, rid in path:
                c, sch, _ = edges[rid]
                schematic |= sch
                coords.append(c if _key(*c[0]) == u else c[::-1])
            coords.append(np.array([(b.lon, b.lat)]))
            leg = np.vstack(coords)
            mode = "schematic road" if schematic else "road"
        else:
            leg = _straight(a, b)
            mode = "straight line"
        keep = np.ones(len(leg), bool)
        keep[1:] = np.any(np.abs(np.diff(leg, axis=0)) > 1e-9, axis=1)
        leg = leg[keep]
        legs.append({"from": a.name, "to": b.name, "mode": mode,
                     "length_km": round(float(GEOD.line_length(leg[:, 0], leg[:, 1])) / 1000, 1)})
        if mode == "straight line":
            notes.append(f"{a.name} -> {b.name}: straight line (no road in conflict.roads connects them)")
        elif mode == "schematic road":
            notes.append(f"{a.name} -> {b.name}: schematic road (digitised through towns, not surveyed)")
        parts.append(leg if not parts else leg[1:])
    return Route(LineString(np.vstack(parts)), legs, notes)


def route_from_file(path: str | Path) -> Route:
    """A route read from a GeoJSON file holding one LineString (bare, a Feature, or a one-feature collection)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{p}: no such route file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{p}: not a GeoJSON file ({exc})") from None
    geom = doc
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
        if len(feats) != 1:
            raise UsageError(f"{p}: expected one LineString feature; the FeatureCollection has {len(feats)} features")
        geom = feats[0].get("geometry")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        geom = doc.get("geometry")
    gtype = geom.get("type") if isinstance(geom, dict) else None
    if gtype != "LineString":
        raise UsageError(f"{p}: the route must be a GeoJSON LineString (lon, lat in EPSG:4326); got {gtype or 'no geometry'}")
    try:
        line = shape(geom)
    except Exception as exc:  # shapely raises several types on malformed coordinates
        raise UsageError(f"{p}: the LineString's coordinates are not valid ({exc})") from None
    coords = np.asarray(line.coords)
    if len(coords) < 2 or np.any(np.abs(coords[:, 0]) > 180) or np.any(np.abs(coords[:, 1]) > 90):
        raise UsageError(f"{p}: the LineString needs at least two (lon, lat) positions within -180..180, -90..90")
    return Route(LineString(coords[:, :2]), [{"from": "start", "to": "end", "mode": "file"}], [f"route read from {p.name}"])
