"""Route exposure: a per-segment risk profile of a route, from the events, corridors and zones near it.

The model (every formula, default and threshold) is in ``docs/risk-model.md``; its numbers live in
``gis_core.analysis.risk_model``. In short, for a segment s and an event e inside the window::

    contribution(e, s) = event_weight(type, fatalities) * 0.5 ** (age / half_life)
                         * distance_weight(distance(e, s) - uncertainty(e), buffer)

How it is fast (1 M events, 1,000 km route, 100 segments; design and numbers in docs/risk-model.md): events
carry a grid key (0.05 degree cell) and a kernel code (type and location precision), and two covering indexes
on (cell, event_date) include every column the model needs; the second holds only uncertain locations.

- A plan per route, cached (``route_plan``): the pieces, each piece's tangent plane (origin, metres per degree,
  sub-segments), its boxes grown by buffer + each uncertainty class, and the cells: those whose rectangle comes
  within buffer of a piece (every event may count there), within buffer + the second largest uncertainty (only
  uncertain locations) or within buffer + the largest one (only the codes that have it), in sections along the
  route.
- The database answers each section with index-only scans (each cell by equality, so only the window's dates are
  read) aggregated into one row of four arrays, loaded straight into numpy (no Python object per event). A second
  thread sends the queries while this one runs the kernel on the sections already received.
- The kernel computes every (segment, event) pair in numpy at once: per uncertainty class, events sorted by
  longitude, a piece's candidates are one slice; distances in the piece's tangent plane with the ellipsoid's
  radii there (error below 0.1 % within 35 km); the top events from a few candidates per segment.

Example
-------
>>> from shapely import LineString                                          # doctest: +SKIP
>>> profile = route_profile(conn, LineString([(-8.0, 12.65), (-6.27, 13.45)]))  # doctest: +SKIP
>>> profile.summary["level"], profile.to_geojson()["summary"]["distinct_events"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import queue
import struct
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg.adapt import Dumper, Loader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format
from shapely.geometry import LineString, mapping

from gis_core import queries
from gis_core.analysis import risk_model as rm
from gis_core.crs import GEOD

CELL_DEG = 0.05          # must match conflict.cell_of() in migration 0030
CELL_ROW_FACTOR = 10000
# Type codes of conflict.exposure_code() (migration 0030): code = position in this tuple + 1; 0 is any other type.
TYPE_CODES = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Riots", "Protests",
              "Strategic developments")
_A = 6378137.0           # WGS 84
_E2 = 6.69437999014e-3


def cell_of(lon: np.ndarray | float, lat: np.ndarray | float):
    """The grid key of (lon, lat), as conflict.cell_of() computes it."""
    row = np.floor((np.asarray(lat) + 90.0) / CELL_DEG).astype(np.int64)
    col = np.floor((np.asarray(lon) + 180.0) / CELL_DEG).astype(np.int64)
    return row * CELL_ROW_FACTOR + col


def _radii(lat_deg: float) -> tuple[float, float]:
    """Metres per radian: (east-west along the parallel, north-south along the meridian) at lat_deg."""
    phi = math.radians(lat_deg)
    s2 = math.sin(phi) ** 2
    n = _A / math.sqrt(1 - _E2 * s2)
    m = _A * (1 - _E2) / (1 - _E2 * s2) ** 1.5
    return n * math.cos(phi), m


def point_polyline_distance_m(lons: np.ndarray, lats: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distances in metres from points to a short polyline (N x 2 lon/lat), in its local tangent plane."""
    lon0 = float(line[:, 0].mean())
    lat0 = float(line[:, 1].mean())
    kx, ky = _radii(lat0)
    kx, ky = math.radians(1) * kx, math.radians(1) * ky
    px = (lons - lon0) * kx
    py = (lats - lat0) * ky
    vx = (line[:, 0] - lon0) * kx
    vy = (line[:, 1] - lat0) * ky
    best = np.full(px.shape, np.inf)                       # squared distances; one square root at the end
    for i in range(len(line) - 1):
        ax, ay, bx, by = vx[i], vy[i], vx[i + 1], vy[i + 1]
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        qx, qy = px - ax, py - ay
        t = np.zeros_like(px) if ll == 0 else np.clip((qx * dx + qy * dy) / ll, 0.0, 1.0)
        ex, ey = qx - t * dx, qy - t * dy
        np.minimum(best, ex * ex + ey * ey, out=best)
    return np.sqrt(best)


def split_route(line: LineString, segment_m: float) -> list[np.ndarray]:
    """Cut a lon/lat LineString into consecutive pieces of ``segment_m`` geodesic metres (the last shorter)."""
    coords = np.asarray(line.coords, dtype=float)[:, :2]
    pieces: list[np.ndarray] = []
    current = [coords[0]]
    room = segment_m
    for a, b in zip(coords[:-1], coords[1:]):
        az, _, length = GEOD.inv(a[0], a[1], b[0], b[1])
        start = a
        while length > room + 1e-6:
            lon, lat, back = GEOD.fwd(start[0], start[1], az, room)
            cut = np.array([lon, lat])
            current.append(cut)
            pieces.append(np.array(current))
            current = [cut]
            length -= room
            az = (back + 180.0) % 360.0
            start = cut
            room = segment_m
        current.append(b)
        room -= length
    if len(current) > 1 and (len(pieces) == 0 or room < segment_m - 1e-6):
        pieces.append(np.array(current))
    return pieces


