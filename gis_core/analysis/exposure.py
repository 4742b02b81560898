"""Route exposure: a per-segment risk profile of a route, from the events, corridors and zones near it.

The model (every formula, default and threshold) is in ``docs/risk-model.md``; its numbers live in
``gis_core.analysis.risk_model``. In short, for a segment s and an event e inside the window::

    contribution(e, s) = event_weight(type, fatalities) * 0.5 ** (age / half_life)
                         * distance_weight(distance(e, s) - uncertainty(e), buffer)

How it is fast (1 M events, 1,200 km route, ~100 segments): events carry a grid key (0.05 degree
cell, migration 0030) and a covering index on (cell, event_date) that includes every column the
model needs. The route's cells are computed here, the database answers with one index-only scan,
and the distances and weights are computed in numpy, per segment, in a local tangent plane with
the ellipsoid's radii at the segment (error below 0.1 % within 35 km). Distances are therefore
computed only for events already known to be close.

Example
-------
>>> from shapely import LineString                                          # doctest: +SKIP
>>> profile = route_profile(conn, LineString([(-8.0, 12.65), (-6.27, 13.45)]))  # doctest: +SKIP
>>> profile.summary["level"], profile.to_geojson()["summary"]["distinct_events"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import psycopg
import shapely
from shapely.geometry import LineString, mapping

from gis_core import queries
from gis_core.analysis import risk_model as rm
from gis_core.crs import GEOD

CELL_DEG = 0.05          # must match conflict.cell_of() in migration 0030
CELL_ROW_FACTOR = 10000
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


def _boxes(pieces: list[np.ndarray], reach_m: float) -> np.ndarray:
    """Per piece, its bounding box grown by reach_m, in degrees: (lon0, lat0, lon1, lat1) rows."""
    out = np.empty((len(pieces), 4))
    for i, line in enumerate(pieces):
        lat_hi = float(np.abs(line[:, 1]).max())
        kx, _ = _radii(min(lat_hi + reach_m / 100_000.0, 89.0))
        _, ky = _radii(0.0)                       # a degree of latitude is shortest at the equator
        dlon = reach_m / (math.radians(1) * kx) * 1.01
        dlat = reach_m / (math.radians(1) * ky) * 1.01
        out[i] = (line[:, 0].min() - dlon, line[:, 1].min() - dlat, line[:, 0].max() + dlon, line[:, 1].max() + dlat)
    return out


def _cell_ranges(boxes: np.ndarray) -> tuple[list[int], list[int]]:
    """The grid cells covering the boxes, as merged ranges of cell keys (one or a few per grid row)."""
    per_row: dict[int, list[tuple[int, int]]] = {}
    r0 = np.floor((boxes[:, 1] + 90.0) / CELL_DEG).astype(int)
    r1 = np.floor((boxes[:, 3] + 90.0) / CELL_DEG).astype(int)
    c0 = np.floor((boxes[:, 0] + 180.0) / CELL_DEG).astype(int)
    c1 = np.floor((boxes[:, 2] + 180.0) / CELL_DEG).astype(int)
    for a, b, lo, hi in zip(r0.tolist(), r1.tolist(), c0.tolist(), c1.tolist()):
        for r in range(a, b + 1):
            per_row.setdefault(r, []).append((lo, hi))
    los: list[int] = []
    his: list[int] = []
    for r, spans in per_row.items():
        spans.sort()
        cur_lo, cur_hi = spans[0]
        for lo, hi in spans[1:]:
            if lo <= cur_hi + 1:
                cur_hi = max(cur_hi, hi)
            else:
                los.append(r * CELL_ROW_FACTOR + cur_lo)
                his.append(r * CELL_ROW_FACTOR + cur_hi)
                cur_lo, cur_hi = lo, hi
        los.append(r * CELL_ROW_FACTOR + cur_lo)
        his.append(r * CELL_ROW_FACTOR + cur_hi)
    return los, his


def fetch_candidates(conn: psycopg.Connection, pieces: list[np.ndarray], params: rm.Params) -> dict[str, np.ndarray]:
    """The events that may count for some piece, as numpy columns (index-only range scans on the grid key)."""
    near_lo, near_hi = _cell_ranges(_boxes(pieces, params.buffer_m))
    far_lo, far_hi = _cell_ranges(_boxes(pieces, params.buffer_m + rm.MAX_UNCERTAINTY_M))
    start = params.as_of - timedelta(days=params.days)
    cur = conn.cursor(binary=True)
    cur.execute(queries.get("exposure/candidate_events"),
                {"near_lo": near_lo, "near_hi": near_hi, "far_lo": far_lo, "far_hi": far_hi,
                 "start": start, "as_of": params.as_of})
    rows = cur.fetchall()
    if not rows:
        return {"id": np.zeros(0, np.int64)}
    ids, lons, lats, ages, fat, gp, wp, types = zip(*rows)
    ids_a = np.array(ids, np.int64)
    # the far part re-reads the near cells' uncertain events: keep each event once
    _, first = np.unique(ids_a, return_index=True)
    first.sort()
    ev = {"id": ids_a, "lon": np.array(lons), "lat": np.array(lats),
          "age": np.array(ages, np.int64), "fatalities": np.array(fat, np.int64),
          "geo_precision": np.array(gp, np.int64),
          "where_prec": np.array([-1 if w is None else w for w in wp], np.int64),
          "event_type": np.array(types, dtype=object)}
    return {k: v[first] for k, v in ev.items()}


def _weights(ev: dict[str, np.ndarray], params: rm.Params) -> tuple[np.ndarray, np.ndarray]:
    """Per event: weight x decay, and the location uncertainty in metres (NaN: never counted)."""
    types = ev["event_type"]
    uniq, inv = np.unique(types, return_inverse=True)
    tw = np.array([rm.TYPE_WEIGHTS.get(t, rm.DEFAULT_TYPE_WEIGHT) for t in uniq])[inv]
    w = tw * (1.0 + np.log1p(np.maximum(ev["fatalities"], 0)))
    dec = 0.5 ** (np.maximum(ev["age"], 0) / params.half_life_days)
    # look-up tables built from risk_model.uncertainty_m (NaN: never counted)
    nan = float("nan")
    acled = np.array([nan] + [rm.uncertainty_m(g, None) for g in (1, 2, 3)] + [rm.MAX_UNCERTAINTY_M] * 4)
    ucdp = np.array([nan] + [nan if rm.uncertainty_m(1, w) is None else rm.uncertainty_m(1, w) for w in range(1, 8)])
    gp = np.clip(ev["geo_precision"], 0, 7)
    wp = ev["where_prec"]
    unc = np.where(wp > 0, ucdp[np.clip(wp, 0, 7)], acled[gp])
    return w * dec, unc


def route_profile(conn: psycopg.Connection, route: LineString, params: rm.Params | None = None,
                  *, notes: list[str] | None = None) -> Profile:
    """The per-segment risk profile of ``route`` (EPSG:4326 LineString) as of ``params.as_of``."""
    params = params or rm.Params()
    params.check()
    pieces = split_route(route, params.segment_m)
    ev = fetch_candidates(conn, pieces, params)
    n = len(ev["id"])
    if n:
        wd, unc = _weights(ev, params)
        order = np.argsort(ev["lon"], kind="stable")
        lon_sorted = ev["lon"][order]
        boxes = _boxes(pieces, params.buffer_m + rm.MAX_UNCERTAINTY_M)

    segments: list[Segment] = []
    best_contrib: dict[int, float] = {}
    pos = 0.0
    per_segment_hits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i, line in enumerate(pieces):
        length = float(GEOD.line_length(line[:, 0], line[:, 1]))
        seg = Segment(index=i, start_m=pos, length_m=length, coords=[tuple(c) for c in line.tolist()])
        pos += length
        if n:
            x0, y0, x1, y1 = boxes[i]
            idx = order[np.searchsorted(lon_sorted, x0, "left"):np.searchsorted(lon_sorted, x1, "right")]
            la = ev["lat"][idx]
            idx = idx[(la >= y0) & (la <= y1)]
            idx = idx[~np.isnan(unc[idx])]
            d = point_polyline_distance_m(ev["lon"][idx], ev["lat"][idx], line)
            d_eff = np.maximum(d - unc[idx], 0.0)
            inside = d_eff <= params.buffer_m
            idx, d, d_eff = idx[inside], d[inside], d_eff[inside]
            dw = 1.0 - 0.5 * d_eff / params.buffer_m
            c = wd[idx] * dw
            seg.score = float(c.sum())
            seg.events = int(len(idx))
            seg.fatalities = int(ev["fatalities"][idx].sum())
            per_segment_hits.append((idx, d, c))
            for eid, cv in zip(ev["id"][idx].tolist(), c.tolist()):
                if cv > best_contrib.get(eid, -1.0):
                    best_contrib[eid] = cv
        seg.score_per_100km = seg.score / max(length, 0.5 * params.segment_m) * 100_000.0
        seg.event_level = rm.level_for(seg.score_per_100km)
        segments.append(seg)

    # top contributors, with what the reader needs to recognise them
    wanted: set[int] = set()
    if n:
        for seg, (idx, d, c) in zip(segments, per_segment_hits):
            top = np.argsort(-c, kind="stable")[: params.top_events]
            for j in top:
                k = idx[j]
                wdist = 1.0 - 0.5 * max(d[j] - unc[k], 0.0) / params.buffer_m
                seg.top_events.append(Contribution(
                    event_id=int(ev["id"][k]), event_date=(params.as_of - timedelta(days=int(ev["age"][k]))).isoformat(),
                    event_type=str(ev["event_type"][k]), fatalities=int(ev["fatalities"][k]),
                    distance_m=round(float(d[j]), 1), uncertainty_m=float(unc[k]), age_days=int(ev["age"][k]),
                    weight=round(rm.event_weight(str(ev["event_type"][k]), int(ev["fatalities"][k])), 4),
                    decay=round(rm.decay(float(ev["age"][k]), params.half_life_days), 4),
                    distance_weight=round(wdist, 4), contribution=round(float(c[j]), 4)))
                wanted.add(int(ev["id"][k]))
    if wanted:
        details = {r[0]: r for r in conn.execute(queries.get("exposure/event_details"), {"ids": sorted(wanted)})}
        for seg in segments:
            for t in seg.top_events:
                r = details.get(t.event_id)
                if r:
                    t.sub_event_type, t.location = r[1], r[2]
                    t.actors = " vs ".join(a for a in (r[3], r[4]) if a) or None

    _add_crossings(conn, segments, params)

    for seg in segments:
        _apply_levels(seg)

    total_m = sum(s.length_m for s in segments)
    route_score = float(sum(best_contrib.values()))
    ids = np.fromiter(best_contrib.keys(), np.int64, len(best_contrib))
    fat = 0
    if n and len(ids):
        fat = int(ev["fatalities"][np.isin(ev["id"], ids)].sum())
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
        "distinct_events": len(best_contrib), "fatalities": fat,
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
