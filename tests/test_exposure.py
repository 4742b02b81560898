"""Route exposure against hand-worked numbers: distances, ages (one half-life counts half), uncertainty, as-of."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest
from shapely.geometry import LineString

from gis_core.analysis import exposure, risk_model
from gis_core.crs import GEOD

AS_OF = date(2026, 4, 26)
# A straight route due north along 7 W, 20 km long, from (-7, 13).
START = (-7.0, 13.0)
END_LON, END_LAT, _ = GEOD.fwd(-7.0, 13.0, 0.0, 20_000.0)
ROUTE = LineString([START, (END_LON, END_LAT)])
MID_LON, MID_LAT, _ = GEOD.fwd(-7.0, 13.0, 0.0, 10_000.0)


def source(conn) -> int:
    return conn.execute(
        "INSERT INTO conflict.sources (name, kind) VALUES ('test', 'manual') "
        "ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind RETURNING id").fetchone()[0]


def add_event(conn, lon, lat, day, *, event_type="Battles", sub="Armed clash", fatalities=0, geo_precision=1,
              native=None, location=None) -> int:
    src = source(conn)
    n = conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0]
    return conn.execute(
        "INSERT INTO conflict.events (source_id, source_event_id, event_date, time_precision, event_type, sub_event_type,"
        " longitude, latitude, geo_precision, fatalities, native, location)"
        " VALUES (%s, %s, %s, 1, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (src, f"T{n + 1}", day, event_type, sub, lon, lat, geo_precision, fatalities, json.dumps(native or {}), location),
    ).fetchone()[0]


def east_of_mid(d_m: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(MID_LON, MID_LAT, 90.0, d_m)
    return lon, lat


def test_hand_worked_route(conn):
    p = risk_model.Params(as_of=AS_OF, segment_m=50_000, buffer_m=10_000, days=90, half_life_days=30)
    a = add_event(conn, MID_LON, MID_LAT, AS_OF)                                    # on the route, today: 1.0
    b = add_event(conn, *east_of_mid(5_000), AS_OF - timedelta(days=30))            # 5 km, one half-life: 0.5 * 0.75
    add_event(conn, *east_of_mid(12_000), AS_OF)                                    # 12 km, exact: outside
    d = add_event(conn, *east_of_mid(12_000), AS_OF, geo_precision=2)               # 12 km, +-10 km: d_eff 2 km -> 0.9
    add_event(conn, *east_of_mid(1_000), AS_OF, native={"where_prec": 6})           # UCDP country-level: never
    add_event(conn, *east_of_mid(1_000), AS_OF - timedelta(days=90))                # outside the 90-day window
    add_event(conn, *east_of_mid(1_000), AS_OF + timedelta(days=1))                 # after as-of
    e = add_event(conn, *east_of_mid(2_000), AS_OF, event_type="Violence against civilians", sub="Attack",
                  fatalities=10)                                                    # 1.0 * (1 + ln 11) * 0.9
    prof = exposure.route_profile(conn, ROUTE, p)
    assert len(prof.segments) == 1
    seg = prof.segments[0]
    w_e = 1.0 + np.log(11.0)
    expected = 1.0 + 0.5 * 0.75 + 0.9 + w_e * 0.9
    assert seg.score == pytest.approx(expected, rel=1e-3)
    assert prof.summary["distinct_events"] == 4
    assert prof.summary["fatalities"] == 10
    by_id = {c.event_id: c for c in seg.top_events}
    assert e in by_id and a in by_id and d in by_id   # the top 3
    assert by_id[e].distance_m == pytest.approx(2_000, rel=0.005)
    assert by_id[d].distance_m == pytest.approx(12_000, rel=0.005)
    assert by_id[d].uncertainty_m == 10_000
    p4 = risk_model.Params(as_of=AS_OF, segment_m=50_000, top_events=4)
    b_c = {c.event_id: c for c in exposure.route_profile(conn, ROUTE, p4).segments[0].top_events}[b]
    assert b_c.decay == pytest.approx(0.5)
    assert b_c.contribution == pytest.approx(0.375, rel=1e-3)
    assert b_c.distance_m == pytest.approx(5_000, rel=0.005)


def test_one_half_life_counts_half(conn):
    add_event(conn, MID_LON, MID_LAT, AS_OF - timedelta(days=17))
    fresh = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF - timedelta(days=17), segment_m=50_000))
    old = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF, segment_m=50_000, half_life_days=17))
    assert old.summary["score"] == pytest.approx(fresh.summary["score"] / 2, rel=1e-6)


def test_uncertainty_widens_the_buffer(conn):
    lon, lat = east_of_mid(20_000)
    p = risk_model.Params(as_of=AS_OF, segment_m=50_000)
    add_event(conn, lon, lat, AS_OF, geo_precision=2)        # 20 km - 10 km = 10 km: on the edge, weight 0.5
    prof = exposure.route_profile(conn, ROUTE, p)
    assert prof.summary["distinct_events"] == 1
    assert prof.summary["score"] == pytest.approx(0.5, rel=1e-3)
    lon2, lat2 = east_of_mid(34_000)
    add_event(conn, lon2, lat2, AS_OF, native={"where_prec": 2})   # UCDP within 25 km: 34 - 25 = 9 km
    add_event(conn, lon2, lat2, AS_OF, geo_precision=3)             # ACLED region: 34 - 25 = 9 km
    add_event(conn, lon2, lat2, AS_OF, geo_precision=2)             # 34 - 10 = 24 km: out
    prof = exposure.route_profile(conn, ROUTE, p)
    assert prof.summary["distinct_events"] == 3
    assert prof.summary["score"] == pytest.approx(0.5 + 2 * (1 - 0.5 * 0.9), rel=1e-3)


def test_event_near_two_segments_counts_once(conn):
    add_event(conn, *east_of_mid(3_000), AS_OF, fatalities=4)
    prof = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF, segment_m=10_000))
    assert len(prof.segments) == 2
    assert [s.events for s in prof.segments] == [1, 1]
    assert prof.summary["distinct_events"] == 1
    assert prof.summary["fatalities"] == 4
    assert prof.summary["score"] == pytest.approx(max(s.score for s in prof.segments), rel=1e-4)


def test_segments_have_the_asked_geodesic_length():
    line = LineString([(-8.0, 12.65), (-6.27, 13.45), (-4.2, 14.49)])
    pieces = exposure.split_route(line, 10_000)
    lengths = [GEOD.line_length(p[:, 0], p[:, 1]) for p in pieces]
    assert all(l == pytest.approx(10_000, abs=1) for l in lengths[:-1])
    assert sum(lengths) == pytest.approx(GEOD.line_length(*np.asarray(line.coords).T), rel=1e-9)


def test_kernel_distance_matches_geodesic():
    rng = np.random.default_rng(5)
    a = np.array([[-3.0, 15.0], [-2.92, 15.03]])
    lons = -3.3 + rng.random(200) * 0.1
    lats = 14.8 + rng.random(200) * 0.1   # south-west of a: the closest point is vertex a
    d = exposure.point_polyline_distance_m(lons, lats, a)
    _, _, g = GEOD.inv(lons, lats, np.full(200, -3.0), np.full(200, 15.0))
    assert np.all(np.abs(d - g) <= 0.005 * g)
    assert np.max(np.abs(d - g) / g) < 0.001


def test_cells_agree_with_sql(conn):
    rng = np.random.default_rng(1)
    lons = -12.5 + rng.random(500) * 17
    lats = 10 + rng.random(500) * 15
    py = exposure.cell_of(lons, lats)
    sql = [r[0] for r in conn.execute(
        "SELECT conflict.cell_of(x, y) FROM unnest(%s::float8[], %s::float8[]) AS u(x, y)", (lons.tolist(), lats.tolist()))]
    assert py.tolist() == sql


def setup_zone_and_corridor(conn):
    src = source(conn)
    jnim = conn.execute("INSERT INTO conflict.actors (name, kind) VALUES ('JNIM', 'jihadist') RETURNING id").fetchone()[0]
    fla = conn.execute("INSERT INTO conflict.actors (name, kind) VALUES ('FLA', 'rebel') RETURNING id").fetchone()[0]
    conn.execute(
        "INSERT INTO conflict.corridors (corridor_key, name, kind, imposed_by, restrictions, width_m, valid_from, geom, source_id)"
        " VALUES ('c1', 'Test blockade', 'blockade', %s, 'fuel trucks attacked', 4000, '2025-09-01',"
        " ST_Multi(ST_GeomFromText(%s, 4326)), %s)", (jnim, ROUTE.wkt, src))
    zid = conn.execute(
        "INSERT INTO conflict.control_zones (zone_key, name, kind, status, valid_from, valid_to, geom, source_id)"
        " VALUES ('z1', 'Test zone', 'control', 'full', '2020-01-01', '2025-01-01',"
        " ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(-7.0, 13.05), 4326), 0.1)), %s) RETURNING id", (src,)).fetchone()[0]
    conn.execute("INSERT INTO conflict.control_zone_actors VALUES (%s, %s)", (zid, fla))


def test_as_of_changes_which_zones_and_corridors_apply(conn):
    setup_zone_and_corridor(conn)
    now = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF))
    then = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=date(2024, 1, 1)))
    later = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=date(2025, 3, 1)))
    assert {c.name for s in now.segments for c in s.crossings} == {"Test blockade"}
    assert {c.name for s in then.segments for c in s.crossings} == {"Test zone"}
    assert {c.name for s in later.segments for c in s.crossings} == set()
    assert now.summary["level"] == "high" and later.summary["level"] == "low"
    assert then.summary["level"] == "high"
    z = [c for s in then.segments for c in s.crossings][0]
    assert z.controllers == "FLA" and z.status == "full" and z.hostile
    c = [c for s in now.segments for c in s.crossings][0]
    assert c.controllers == "JNIM" and c.restrictions == "fuel trucks attacked"


def test_blockade_with_recent_events_escalates(conn):
    setup_zone_and_corridor(conn)
    add_event(conn, MID_LON, MID_LAT, AS_OF - timedelta(days=40))   # alone: 0.4 per 10 km -> moderate
    prof = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF))
    assert {s.event_level for s in prof.segments} >= {"moderate"}
    assert prof.summary["level"] == "extreme"


def test_corridor_missed_by_a_route_passing_outside_its_width(conn):
    src = source(conn)
    axis_lon, axis_lat, _ = GEOD.fwd(MID_LON, MID_LAT, 90.0, 2_100.0)   # parallel axis 2.1 km east, width 4 km
    axis = LineString([(axis_lon, axis_lat - 0.05), (axis_lon, axis_lat + 0.05)])
    conn.execute(
        "INSERT INTO conflict.corridors (corridor_key, name, kind, width_m, valid_from, geom, source_id)"
        " VALUES ('c2', 'Near miss', 'restricted', 4000, '2025-01-01', ST_Multi(ST_GeomFromText(%s, 4326)), %s)",
        (axis.wkt, src))
    assert not any(s.crossings for s in exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF)).segments)
    conn.execute("UPDATE conflict.corridors SET width_m = 4400")
    assert any(s.crossings for s in exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF)).segments)


def test_geojson_and_geodataframe(conn):
    add_event(conn, MID_LON, MID_LAT, AS_OF, fatalities=3)
    prof = exposure.route_profile(conn, ROUTE, risk_model.Params(as_of=AS_OF), notes=["straight line"])
    doc = prof.to_geojson()
    assert doc["type"] == "FeatureCollection" and doc["summary"]["distinct_events"] == 1
    assert all(f["geometry"]["type"] == "LineString" for f in doc["features"])
    assert doc["summary"]["notes"] == ["straight line"]
    json.dumps(doc)
    gdf = prof.to_geodataframe()
    assert len(gdf) == 2 and gdf.crs.to_epsg() == 4326