@dataclass
class Contribution:
    event_id: int
    event_date: str
    event_type: str
    fatalities: int
    distance_m: float
    uncertainty_m: float
    age_days: int
    weight: float
    decay: float
    distance_weight: float
    contribution: float
    sub_event_type: str | None = None
    location: str | None = None
    actors: str | None = None


@dataclass
class Crossing:
    what: str                 # 'corridor' or 'zone'
    id: int
    name: str
    kind: str
    status: str | None
    restrictions: str | None
    controllers: str | None
    hostile: bool
    valid_from: str
    valid_to: str | None
    floor: str | None         # the level this crossing sets as the segment's minimum, if any


@dataclass
class Segment:
    index: int
    start_m: float
    length_m: float
    coords: list[tuple[float, float]]
    score: float = 0.0
    score_per_100km: float = 0.0
    event_level: str = "low"
    floor: str | None = None
    level: str = "low"
    events: int = 0
    fatalities: int = 0
    top_events: list[Contribution] = field(default_factory=list)
    crossings: list[Crossing] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Profile:
    segments: list[Segment]
    summary: dict[str, Any]
    params: rm.Params
    notes: list[str] = field(default_factory=list)

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection of the segments (LineStrings) with the route summary in a top-level ``summary``."""
        feats = []
        for s in self.segments:
            props = {k: v for k, v in asdict(s).items() if k != "coords"}
            props["score"] = round(s.score, 4)
            props["score_per_100km"] = round(s.score_per_100km, 3)
            props["start_km"] = round(s.start_m / 1000, 3)
            props["length_km"] = round(s.length_m / 1000, 3)
            feats.append({"type": "Feature", "id": s.index,
                          "geometry": mapping(LineString(s.coords)), "properties": props})
        return {"type": "FeatureCollection", "features": feats, "summary": self.summary}

    def to_geodataframe(self):
        """The segments as a GeoDataFrame (EPSG:4326), one row per segment."""
        import geopandas as gpd

        rows = []
        for s in self.segments:
            rows.append({"index": s.index, "start_km": s.start_m / 1000, "length_km": s.length_m / 1000,
                         "score": s.score, "score_per_100km": s.score_per_100km, "level": s.level,
                         "event_level": s.event_level, "floor": s.floor, "events": s.events,
                         "fatalities": s.fatalities,
                         "top_events": "; ".join(f"#{c.event_id} {c.event_type} {c.distance_m:.0f} m" for c in s.top_events),
                         "crossings": "; ".join(f"{c.what} {c.name}" for c in s.crossings),
                         "geometry": LineString(s.coords)})
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def _piece_boxes(coords: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per piece, its bounding box (lon0, lat0, lon1, lat1) in degrees."""
    return np.column_stack([np.minimum.reduceat(coords[:, 0], starts), np.minimum.reduceat(coords[:, 1], starts),
                            np.maximum.reduceat(coords[:, 0], starts), np.maximum.reduceat(coords[:, 1], starts)])


def _degrees_per_m(box: np.ndarray, reach_m: float) -> tuple[np.ndarray, float]:
    """Degrees of longitude (per piece) and of latitude per metre, conservative for any distance up to reach_m.

    Degrees of longitude are converted at the piece's highest |latitude| plus the reach (where they are shortest),
    degrees of latitude at the equator (where they are shortest), and 1 % is added. A point farther than the box
    grown by r metres this way is more than r metres away, geodesically and in the kernel's tangent planes (whose
    scales are those of the piece's own latitude, never smaller).
    """
    lat_hi = np.minimum(np.maximum(np.abs(box[:, 1]), np.abs(box[:, 3])) + reach_m / 100_000.0, 89.0)
    phi = np.radians(lat_hi)
    kx = _A / np.sqrt(1 - _E2 * np.sin(phi) ** 2) * np.cos(phi)     # metres per radian along the parallel
    _, ky = _radii(0.0)                                                # a degree of latitude is shortest at the equator
    return 1.01 / (math.radians(1) * kx), 1.01 / (math.radians(1) * ky)


def _grown(box: np.ndarray, reach_m: float) -> np.ndarray:
    """The boxes (lon0, lat0, lon1, lat1 rows) grown by reach_m metres, in degrees (see _degrees_per_m)."""
    dlon_m, dlat_m = _degrees_per_m(box, reach_m)
    dlon, dlat = reach_m * dlon_m, reach_m * dlat_m
    return np.column_stack([box[:, 0] - dlon, box[:, 1] - dlat, box[:, 2] + dlon, box[:, 3] + dlat])


def _pg_int_array(values: np.ndarray) -> str:
    """An integer array as a PostgreSQL array literal (much faster to send than a list of Python ints)."""
    return "{" + ",".join(map(str, values.tolist())) + "}"


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, s + c) for each (s, c), without a Python loop."""
    counts = np.asarray(counts, np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(counts)
    return np.repeat(np.asarray(starts, np.int64) - (ends - counts), counts) + np.arange(total)


def _box_cells(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grid cells covering each box (lon0, lat0, lon1, lat1 rows): (cell keys, index of the box) pairs."""
    r0 = np.floor((boxes[:, 1] + 90.0) / CELL_DEG).astype(np.int64)
    r1 = np.floor((boxes[:, 3] + 90.0) / CELL_DEG).astype(np.int64)
    c0 = np.floor((boxes[:, 0] + 180.0) / CELL_DEG).astype(np.int64)
    c1 = np.floor((boxes[:, 2] + 180.0) / CELL_DEG).astype(np.int64)
    nr, nc = r1 - r0 + 1, c1 - c0 + 1
    box = np.repeat(np.arange(len(boxes)), nr * nc)
    k = _ranges(np.zeros(len(boxes), np.int64), nr * nc)           # position inside the box's block of cells
    rows = r0[box] + k // nc[box]
    cols = c0[box] + k % nc[box]
    return rows * CELL_ROW_FACTOR + cols, box


