"""The fast paths of route exposure and alerts against straightforward reference computations.

Route exposure: random events around a route, the profile computed by `route_profile` (grid cells, covering
indexes, numpy kernel in a local tangent plane) against a reference that asks PostGIS for the geodesic
distance (spheroid) from every event of the window to every segment and applies risk_model's scalar
formulas event by event. Alerts: `conflict.match_alerts` against the plain geography join, with the
messages rebuilt in Python.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from gis_core.analysis import exposure
from gis_core.analysis import risk_model as rm
from gis_core.crs import GEOD

AS_OF = date(2026, 4, 26)
TYPES = [("Battles", "Armed clash"), ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
         ("Violence against civilians", "Attack"), ("Protests", "Peaceful protest"), ("Riots", "Mob violence"),
         ("Strategic developments", "Looting/property destruction")]
COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]


def source(conn) -> int:
    return conn.execute(
        "INSERT INTO conflict.sources (name, kind) VALUES ('fast-path test', 'manual') "
        "ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind RETURNING id").fetchone()[0]


def random_events(conn, rng, n, lon_range, lat_range):
    src = source(conn)
    lons = rng.uniform(*lon_range, n)
    lats = rng.uniform(*lat_range, n)
    with conn.cursor().copy(
            "COPY conflict.events (source_id, source_event_id, event_date, time_precision, event_type, sub_event_type,"
            " longitude, latitude, geo_precision, fatalities, native, location, actor1) FROM STDIN") as cp:
        for i in range(n):
            et, st = TYPES[int(rng.integers(0, len(TYPES)))]
            native = {}
            if rng.random() < 0.1:                                   # UCDP-like, every where_prec incl. 6 and 7
                native = {"where_prec": int(rng.integers(1, 8))}
            day = AS_OF - timedelta(days=int(rng.integers(-5, 120)))   # some after as_of, some before the window
            cp.write_row((src, f"F{i}", day, 1, et, st, float(lons[i]), float(lats[i]),
                          int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1])),
                          int(0 if rng.random() < 0.6 else rng.integers(1, 30)), json.dumps(native), f"place {i}", "X"))
    conn.execute("VACUUM ANALYZE conflict.events")


def test_exposure_codes_agree_with_risk_model(conn):
    assert set(rm.TYPE_WEIGHTS) <= set(exposure.TYPE_CODES)
    tw, unc = exposure._code_tables()
    natives = [{}] + [{"where_prec": w} for w in range(1, 8)] + [{"where_prec": "9"}, {"where_prec": "x"}]
    for et in list(exposure.TYPE_CODES) + ["Something else"]:
        for gp in (1, 2, 3):
            for native in natives:
                code = conn.execute("SELECT conflict.exposure_code(%s, %s::smallint, %s::jsonb)",
                                    (et, gp, json.dumps(native))).fetchone()[0]
                assert tw[code // 100] == rm.TYPE_WEIGHTS.get(et, rm.DEFAULT_TYPE_WEIGHT)
                wp = native.get("where_prec") if isinstance(native.get("where_prec"), int) else None
                expected = rm.uncertainty_m(gp, wp)
                got = unc[code % 100]
                assert (expected is None and math.isnan(got)) or got == expected, (et, gp, native)


@pytest.mark.parametrize("seed", [3, 11])
def test_route_profile_matches_a_geodesic_reference(conn, seed):
    rng = np.random.default_rng(seed)
    a, b, c = (-6.0, 14.0), (-5.62, 14.21), (-5.30, 14.05)
    pts = [a, *GEOD.npts(*a, *b, 6), b, *GEOD.npts(*b, *c, 6), c]
    route = LineString(pts)                                     # ~80 km, a bend, vertices every ~6 km
    random_events(conn, rng, 4000, (-6.45, -4.85), (13.6, 14.6))
    params = rm.Params(as_of=AS_OF, days=90, buffer_m=10_000, segment_m=10_000, half_life_days=30, top_events=50)
    prof = exposure.route_profile(conn, route, params)

    pieces = exposure.split_route(route, params.segment_m)
    wkbs = [shapely.to_wkb(LineString(p)) for p in pieces]
    rows = conn.execute(
        "SELECT s.i, e.id, e.event_type, e.fatalities, %(as_of)s::date - e.event_date, e.geo_precision,"
        "       (e.native ->> 'where_prec')::int, ST_Distance(e.geom::geography, s.g)"
        " FROM (SELECT (ord - 1)::int AS i, ST_SetSRID(ST_GeomFromWKB(w), 4326)::geography AS g"
        "       FROM unnest(%(wkbs)s::bytea[]) WITH ORDINALITY AS u(w, ord)) s"
        " CROSS JOIN conflict.events e"
        " WHERE e.event_date > %(start)s AND e.event_date <= %(as_of)s",
        {"wkbs": wkbs, "as_of": AS_OF, "start": AS_OF - timedelta(days=params.days)}).fetchall()
    ref: dict[int, dict[int, tuple[float, float]]] = {i: {} for i in range(len(pieces))}
    borderline: dict[int, float] = {i: 0.0 for i in range(len(pieces))}
    for i, eid, et, fat, age, gp, wp, d in rows:
        u = rm.uncertainty_m(gp, wp)
        if u is None:
            continue
        contrib = (rm.event_weight(et, fat) * rm.decay(age, params.half_life_days)
                   * rm.distance_weight(d, u, params.buffer_m))
        if abs(max(d - u, 0.0) - params.buffer_m) < 0.002 * params.buffer_m:   # on the edge: either side is right
            borderline[i] += rm.event_weight(et, fat)
            continue
        if contrib > 0:
            ref[i][eid] = (d, contrib)

    assert len(prof.segments) == len(pieces)
    n_checked = 0
    for seg in prof.segments:
        want = sum(c for _, c in ref[seg.index].values())
        assert seg.score == pytest.approx(want, rel=0.005, abs=borderline[seg.index] + 1e-9)
        for t in seg.top_events:                               # distances of the named events, vs the geodesic
            if t.event_id in ref[seg.index]:
                assert t.distance_m == pytest.approx(ref[seg.index][t.event_id][0], rel=0.005, abs=1.0)
                n_checked += 1
    assert n_checked > 100
    best: dict[int, float] = {}
    for hits in ref.values():
        for eid, (_, contrib) in hits.items():
            best[eid] = max(best.get(eid, 0.0), contrib)
    slack = sum(borderline.values())
    assert prof.summary["score"] == pytest.approx(sum(best.values()), rel=0.005, abs=slack + 1e-9)
    if slack == 0:
        assert prof.summary["distinct_events"] == len(best)


def test_compass_point_float_path_equals_the_numeric_formula(conn):
    edges = np.array([k * 22.5 - 11.25 for k in range(1, 17)])
    near = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),
                           edges - 1e-12, edges + 1e-12, [0.0, 359.99999999999994, 180.0]])
    bearings = np.concatenate([near, np.random.default_rng(2).uniform(0, 360, 5000)])
    rows = conn.execute(
        "SELECT conflict.compass_point(b),"
        " (ARRAY['N','NNE','NE','ENE','E','ESE','SE','SSE','S','SSW','SW','WSW','W','WNW','NW','NNW'])"
        "   [(floor(((b + 11.25)::numeric %% 360) / 22.5))::integer + 1]"
        " FROM unnest(%s::float8[]) AS u(b)", (bearings.tolist(),)).fetchall()
    assert all(fast == exact for fast, exact in rows)


def _distance_text(d: float) -> str:
    if d < 1000:
        return f"{round(d)} m"
    if d < 10000:
        return f"{d / 1000:.1f} km"
    return f"{round(d / 1000)} km"


def test_match_alerts_equals_the_plain_geography_join(conn):
    rng = np.random.default_rng(9)
    src = source(conn)
    lon = rng.uniform(-8.5, -6.5, 400)
    lat = rng.uniform(12.0, 14.0, 400)
    with conn.cursor().copy("COPY conflict.sites (name, kind, geom, source_id) FROM STDIN") as cp:
        for i in range(400):
            cp.write_row((f"site {i}", "office", f"SRID=4326;POINT({lon[i]} {lat[i]})", src))
    road = LineString([(-8.0, 12.64), (-7.5, 12.9), (-6.9, 13.2)])
    conn.execute("INSERT INTO conflict.sites (name, kind, geom, source_id) VALUES ('road', 'route', ST_GeomFromText(%s, 4326), %s)",
                 (road.wkt, src))
    random_events(conn, rng, 300, (-8.4, -6.6), (12.1, 13.9))     # no rule yet: the trigger raises nothing
    conn.execute("INSERT INTO conflict.alert_rules (name, radius_m) VALUES ('all 20 km', 20000)")
    ids = [r[0] for r in conn.execute("SELECT id FROM conflict.events")]
    got = conn.execute("SELECT site_id, event_id, distance_m, bearing_deg, message FROM conflict.match_alerts(%s)"
                       " ORDER BY 1, 2", (ids,)).fetchall()
    want = conn.execute(
        "SELECT s.id, e.id, ST_Distance(s.geom::geography, e.geom::geography),"
        "       degrees(ST_Azimuth(ST_ClosestPoint(s.geom, e.geom)::geography, e.geom::geography)),"
        "       s.name, e.event_type, e.sub_event_type, e.location, e.event_date, e.fatalities, e.actor1, e.actor2"
        " FROM conflict.events e JOIN conflict.sites s ON ST_DWithin(s.geom::geography, e.geom::geography, 20000)"
        " ORDER BY 1, 2").fetchall()
    assert len(got) == len(want) > 100
    assert any(w[4] == "road" for w in want)
    for (sid, eid, d, bearing, msg), (wsid, weid, wd, wb, site, et, st, loc, day, fat, a1, a2) in zip(got, want):
        assert (sid, eid) == (wsid, weid)
        assert d == wd
        where = f"at {site}"
        if d >= 1:
            assert bearing == wb
            where = f"{_distance_text(d)} {COMPASS[int(math.floor((bearing + 11.25) / 22.5)) % 16]} of {site}"
        fat_txt = f"{fat} fatality" if fat == 1 else f"{fat} fatalities"
        actors = f" ({a1}{' vs ' + a2 if a2 else ''})" if a1 else ""
        assert msg == f"{where}: {et} ({st}) at {loc} on {day.isoformat()}, {fat_txt}{actors}"
