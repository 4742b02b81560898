"""Route exposure: a per-segment risk profile of a route, from the events, corridors and zones near it.

The model (every formula, default and threshold) is in ``docs/risk-model.md``; its numbers live in
``gis_core.analysis.risk_model``. In short, for a segment s and an event e inside the window::

    contribution(e, s) = event_weight(type, fatalities) * 0.5 ** (age / half_life)
                         * distance_weight(distance(e, s) - uncertainty(e), buffer)

How it is fast (1 M events, 1,000 km route, 100 segments; design and numbers in docs/risk-model.md): events
carry a grid key (0.05 degree cell) and a kernel code (type and location precision), and two covering indexes
on (cell, event_date) include every column the model needs; the second holds only uncertain locations. The
route's cells are computed here and sent as two lists; the database answers with index-only scans (each cell
by equality, so only the window's dates are read) aggregated into one row of arrays, which are loaded straight
into numpy (no Python object per event). The distances and weights are then computed in numpy, per segment,
for the events whose own reach (buffer + their uncertainty) touches the segment's box, in a local tangent plane
with the ellipsoid's radii at the segment (error below 0.1 % within 35 km).

Example
-------
>>> from shapely import LineString                                          # doctest: +SKIP
>>> profile = route_profile(conn, LineString([(-8.0, 12.65), (-6.27, 13.45)]))  # doctest: +SKIP
>>> profile.summary["level"], profile.to_geojson()["summary"]["distinct_events"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import struct
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg.adapt import Loader
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
    best = np.full(px.shape, np.inf)
    for i in range(len(line) - 1):
        ax, ay, bx, by = vx[i], vy[i], vx[i + 1], vy[i + 1]
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.zeros_like(px) if ll == 0 else np.clip(((px - ax) * dx + (py - ay) * dy) / ll, 0.0, 1.0)
        d = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
        np.minimum(best, d, out=best)
    return best


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


def _frames(pieces: list[np.ndarray], reach_m: float) -> np.ndarray:
    """Per piece: its bounding box (lon0, lat0, lon1, lat1) and degrees of longitude and of latitude per metre.

    Conservative for any distance up to reach_m: degrees of longitude are converted at the piece's highest
    |latitude| plus the reach (where they are shortest), degrees of latitude at the equator (where they are
    shortest), and 1 % is added. A point farther than the box grown by r metres is more than r metres away.
    """
    starts = np.cumsum([0] + [len(p) for p in pieces[:-1]])
    coords = np.concatenate(pieces)
    lon0 = np.minimum.reduceat(coords[:, 0], starts)
    lon1 = np.maximum.reduceat(coords[:, 0], starts)
    lat0 = np.minimum.reduceat(coords[:, 1], starts)
    lat1 = np.maximum.reduceat(coords[:, 1], starts)
    lat_hi = np.minimum(np.maximum(np.abs(lat0), np.abs(lat1)) + reach_m / 100_000.0, 89.0)
    phi = np.radians(lat_hi)
    kx = _A / np.sqrt(1 - _E2 * np.sin(phi) ** 2) * np.cos(phi)    # metres per radian along the parallel
    _, ky = _radii(0.0)                                               # a degree of latitude is shortest at the equator
    dlon_per_m = 1.01 / (math.radians(1) * kx)
    dlat_per_m = np.full(len(pieces), 1.01 / (math.radians(1) * ky))
    return np.column_stack([lon0, lat0, lon1, lat1, dlon_per_m, dlat_per_m])


def _boxes(pieces: list[np.ndarray], reach_m: float) -> np.ndarray:
    """Per piece, its bounding box grown by reach_m, in degrees: (lon0, lat0, lon1, lat1) rows (see _frames)."""
    f = _frames(pieces, reach_m)
    dlon, dlat = reach_m * f[:, 4], reach_m * f[:, 5]
    return np.column_stack([f[:, 0] - dlon, f[:, 1] - dlat, f[:, 2] + dlon, f[:, 3] + dlat])


def _pg_int_array(values: np.ndarray) -> str:
    """An integer array as a PostgreSQL array literal (much faster to send than a list of Python ints)."""
    return "{" + ",".join(map(str, values.tolist())) + "}"


def _cells(boxes: np.ndarray) -> np.ndarray:
    """The keys of the grid cells covering the boxes (lon0, lat0, lon1, lat1 rows), sorted and unique."""
    r0 = np.floor((boxes[:, 1] + 90.0) / CELL_DEG).astype(np.int64)
    r1 = np.floor((boxes[:, 3] + 90.0) / CELL_DEG).astype(np.int64)
    c0 = np.floor((boxes[:, 0] + 180.0) / CELL_DEG).astype(np.int64)
    c1 = np.floor((boxes[:, 2] + 180.0) / CELL_DEG).astype(np.int64)
    keys = [np.add.outer(np.arange(a, b + 1) * CELL_ROW_FACTOR, np.arange(lo, hi + 1)).ravel()
            for a, b, lo, hi in zip(r0.tolist(), r1.tolist(), c0.tolist(), c1.tolist())]
    return np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)


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


def _numpy_cursor(conn: psycopg.Connection) -> psycopg.Cursor:
    """A binary cursor that returns int2/int4/int8/float8 arrays as numpy arrays."""
    cur = conn.cursor(binary=True)
    for name, dt in (("int2", ">i2"), ("int4", ">i4"), ("int8", ">i8"), ("float8", ">f8")):
        loader = type(f"{name.capitalize()}ArrayNumpyLoader", (_NumpyArrayLoader,), {"dtype": np.dtype(dt)})
        cur.adapters.register_loader(pg_types[name].array_oid, loader)
    return cur


def fetch_candidates(conn: psycopg.Connection, pieces: list[np.ndarray], params: rm.Params,
                     *, near_boxes: np.ndarray | None = None, far_boxes: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The events that may count for some piece, as numpy columns (index-only scans on the grid key).

    Each event comes once: the far cells (where only uncertain locations can count) exclude the near cells.
    """
    near_boxes = _boxes(pieces, params.buffer_m) if near_boxes is None else near_boxes
    far_boxes = _boxes(pieces, params.buffer_m + rm.MAX_UNCERTAINTY_M) if far_boxes is None else far_boxes
    near = _cells(near_boxes)
    far = np.setdiff1d(_cells(far_boxes), near, assume_unique=True)
    start = params.as_of - timedelta(days=params.days)
    cur = _numpy_cursor(conn)
    cur.execute(queries.get("exposure/candidate_events"),
                {"near_cells": _pg_int_array(near), "far_cells": _pg_int_array(far), "start": start, "as_of": params.as_of})
    ids, lons, lats, ages, fat, codes = cur.fetchone()
    if ids is None:
        return {"id": np.zeros(0, np.int64)}
    return {"id": ids, "lon": lons, "lat": lats, "age": ages.astype(np.int64), "fatalities": fat.astype(np.int64),
            "code": codes.astype(np.int64)}