class _NumpyArrayLoader(Loader):
    """Loads a binary one-dimensional PostgreSQL array without NULLs straight into numpy (no Python objects)."""

    format = Format.BINARY
    dtype = np.dtype(">f8")

    def load(self, data) -> np.ndarray:
        buf = memoryview(data)
        ndim, has_null = struct.unpack_from(">ii", buf, 0)
        native = self.dtype.newbyteorder("=")
        if ndim == 0:
            return np.zeros(0, native)
        if ndim != 1 or has_null:
            raise ValueError("expected a one-dimensional array without NULLs")
        (n,) = struct.unpack_from(">i", buf, 12)
        rec = np.frombuffer(buf, np.dtype([("len", ">i4"), ("v", self.dtype)]), count=n, offset=20)
        return rec["v"].astype(native)


_ARRAY_DTYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8"}


def _numpy_cursor(conn: psycopg.Connection) -> psycopg.Cursor:
    """A binary cursor that returns int2/int4/int8/float8 arrays as numpy arrays."""
    cur = conn.cursor(binary=True)
    for name, dt in _ARRAY_DTYPES.items():
        loader = type(f"{name.capitalize()}ArrayNumpyLoader", (_NumpyArrayLoader,), {"dtype": np.dtype(dt)})
        cur.adapters.register_loader(pg_types[name].array_oid, loader)
    return cur


class _Int4Array:
    """An int32 numpy array to send as a binary PostgreSQL integer[] (one buffer, no Python int per element)."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray):
        self.values = np.asarray(values)


class _Int4ArrayDumper(Dumper):
    format = Format.BINARY
    oid = pg_types["int4"].array_oid

    def dump(self, obj: _Int4Array) -> bytes:
        v = obj.values
        int4 = pg_types["int4"].oid
        if len(v) == 0:
            return struct.pack(">iii", 0, 0, int4)
        body = np.empty(len(v), np.dtype([("len", ">i4"), ("v", ">i4")]))
        body["len"] = 4
        body["v"] = v
        return struct.pack(">iiiii", 1, 0, int4, len(v), 1) + body.tobytes()


def _code_tables() -> tuple[np.ndarray, np.ndarray]:
    """Look-up tables of conflict.exposure_code(): type weight by type code, uncertainty (m) by location code."""
    tw = np.full(100, rm.DEFAULT_TYPE_WEIGHT)
    for i, t in enumerate(TYPE_CODES, start=1):
        tw[i] = rm.TYPE_WEIGHTS.get(t, rm.DEFAULT_TYPE_WEIGHT)
    unc = np.full(100, float("nan"))                       # NaN: never counted
    for g in range(10):                                    # ACLED geo_precision
        unc[g] = rm.uncertainty_m(g, None)
    for w in range(1, 8):                                  # 10 + UCDP where_prec
        u = rm.uncertainty_m(1, w)
        unc[10 + w] = float("nan") if u is None else u
    return tw, unc


def _uncertainty_classes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct finite uncertainties (m, ascending; 0 first) and the location codes the two outer rings read.

    mid ring: every code with a positive uncertainty; outer ring (beyond buffer + the second largest
    uncertainty): only the codes with the largest one.
    """
    _, unc = _code_tables()
    finite = unc[~np.isnan(unc)]
    classes = np.unique(np.concatenate([[0.0], finite]))
    pos = np.flatnonzero(~np.isnan(unc) & (np.nan_to_num(unc) > 0)).astype(np.int16)
    top = np.flatnonzero(~np.isnan(unc) & (np.nan_to_num(unc) == classes[-1]) & (np.nan_to_num(unc) > 0))
    return classes, pos, top.astype(np.int16)


# The candidates are fetched section by section (consecutive runs of pieces, ~CELLS_PER_SECTION cells each, at most
# MAX_SECTIONS): a thread runs the queries while the kernel works on the sections already received, so the server
# (one CPU) and the kernel (the other) work at the same time.
CELLS_PER_SECTION = 600
MAX_SECTIONS = 4


@dataclass(frozen=True, eq=False)
class RoutePlan:
    """What a profile needs that does not depend on the events: pieces, their metric frames, boxes and cells.

    Built once per (route, segment length, buffer) and cached (``route_plan``); its arrays are read-only.
    """

    pieces: tuple[np.ndarray, ...]
    coords: tuple[tuple[tuple[float, float], ...], ...]   # per piece, its vertices as (lon, lat) tuples
    length_m: np.ndarray                                   # per piece, geodesic length
    start_m: np.ndarray                                    # per piece, distance along the route to its start
    wkbs: tuple[bytes, ...]                                # per piece, WKB LineString (crossings query)
    frame: np.ndarray                                      # (4, S): tangent-plane origin (mean of the vertices:
                                                           # lon0, lat0) and metres per degree of lon, of lat there
    sub: np.ndarray                                        # (J, 5, S): ax, ay, dx, dy, |d|^2 of sub-segment j
    n_sub: np.ndarray                                      # (S,): sub-segments of each piece (the rest repeat)
    classes: np.ndarray                                    # (K,): the uncertainty classes (m), 0 first
    boxes: np.ndarray                                      # (K, S, 4): piece boxes grown by buffer + class
    sections: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]   # per section of the route, its near, mid and
                                                           # outer cells (int32 keys, sorted); all lists disjoint
    mid_locs: np.ndarray                                   # int16 location codes the mid ring reads
    outer_locs: np.ndarray                                 # int16 location codes the outer ring reads


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


def _build_plan(route: LineString, segment_m: float, buffer_m: float) -> RoutePlan:
    pieces = split_route(route, segment_m)
    sizes = np.array([len(p) for p in pieces])
    starts = np.concatenate([[0], np.cumsum(sizes[:-1])])
    coords = np.concatenate(pieces)
    s = len(pieces)
    # geodesic lengths: one inverse problem per pair of consecutive vertices, summed per piece in vertex order
    # (as Geod.line_length sums them)
    _, _, dist = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    length = np.zeros(s)
    for j in range(int(sizes.max()) - 1):
        length += np.where(j < sizes - 1, dist[np.minimum(starts + j, len(dist) - 1)], 0.0)
    start_m = np.concatenate([[0.0], np.cumsum(length)[:-1]])
    # the kernel's tangent plane of each piece: origin at the mean vertex, the ellipsoid's radii there
    lon0 = np.add.reduceat(coords[:, 0], starts) / sizes
    lat0 = np.add.reduceat(coords[:, 1], starts) / sizes
    radii = np.array([_radii(float(v)) for v in lat0])
    kx, ky = math.radians(1) * radii[:, 0], math.radians(1) * radii[:, 1]
    piece_of = np.repeat(np.arange(s), sizes)
    vx = (coords[:, 0] - lon0[piece_of]) * kx[piece_of]
    vy = (coords[:, 1] - lat0[piece_of]) * ky[piece_of]
    n_sub = sizes - 1
    j_max = max(int(n_sub.max()), 1)
    sub = np.empty((j_max, 5, s))
    for j in range(j_max):
        jj = np.minimum(j, np.maximum(n_sub - 1, 0))      # past a piece's last sub-segment: repeat it (same minimum)
        a, b = starts + jj, starts + np.minimum(jj + 1, sizes - 1)
        dx, dy = vx[b] - vx[a], vy[b] - vy[a]
        ll = dx * dx + dy * dy
        sub[j] = (vx[a], vy[a], dx, dy, np.where(ll == 0, 1.0, ll))   # |d| = 0: numerator 0, t = 0
    classes, mid_locs, outer_locs = _uncertainty_classes()
    box = _piece_boxes(coords, starts)
    boxes = np.stack([_grown(box, buffer_m + u) for u in classes])
    # cells: those whose rectangle comes within buffer (+ a class) of a piece, in the piece's own tangent plane
    # (the kernel's metric), where the cell is a rectangle too (see _cell_lower_bounds)
    keys, which = _box_cells(boxes[-1])
    rows, cols = keys // CELL_ROW_FACTOR, keys % CELL_ROW_FACTOR
    margin = 1e-9                                          # degrees: floor() of a point on a cell edge
    clon = (cols + 0.5) * CELL_DEG - 180.0
    clat = (rows + 0.5) * CELL_DEG - 90.0
    hx = (0.5 * CELL_DEG + margin) * kx[which]
    hy = (0.5 * CELL_DEG + margin) * ky[which]
    lower = _cell_lower_bounds((clon - lon0[which]) * kx[which], (clat - lat0[which]) * ky[which], hx, hy, sub, which)
    cell_keys, inv = np.unique(keys, return_inverse=True)
    cell_lower = np.full(len(cell_keys), np.inf)
    np.minimum.at(cell_lower, inv, lower)
    slack = 1e-9 * (buffer_m + classes[-1]) + 1e-6
    mid_u = classes[-2] if len(classes) > 2 else 0.0
    ring = np.full(len(cell_keys), 3)                      # 0 near, 1 mid, 2 outer, 3 out of reach
    ring[cell_lower <= buffer_m + classes[-1] + slack] = 2
    ring[cell_lower <= buffer_m + mid_u + slack] = 1
    ring[cell_lower <= buffer_m + slack] = 0
    # sections: each cell goes with its nearest piece (the first of equals); pieces are cut into n_sec runs
    nearest = np.flatnonzero(lower == cell_lower[inv])
    cell_piece = which[nearest[np.unique(inv[nearest], return_index=True)[1]]]
    n_sec = int(min(MAX_SECTIONS, max(1, np.count_nonzero(ring < 3) // CELLS_PER_SECTION)))
    section = cell_piece * n_sec // s
    sections = tuple(tuple(cell_keys[(section == k) & (ring == r)].astype(np.int32) for r in range(3))
                     for k in range(n_sec))
    wkbs = shapely.to_wkb(shapely.linestrings(coords, indices=piece_of))
    plan = RoutePlan(
        pieces=tuple(pieces), coords=tuple(tuple(map(tuple, p.tolist())) for p in pieces), length_m=length,
        start_m=start_m, wkbs=tuple(wkbs.tolist()), frame=np.stack([lon0, lat0, kx, ky]), sub=sub,
        n_sub=np.maximum(n_sub, 1), classes=classes, boxes=boxes, sections=sections,
        mid_locs=mid_locs, outer_locs=outer_locs)
    for p in pieces:
        _readonly(p)
    _readonly(plan.length_m, plan.start_m, plan.frame, plan.sub, plan.n_sub, plan.classes, plan.boxes,
              plan.mid_locs, plan.outer_locs, *(c for sec in sections for c in sec))
    return plan


@lru_cache(maxsize=32)
def _cached_plan(wkb: bytes, segment_m: float, buffer_m: float) -> RoutePlan:
    return _build_plan(shapely.from_wkb(wkb), segment_m, buffer_m)


def route_plan(route: LineString, segment_m: float, buffer_m: float) -> RoutePlan:
    """The route's plan (pieces, frames, cells), cached for the last 32 (route, segment length, buffer)."""
    return _cached_plan(shapely.to_wkb(route), float(segment_m), float(buffer_m))


def _cell_lower_bounds(cx: np.ndarray, cy: np.ndarray, hx: np.ndarray, hy: np.ndarray, sub: np.ndarray,
                       seg: np.ndarray) -> np.ndarray:
    """A lower bound (m) of the distance from any point of a rectangle (centre cx, cy; half sides hx, hy; metres in
    the tangent plane of piece seg) to that piece's polyline.

    The distance f_j to one sub-segment (a convex set) is a convex function: below its tangent plane at the centre,
    f_j(r) >= f_j(c) + u . (r - c) with u the unit vector from the sub-segment's nearest point to c, so over the
    rectangle f_j >= f_j(c) - (|ux| hx + |uy| hy); the polyline's distance is the smallest f_j. Tighter than the
    centre's distance minus the half diagonal (equal when u points to a corner).
    """
    best = np.full(cx.shape, np.inf)
    for j in range(sub.shape[0]):
        ax, ay, dx, dy, ll = (sub[j, q].take(seg) for q in range(5))
        qx, qy = cx - ax, cy - ay
        t = np.clip((qx * dx + qy * dy) / ll, 0.0, 1.0)
        ex, ey = qx - t * dx, qy - t * dy
        f = np.sqrt(ex * ex + ey * ey)
        np.minimum(best, f - (np.abs(ex) * hx + np.abs(ey) * hy) / np.maximum(f, 1e-300), out=best)
    return best


def _pair_distances(px: np.ndarray, py: np.ndarray, sub: np.ndarray, seg: np.ndarray,
                    counts: np.ndarray | None = None) -> np.ndarray:
    """Distances (m) from points (px, py: metres in the tangent plane of piece seg) to that piece's polyline.

    The arithmetic of point_polyline_distance_m, for many (point, piece) pairs at once. With ``counts`` (pairs per
    piece, pairs grouped by piece, seg = the pieces 0..len(counts) - 1 of ``sub``), the piece's constants are
    repeated instead of gathered.
    """
    best = np.full(px.shape, np.inf)                       # squared distances; one square root at the end
    per_pair = sub.take(seg, axis=2) if counts is None else np.repeat(sub, counts, axis=2)
    for j in range(sub.shape[0]):
        ax, ay, dx, dy, ll = per_pair[j]
        qx, qy = px - ax, py - ay
        t = np.clip((qx * dx + qy * dy) / ll, 0.0, 1.0)
        ex, ey = qx - t * dx, qy - t * dy
        np.minimum(best, ex * ex + ey * ey, out=best)
    return np.sqrt(best)


def fetch_candidates(conn: psycopg.Connection, plan: RoutePlan, params: rm.Params) -> dict[str, np.ndarray]:
    """The events that may count for some piece of the plan, as numpy columns (index-only scans on the grid key).

    Each event comes once (the plan's cell lists are disjoint). Columns: id, lon, lat, age (days before as_of),
    fatalities, code (conflict.exposure_code).
    """
    parts = [_candidate_columns(_candidates_cursor(conn, plan, sec, params).fetchone()) for sec in plan.sections]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _candidates_cursor(conn: psycopg.Connection, plan: RoutePlan, section: tuple[np.ndarray, np.ndarray, np.ndarray],
                       params: rm.Params) -> psycopg.Cursor:
    cur = _numpy_cursor(conn)
    cur.adapters.register_dumper(_Int4Array, _Int4ArrayDumper)
    near, mid, outer = section
    cur.execute(queries.get("exposure/candidate_events"),
                {"near_cells": _Int4Array(near), "mid_cells": _Int4Array(mid), "outer_cells": _Int4Array(outer),
                 "mid_locs": plan.mid_locs.tolist(), "outer_locs": plan.outer_locs.tolist(),
                 "since": params.as_of - timedelta(days=params.days), "as_of": params.as_of})
    return cur


def _candidate_columns(row) -> dict[str, np.ndarray]:
    ids, lons, lats, packed = row
    if ids is None:
        z = np.zeros(0)
        return {"id": np.zeros(0, np.int64), "lon": z, "lat": z, "age": np.zeros(0, np.int64),
                "fatalities": np.zeros(0, np.int64), "code": np.zeros(0, np.int64)}
    return {"id": ids, "lon": lons, "lat": lats, "age": packed >> 42, "fatalities": (packed >> 10) & 0xFFFFFFFF,
            "code": packed & 0x3FF}


def _top_candidates(group: np.ndarray, values: np.ndarray, k: int, n_groups: int) -> np.ndarray:
    """For items sorted by group: the indexes of the items that can be among their group's k largest values.

    Every item at least as large as a lower bound of its group's k-th largest value: the smallest of the maxima of
    k chunks of the group (k different items). A superset of the top k with their ties, usually a few per group.
    """
    counts = np.bincount(group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    full = np.flatnonzero(counts >= k)
    bound = np.full(n_groups, -np.inf)
    if len(full):
        # per full group: the starts of its k chunks, then its end (that last reduction is discarded)
        idx = np.empty((len(full), k + 1), np.int64)
        idx[:, :k] = starts[full, None] + (np.arange(k)[None, :] * counts[full, None]) // k
        idx[:, k] = starts[full] + counts[full]
        maxima = np.maximum.reduceat(np.append(values, -np.inf), idx.ravel()).reshape(len(full), k + 1)[:, :k]
        bound[full] = maxima.min(axis=1)
    return np.flatnonzero(values >= bound[group])


def _top_select(cand: np.ndarray, group: np.ndarray, values: np.ndarray, ties: tuple[np.ndarray, ...],
                k: int) -> np.ndarray:
    """Of the candidate indexes, each group's k largest values, largest first, ties by the ``ties`` keys."""
    order = cand[np.lexsort((*(t[cand] for t in reversed(ties)), -values[cand], group[cand]))]
    g = group[order]
    first = np.searchsorted(g, g, "left")                            # position of each group's first candidate
    return order[np.arange(len(order)) - first < k]


def top_per_group(group: np.ndarray, values: np.ndarray, ties: tuple[np.ndarray, ...], k: int,
                  n_groups: int) -> np.ndarray:
    """For items sorted by group: indexes of each group's k largest values, largest first, equal values ordered by
    the ``ties`` keys (ascending; the first key first); groups in order. Vectorised (see _top_candidates).
    """
    if len(values) == 0 or k <= 0:
        return np.zeros(0, np.int64)
    return _top_select(_top_candidates(group, values, k, n_groups), group, values, ties, k)


def _weights(ev: dict[str, np.ndarray], params: rm.Params) -> tuple[np.ndarray, np.ndarray]:
    """Per event: weight x decay, and the location uncertainty in metres (NaN: never counted)."""
    tw, unc = _code_tables()
    w = tw[ev["code"] // 100] * (1.0 + np.log1p(np.maximum(ev["fatalities"], 0)))
    dec = 0.5 ** (np.maximum(ev["age"], 0) / params.half_life_days)
    return w * dec, unc[ev["code"] % 100]


@dataclass
class _Hits:
    """The (segment, event) pairs that count: segment-major, events as indexes into the candidate columns."""

    seg: np.ndarray
    ev: np.ndarray
    distance_m: np.ndarray
    distance_weight: np.ndarray
    contribution: np.ndarray


_CHUNK_PAIRS = 16_384      # pairs per block of pieces in the kernel: its temporaries stay in the CPU's cache


def _kernel(plan: RoutePlan, ev: dict[str, np.ndarray], wd: np.ndarray, unc: np.ndarray, buffer_m: float) -> _Hits:
    """Every (segment, event) pair within reach, with its distance, distance weight and contribution.

    Per uncertainty class, the class's events sorted by longitude: a piece's candidates are one slice (two binary
    searches against the piece's box grown by buffer + the class), then its latitude range; then the distances to
    the piece, in its tangent plane. Pieces are taken in blocks of about _CHUNK_PAIRS candidate pairs.
    """
    lon, lat = ev["lon"], ev["lat"]
    s = len(plan.pieces)
    k = len(plan.classes)
    cls = np.searchsorted(plan.classes, unc)                    # unc is one of the classes
    order_parts, lo, hi, offset = [], np.empty((s, k), np.int64), np.empty((s, k), np.int64), 0
    for c in range(k):
        members = np.flatnonzero(cls == c)
        members = members[np.argsort(lon[members])]
        sl = lon[members]
        lo[:, c] = np.searchsorted(sl, plan.boxes[c, :, 0], "left") + offset
        hi[:, c] = np.searchsorted(sl, plan.boxes[c, :, 2], "right") + offset
        order_parts.append(members)
        offset += len(members)
    perm = np.concatenate(order_parts)
    counts = hi - lo                                            # (piece, class) slices
    y0, y1 = plan.boxes[:, :, 1].T, plan.boxes[:, :, 3].T         # (piece, class) latitude ranges
    per_piece = counts.sum(axis=1)
    # blocks of consecutive pieces holding about _CHUNK_PAIRS candidate pairs each
    cuts = np.searchsorted(np.cumsum(per_piece), np.arange(1, int(per_piece.sum()) // _CHUNK_PAIRS + 1) * _CHUNK_PAIRS)
    bounds = np.unique(np.concatenate([[0], np.minimum(cuts + 1, s), [s]]))
    out_seg, out_e, out_d, out_deff = [], [], [], []
    for p0, p1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        cnt = counts[p0:p1].ravel()
        e = perm[_ranges(lo[p0:p1].ravel(), cnt)]
        la = lat.take(e)
        keep = np.flatnonzero((la >= np.repeat(y0[p0:p1].ravel(), cnt)) & (la <= np.repeat(y1[p0:p1].ravel(), cnt)))
        seg = np.repeat(np.arange(p1 - p0), counts[p0:p1].sum(axis=1)).take(keep)
        e, la = e.take(keep), la.take(keep)
        n_in = np.bincount(seg, minlength=p1 - p0)
        lon0, lat0, kx, ky = np.repeat(plan.frame[:, p0:p1], n_in, axis=1)
        j = int(plan.n_sub[p0:p1].max())                      # past a piece's own, sub-segments repeat its last
        d = _pair_distances((lon.take(e) - lon0) * kx, (la - lat0) * ky, plan.sub[:j, :, p0:p1], seg, n_in)
        d_eff = np.maximum(d - unc.take(e), 0.0)
        inside = np.flatnonzero(d_eff <= buffer_m)
        out_seg.append(seg.take(inside) + p0)
        out_e.append(e.take(inside))
        out_d.append(d.take(inside))
        out_deff.append(d_eff.take(inside))
    if not out_seg:
        z = np.zeros(0)
        return _Hits(seg=np.zeros(0, np.int64), ev=np.zeros(0, np.int64), distance_m=z, distance_weight=z,
                     contribution=z)
    seg, e, d, d_eff = (np.concatenate(x) for x in (out_seg, out_e, out_d, out_deff))
    dw = 1.0 - 0.5 * d_eff / buffer_m
    return _Hits(seg=seg, ev=e, distance_m=d, distance_weight=dw, contribution=wd.take(e) * dw)


STAGES = ("plan", "candidates", "kernel", "top events", "details", "crossings", "build")


def route_profile(conn: psycopg.Connection, route: LineString, params: rm.Params | None = None,
                  *, notes: list[str] | None = None, timings: dict[str, float] | None = None) -> Profile:
    """The per-segment risk profile of ``route`` (EPSG:4326 LineString) as of ``params.as_of``.

    ``timings``, when given, receives the seconds this thread spent in each stage (keys: ``STAGES``): the route's
    plan (cached per route), waiting for the sections' candidates (the queries run in a second thread, during the
    kernel), the kernel (weights, pairs, distances, sums), the top events, waiting for the crossings, their details
    (one more query) and building the segments and the summary.
    """
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        clock.append(time.perf_counter())
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + clock[-1] - clock[-2]

    params = params or rm.Params()
    params.check()
    plan = route_plan(route, params.segment_m, params.buffer_m)
    s = len(plan.pieces)
    lap("plan")
    # A thread sends the queries (each section's candidates, then the corridors/zones crossed) while this one runs
    # the kernel on the sections already received: the server and the kernel work at the same time.
    worker, results = _fetch_in_background(conn, plan, params)
    parts: list[tuple[dict[str, np.ndarray], np.ndarray, _Hits, np.ndarray]] = []
    try:
        for _ in plan.sections:
            row = _take(results)
            lap("candidates")
            ev = _candidate_columns(row)
            wd, unc = _weights(ev, params)
            keep = ~np.isnan(unc)                              # UCDP country-level events never count
            if not keep.all():
                ev = {k: v[keep] for k, v in ev.items()}
                wd, unc = wd[keep], unc[keep]
            hits = _kernel(plan, ev, wd, unc, params.buffer_m)
            cand = _top_candidates(hits.seg, hits.contribution, params.top_events, s) if params.top_events > 0 \
                else np.zeros(0, np.int64)
            parts.append((ev, unc, hits, cand))
            lap("kernel")
        crossings = _take(results)
        lap("crossings")
    finally:
        worker.join()
    # the sections' events are disjoint: put them end to end
    offsets = np.cumsum([0] + [len(p[0]["id"]) for p in parts])
    ev = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
    unc = np.concatenate([p[1] for p in parts])
    hit_offsets = np.cumsum([0] + [len(p[2].ev) for p in parts])
    hits = _Hits(seg=np.concatenate([p[2].seg for p in parts]),
                 ev=np.concatenate([p[2].ev + o for p, o in zip(parts, offsets)]),
                 distance_m=np.concatenate([p[2].distance_m for p in parts]),
                 distance_weight=np.concatenate([p[2].distance_weight for p in parts]),
                 contribution=np.concatenate([p[2].contribution for p in parts]))
    n = len(ev["id"])
    score = np.bincount(hits.seg, weights=hits.contribution, minlength=s)
    n_events = np.bincount(hits.seg, minlength=s)
    fat_seg = np.bincount(hits.seg, weights=ev["fatalities"].take(hits.ev), minlength=s)
    best = np.zeros(n)                                         # per event, its largest contribution to a segment
    np.maximum.at(best, hits.ev, hits.contribution)
    hit = np.zeros(n, bool)
    hit[hits.ev] = True
    lap("kernel")
    # top contributors (equal contributions: the westernmost event first, then the lower id): each section's
    # candidates hold its part of every segment's top k
    cand = np.concatenate([p[3] + o for p, o in zip(parts, hit_offsets)])
    top = _top_select(cand, hits.seg, hits.contribution, (ev["lon"].take(hits.ev), ev["id"].take(hits.ev)),
                      params.top_events)
    lap("top events")
    top_ev = hits.ev.take(top)
    top_ids = ev["id"].take(top_ev).tolist()
    details = {}
    if top_ids:
        details = {r[0]: r for r in conn.execute(queries.get("exposure/event_details"),
                                                  {"ids": sorted(set(top_ids))})}
    lap("details")

    per100 = score / np.maximum(plan.length_m, 0.5 * params.segment_m) * 100_000.0
    segments = [Segment(index=i, start_m=st, length_m=ln, coords=list(plan.coords[i]), score=sc, score_per_100km=sp,
                        event_level=rm.level_for(sp), events=ne, fatalities=int(fs))
                for i, (st, ln, sc, sp, ne, fs) in enumerate(zip(
                    plan.start_m.tolist(), plan.length_m.tolist(), score.tolist(), per100.tolist(),
                    n_events.tolist(), fat_seg.tolist()))]
    dates: dict[int, str] = {}
    for i, eid, age, fat, code, u, d, dw, c in zip(
            hits.seg.take(top).tolist(), top_ids, ev["age"].take(top_ev).tolist(),
            ev["fatalities"].take(top_ev).tolist(), ev["code"].take(top_ev).tolist(), unc.take(top_ev).tolist(),
            hits.distance_m.take(top).tolist(), hits.distance_weight.take(top).tolist(),
            hits.contribution.take(top).tolist()):
        etype = TYPE_CODES[code // 100 - 1] if 1 <= code // 100 <= len(TYPE_CODES) else ""
        if age not in dates:
            dates[age] = (params.as_of - timedelta(days=age)).isoformat()
        t = Contribution(
            event_id=eid, event_date=dates[age], event_type=etype, fatalities=fat, distance_m=round(d, 1),
            uncertainty_m=u, age_days=age, weight=round(rm.event_weight(etype, fat), 4),
            decay=round(rm.decay(float(age), params.half_life_days), 4), distance_weight=round(dw, 4),
            contribution=round(c, 4))
        r = details.get(eid)
        if r:
            t.sub_event_type, t.location, t.event_type = r[1], r[2], r[7]
            t.actors = " vs ".join(a for a in (r[3], r[4]) if a) or None
        segments[i].top_events.append(t)

    _set_crossings(segments, crossings)
    for seg in segments:
        _apply_levels(seg)

    total_m = float(plan.length_m.sum())
    route_score = float(best[hit].sum()) if n else 0.0
    distinct = int(hit.sum()) if n else 0
    fat = int(ev["fatalities"][hit].sum()) if n else 0
    per100_route = route_score / max(total_m, 1.0) * 100_000.0
    worst = max((rm.level_index(s.level) for s in segments), default=0)
    level = rm.LEVELS[max(worst, rm.level_index(rm.level_for(per100_route)))]
    crossed = {}
    for sg in segments:
        for c in sg.crossings:
            crossed[(c.what, c.id)] = {"what": c.what, "name": c.name, "kind": c.kind, "status": c.status,
                                       "controllers": c.controllers, "restrictions": c.restrictions}
    top_route = sorted((t for sg in segments for t in sg.top_events), key=lambda t: -t.contribution)
    seen: set[int] = set()
    top_list = []
    for t in top_route:
        if t.event_id not in seen:
            seen.add(t.event_id)
            top_list.append(asdict(t))
        if len(top_list) >= 5:
            break
    summary = {
        "as_of": params.as_of.isoformat(), "window_days": params.days, "buffer_m": params.buffer_m,
        "segment_m": params.segment_m, "half_life_days": params.half_life_days,
        "length_km": round(total_m / 1000, 3), "segments": len(segments),
        "distinct_events": distinct, "fatalities": fat,
        "score": round(route_score, 4), "score_per_100km": round(per100_route, 3), "level": level,
        "worst_segment_level": rm.LEVELS[worst],
        "levels": {lv: sum(1 for sg in segments if sg.level == lv) for lv in rm.LEVELS},
        "crossings": list(crossed.values()), "top_events": top_list, "notes": list(notes or []),
        "thresholds_per_100km": rm.LEVEL_THRESHOLDS_PER_100KM,
    }
    profile = Profile(segments=segments, summary=summary, params=params, notes=list(notes or []))
    lap("build")
    return profile


def _fetch_in_background(conn: psycopg.Connection, plan: RoutePlan,
                         params: rm.Params) -> tuple[threading.Thread, queue.SimpleQueue]:
    """Start a thread that puts on a queue each section's candidates row, then the crossings rows (or the
    exception it met). The caller must not use ``conn`` until the thread is joined."""
    results: queue.SimpleQueue = queue.SimpleQueue()

    def work() -> None:
        try:
            for sec in plan.sections:
                results.put(_candidates_cursor(conn, plan, sec, params).fetchone())
            results.put(_crossings_cursor(conn, plan, params).fetchall())
        except BaseException as exc:                           # handed over to the caller's thread
            results.put(exc)

    worker = threading.Thread(target=work, name="route-exposure-queries", daemon=True)
    worker.start()
    return worker, results


def _take(results: queue.SimpleQueue):
    item = results.get()
    if isinstance(item, BaseException):
        raise item
    return item


def _crossings_cursor(conn: psycopg.Connection, plan: RoutePlan, params: rm.Params) -> psycopg.Cursor:
    cur = conn.cursor()
    cur.execute(queries.get("exposure/crossings"),
                {"wkbs": list(plan.wkbs), "as_of": params.as_of, "hostile_kinds": list(rm.HOSTILE_ACTOR_KINDS)})
    return cur


def _set_crossings(segments: list[Segment], rows) -> None:
    for i, what, cid, name, kind, status, restr, ctrl, hostile, vf, vt in rows:
        if what == "corridor":
            floor = rm.CORRIDOR_FLOOR.get(kind)
        elif kind == "control":
            floor = rm.ZONE_FLOOR.get(("control", status)) if hostile else None
        else:
            floor = rm.ZONE_FLOOR.get((kind, None))
        segments[i].crossings.append(Crossing(what, cid, name, kind, status, restr, ctrl, bool(hostile),
                                              vf.isoformat(), vt.isoformat() if vt else None, floor))


def _apply_levels(seg: Segment) -> None:
    floors = [c.floor for c in seg.crossings if c.floor]
    seg.floor = max(floors, key=rm.level_index) if floors else None
    level = rm.level_index(seg.event_level)
    seg.reasons.append(f"events: {seg.score_per_100km:.1f} per 100 km -> {seg.event_level}")
    for c in seg.crossings:
        if c.floor:
            by = f" ({c.controllers})" if c.controllers else ""
            seg.reasons.append(f"crosses {c.kind} {c.what} '{c.name}'{by}: at least {c.floor}")
    if seg.floor:
        level = max(level, rm.level_index(seg.floor))
        if (rm.level_index(seg.floor) >= rm.level_index(rm.ESCALATE_FROM_FLOOR)
                and rm.level_index(seg.event_level) >= rm.level_index(rm.ESCALATE_WITH_EVENTS)):
            level = min(level + 1, len(rm.LEVELS) - 1)
            seg.reasons.append("recent events on a hostile corridor/zone: one level up")
    seg.level = rm.LEVELS[level]