def _top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k largest values, largest first, ties in index order (= a stable argsort's first k)."""
    if len(values) <= k:
        return np.argsort(-values, kind="stable")
    kth = np.partition(values, len(values) - k)[len(values) - k]        # the k-th largest value
    cand = np.flatnonzero(values >= kth)                                # in index order
    return cand[np.argsort(-values[cand], kind="stable")][:k]


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


def _weights(ev: dict[str, np.ndarray], params: rm.Params) -> tuple[np.ndarray, np.ndarray]:
    """Per event: weight x decay, and the location uncertainty in metres (NaN: never counted)."""
    tw, unc = _code_tables()
    w = tw[ev["code"] // 100] * (1.0 + np.log1p(np.maximum(ev["fatalities"], 0)))
    dec = 0.5 ** (np.maximum(ev["age"], 0) / params.half_life_days)
    return w * dec, unc[ev["code"] % 100]


def route_profile(conn: psycopg.Connection, route: LineString, params: rm.Params | None = None,
                  *, notes: list[str] | None = None) -> Profile:
    """The per-segment risk profile of ``route`` (EPSG:4326 LineString) as of ``params.as_of``."""
    params = params or rm.Params()
    params.check()
    pieces = split_route(route, params.segment_m)
    near_boxes = _boxes(pieces, params.buffer_m)
    far_boxes = _boxes(pieces, params.buffer_m + rm.MAX_UNCERTAINTY_M)
    ev = fetch_candidates(conn, pieces, params, near_boxes=near_boxes, far_boxes=far_boxes)
    if len(ev["id"]):
        wd, unc = _weights(ev, params)
        keep = ~np.isnan(unc)                              # UCDP country-level events never count
        ev = {k: v[keep] for k, v in ev.items()}
        wd, unc = wd[keep], unc[keep]
    n = len(ev["id"])
    if n:
        # every column in longitude order: a piece's candidates are one contiguous slice (two binary searches)
        order = np.argsort(ev["lon"], kind="stable")
        ev = {k: v[order] for k, v in ev.items()}
        wd, unc = wd[order], unc[order]
        lons, lats = ev["lon"], ev["lat"]
        reach = params.buffer_m + unc                      # how far from a piece each event can still count
        best = np.zeros(n)                                 # per event, its largest contribution to a segment
        hit = np.zeros(n, bool)
        frames = _frames(pieces, params.buffer_m + rm.MAX_UNCERTAINTY_M).tolist()

    segments: list[Segment] = []
    pos = 0.0
    per_segment_hits: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for i, line in enumerate(pieces):
        length = float(GEOD.line_length(line[:, 0], line[:, 1]))
        seg = Segment(index=i, start_m=pos, length_m=length, coords=[tuple(c) for c in line.tolist()])
        pos += length
        if n:
            x0, y0, x1, y1 = far_boxes[i]
            lo_i, hi_i = int(np.searchsorted(lons, x0, "left")), int(np.searchsorted(lons, x1, "right"))
            lo, la, r = lons[lo_i:hi_i], lats[lo_i:hi_i], reach[lo_i:hi_i]
            # the piece's box grown by each event's own reach: exact locations within the buffer only,
            # uncertain ones up to buffer + their uncertainty
            px0, py0, px1, py1, dlon_m, dlat_m = frames[i]
            dx, dy = r * dlon_m, r * dlat_m
            idx = lo_i + np.flatnonzero((la >= py0 - dy) & (la <= py1 + dy) & (lo >= px0 - dx) & (lo <= px1 + dx))
            d = point_polyline_distance_m(lons[idx], lats[idx], line)
            d_eff = np.maximum(d - unc[idx], 0.0)
            inside = d_eff <= params.buffer_m
            idx, d, d_eff = idx[inside], d[inside], d_eff[inside]
            dw = 1.0 - 0.5 * d_eff / params.buffer_m
            c = wd[idx] * dw
            seg.score = float(c.sum())
            seg.events = int(len(idx))
            seg.fatalities = int(ev["fatalities"][idx].sum())
            per_segment_hits.append((idx, d, dw, c))
            np.maximum.at(best, idx, c)
            hit[idx] = True
        seg.score_per_100km = seg.score / max(length, 0.5 * params.segment_m) * 100_000.0
        seg.event_level = rm.level_for(seg.score_per_100km)
        segments.append(seg)

    # top contributors, with what the reader needs to recognise them
    wanted: set[int] = set()
    if n:
        for seg, (idx, d, dw, c) in zip(segments, per_segment_hits):
            top = _top_k(c, params.top_events)
            for j in top:
                k = idx[j]
                code = int(ev["code"][k])
                etype = TYPE_CODES[code // 100 - 1] if 1 <= code // 100 <= len(TYPE_CODES) else ""
                seg.top_events.append(Contribution(
                    event_id=int(ev["id"][k]), event_date=(params.as_of - timedelta(days=int(ev["age"][k]))).isoformat(),
                    event_type=etype, fatalities=int(ev["fatalities"][k]),
                    distance_m=round(float(d[j]), 1), uncertainty_m=float(unc[k]), age_days=int(ev["age"][k]),
                    weight=round(rm.event_weight(etype, int(ev["fatalities"][k])), 4),
                    decay=round(rm.decay(float(ev["age"][k]), params.half_life_days), 4),
                    distance_weight=round(float(dw[j]), 4), contribution=round(float(c[j]), 4)))
                wanted.add(int(ev["id"][k]))
    if wanted:
        details = {r[0]: r for r in conn.execute(queries.get("exposure/event_details"), {"ids": sorted(wanted)})}
        for seg in segments:
            for t in seg.top_events:
                r = details.get(t.event_id)
                if r:
                    t.sub_event_type, t.location, t.event_type = r[1], r[2], r[7]
                    t.actors = " vs ".join(a for a in (r[3], r[4]) if a) or None

    _add_crossings(conn, segments, params)

    for seg in segments:
        _apply_levels(seg)

    total_m = sum(s.length_m for s in segments)
    route_score = float(best[hit].sum()) if n else 0.0
    distinct = int(hit.sum()) if n else 0
    fat = int(ev["fatalities"][hit].sum()) if n else 0
    per100 = route_score / max(total_m, 1.0) * 100_000.0
    worst = max((rm.level_index(s.level) for s in segments), default=0)
    level = rm.LEVELS[max(worst, rm.level_index(rm.level_for(per100)))]
    crossed = {}
    for s in segments:
        for c in s.crossings:
            crossed[(c.what, c.id)] = {"what": c.what, "name": c.name, "kind": c.kind, "status": c.status,
                                       "controllers": c.controllers, "restrictions": c.restrictions}
    top_route = sorted((t for s in segments for t in s.top_events), key=lambda t: -t.contribution)
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
        "score": round(route_score, 4), "score_per_100km": round(per100, 3), "level": level,
        "worst_segment_level": rm.LEVELS[worst],
        "levels": {lv: sum(1 for s in segments if s.level == lv) for lv in rm.LEVELS},
        "crossings": list(crossed.values()), "top_events": top_list, "notes": list(notes or []),
        "thresholds_per_100km": rm.LEVEL_THRESHOLDS_PER_100KM,
    }
    return Profile(segments=segments, summary=summary, params=params, notes=list(notes or []))


def _add_crossings(conn: psycopg.Connection, segments: list[Segment], params: rm.Params) -> None:
    wkbs = [shapely.to_wkb(LineString(s.coords)) for s in segments]
    rows = conn.execute(queries.get("exposure/crossings"),
                        {"wkbs": wkbs, "as_of": params.as_of, "hostile_kinds": list(rm.HOSTILE_ACTOR_KINDS)}).fetchall()
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
