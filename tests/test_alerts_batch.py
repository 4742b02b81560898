"""The batch path of alerts (`alerts.match`, `alerts.record`, `alerts.check`; migration 0031) against
independent computations: pyproj's geodesic, hand-worked cases, and the live path's SQL (`conflict.match_alerts`).

The batch path finds candidates by a lon/lat box and computes distance and bearing in Python (one geodesic
inverse per candidate); these tests check that it finds exactly the alerts of the live path, with the same
numbers and the same sentences, that the box never misses a point within the radius, and that the Python
sentence is SQL's on every rounding and compass edge.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from gis_core import queries
from gis_core.analysis import alerts
from gis_core.crs import GEOD

AIRPORT = (-7.9499, 12.5335)
DAY = date(2026, 4, 25)
TYPES = [("Battles", "Armed clash"), ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
         ("Violence against civilians", "Attack"), ("Protests", "Peaceful protest")]


def source(conn) -> int:
    return conn.execute(
        "INSERT INTO conflict.sources (name, kind) VALUES ('alerts batch test', 'manual') "
        "ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind RETURNING id").fetchone()[0]


def add_events(conn, rows) -> list[int]:
    """rows: (lon, lat, event_type, sub_event_type, fatalities, location, actor1, actor2). One INSERT statement."""
    src = source(conn)
    n0 = conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0]
    values = [(src, f"B{n0 + i}", DAY, 1, et, st, lon, lat, 1, fat, loc, a1, a2)
              for i, (lon, lat, et, st, fat, loc, a1, a2) in enumerate(rows)]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO conflict.events (source_id, source_event_id, event_date, time_precision, event_type,"
            " sub_event_type, longitude, latitude, geo_precision, fatalities, location, actor1, actor2)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id", values, returning=True)
        ids = []
        while True:
            ids.append(cur.fetchone()[0])
            if not cur.nextset():
                break
    return ids


def add_event(conn, lon, lat, **kw) -> int:
    return add_events(conn, [(lon, lat, kw.get("event_type", "Battles"), kw.get("sub", "Armed clash"),
                              kw.get("fatalities", 0), kw.get("location", "Senou"), "JNIM", None)])[0]


def at(bearing_deg, dist_m, origin=AIRPORT):
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], bearing_deg, dist_m)
    return lon, lat


def live_path(conn, ids):
    """conflict.match_alerts (the trigger's SQL) for the same events, in the batch path's order."""
    return conn.execute(
        "SELECT rule_id, site_id, event_id, distance_m, bearing_deg, message FROM conflict.match_alerts(%s::bigint[])"
        " ORDER BY event_id, rule_id, site_id", (list(ids),)).fetchall()


def assert_same_alerts(got, want):
    assert [g[:3] for g in got] == [w[:3] for w in want]
    for g, w in zip(got, want):
        assert g[3] == pytest.approx(w[3], abs=1e-6)                   # metres: same GeographicLib inverse
        assert (g[4] is None) == (w[4] is None)
        if g[4] is not None:
            assert abs((g[4] - w[4] + 180) % 360 - 180) < 1e-8
        assert g[5] == w[5]


# --- the search box ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lat", [0.0, 12.5, -33.0, 45.0, 70.0, 85.0, 89.0, 89.9, -89.5])
@pytest.mark.parametrize("radius_m", [1.0, 25_000.0, 500_000.0])
def test_search_envelope_holds_the_geodesic_circle(conn, lat, radius_m):
    """Every point at (and just inside) radius_m from the centre, by pyproj, lies in the box; the box is not
    grossly larger than the circle (a degree/metre mix-up would be)."""
    for lon in (-7.95, 179.9, -179.99):
        az = np.linspace(0.0, 360.0, 721)
        plon, plat, _ = GEOD.fwd(np.full(az.size, lon), np.full(az.size, lat), az, np.full(az.size, radius_m))
        qlon, qlat, _ = GEOD.fwd(np.full(az.size, lon), np.full(az.size, lat), az, np.full(az.size, radius_m * 0.7))
        xmin, ymin, xmax, ymax, crosses = conn.execute(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), conflict.search_crosses_antimeridian(%(x)s, %(y)s, %(r)s)"
            " FROM conflict.search_envelope(%(x)s, %(y)s, %(r)s) b", {"x": lon, "y": lat, "r": radius_m}).fetchone()
        lons, lats = np.concatenate([plon, qlon]), np.concatenate([plat, qlat])
        assert lats.min() >= ymin and lats.max() <= ymax
        if xmax - xmin >= 360:                                     # near a pole: every longitude
            assert not crosses
        else:
            across = np.abs(lons - lon) > 180                      # points on the other side of the antimeridian
            if across.any():
                assert crosses                                     # then the geography path takes the event
            assert lons[~across].min() >= xmin and lons[~across].max() <= xmax
        if abs(lat) < 60 and radius_m >= 25_000:                   # and tight: within 1 % of the circle's reach
            assert ymax - lat <= 1.01 * (lats.max() - lat)
            assert xmax - xmin < 360 and (crosses == (abs(lon) > 179))


def test_search_envelope_is_in_degrees_of_the_right_size(conn):
    # 25 km at 12.5 N: 0.2261 degree of latitude (110,574 m per degree at most), 0.2306 degree of longitude
    xmin, ymin, xmax, ymax = conn.execute(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM conflict.search_envelope(-7.95, 12.5, 25000) b").fetchone()
    assert (ymax - ymin) / 2 == pytest.approx(25_000 * 1.001 / 110_574 + 1e-6)
    assert (xmax - xmin) / 2 == pytest.approx(25_025 / (111_319.49 * math.cos(math.radians(12.5 + 25_025 / 110_574))) + 1e-6)


# --- the message ------------------------------------------------------------------------------------------------

def test_place_text_equals_sql_on_every_edge(conn):
    edges = np.array([k * 22.5 - 11.25 for k in range(1, 17)])
    bearings = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf), edges - 1e-12,
                               edges + 1e-12, edges - 2e-9, edges + 2e-9, [0.0, 359.99999999999994, 180.0, 45.0, 90.0],
                               np.random.default_rng(3).uniform(0, 360, 3000)])
    dists = np.concatenate([[0.0, 0.4, 0.9999, 1.0, 1.5, 2.5, 999.4999, 999.5, 999.5000001, 1000.0, 1049.99, 1050.0,
                             9949.999, 9950.0, 9999.949999, 9999.95, 9999.9999, 10000.0, 10499.999, 10500.0, 11500.0,
                             12500.0, 499_999.9, 500_000.0],
                            np.random.default_rng(4).uniform(0, 30_000, bearings.size - 24)])
    assert dists.size == bearings.size
    bearings_sql = [None if d < 1 and i % 2 else b for i, (d, b) in enumerate(zip(dists.tolist(), bearings.tolist()))]
    want = [r[0] for r in conn.execute(
        "SELECT conflict.alert_place_text(d, b, 'the site') FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY u(d, b, i)"
        " ORDER BY i", (dists.tolist(), bearings_sql)).fetchall()]
    scalar = [alerts.place_text(d, b, "the site") for d, b in zip(dists.tolist(), bearings_sql)]
    assert scalar == want
    vector = alerts._messages(dists, np.array([np.nan if b is None else b for b in bearings_sql]),
                              ["the site"] * dists.size, ["e"] * dists.size)
    assert vector == [w + ": e" for w in want]


def test_alert_message_is_its_two_parts(conn):
    row = conn.execute(
        "SELECT conflict.alert_message(12000, 45, 'Bamako-Sénou airport', 'Battles', 'Armed clash', 'Kati', '2026-04-25',"
        " 14, 'JNIM', 'FAMa'), conflict.alert_message(0.5, NULL, 'X', 'Riots', 'Mob violence', '', '2026-04-25', 1, NULL, 'Y')"
    ).fetchone()
    assert row == ("12 km NE of Bamako-Sénou airport: Battles (Armed clash) at Kati on 2026-04-25, 14 fatalities (JNIM vs FAMa)",
                   "at X: Riots (Mob violence) on 2026-04-25, 1 fatality")


# --- hand-worked cases -----------------------------------------------------------------------------------------

def test_hand_worked_distances_bearings_and_sentences(conn):
    sid = alerts.add_site(conn, "Bamako-Sénou airport", Point(*AIRPORT), kind="airport")
    rid = alerts.add_rule(conn, "airport 25 km", radius_m=25_000, site_id=sid)
    cases = [(45.0, 12_000, "12 km NE of Bamako-Sénou airport"), (90.0, 8_500, "8.5 km E of Bamako-Sénou airport"),
             (180.0, 850, "850 m S of Bamako-Sénou airport"), (292.5, 24_999.99, "25 km WNW of Bamako-Sénou airport"),
             (0.0, 0.4, "at Bamako-Sénou airport"), (200.0, 25_000.01, None), (10.0, 40_000, None)]
    conn.execute("UPDATE conflict.alert_rules SET active = false")            # the trigger stays quiet
    ids = add_events(conn, [(*at(b, d), "Battles", "Armed clash", 3, "Senou", "JNIM", "FAMa") for b, d, _ in cases])
    conn.execute("UPDATE conflict.alert_rules SET active = true")
    m = alerts.match(conn, ids)
    got = {e: (d, b, msg) for e, d, b, msg in zip(m.event_id.tolist(), m.distance_m.tolist(), m.bearing_deg.tolist(), m.message)}
    assert set(m.rule_id.tolist()) == {rid} and set(m.site_id.tolist()) == {sid}
    for eid, (bearing, dist, place) in zip(ids, cases):
        if place is None:
            assert eid not in got                                 # beyond 25 km, by a centimetre or more
            continue
        d, b, msg = got[eid]
        assert d == pytest.approx(dist, abs=1e-6)                  # GEOD.fwd put it there
        assert math.isnan(b) if dist < 1 else abs((b - bearing + 180) % 360 - 180) < 1e-6
        assert msg == f"{place}: Battles (Armed clash) at Senou on 2026-04-25, 3 fatalities (JNIM vs FAMa)"
    assert_same_alerts(m.rows(), live_path(conn, ids))


def test_across_the_antimeridian_and_near_the_pole(conn):
    """Fiji: a site at 179.95 E and events 10.6 km east (at 179.95 W) and 16 km west of it; a site 5.6 km from
    the North Pole and an event 5.6 km beyond it. Geography knows no antimeridian: the live path is a reference,
    and so is pyproj."""
    fiji, north = (179.95, -17.0), (30.0, 89.95)
    fiji_id = alerts.add_site(conn, "Fiji office", Point(*fiji), kind="office")
    north_id = alerts.add_site(conn, "North camp", Point(*north), kind="other")
    road_id = alerts.add_site(conn, "Fiji road", LineString([(179.9, -17.05), (179.99, -17.02)]), kind="route")
    alerts.add_rule(conn, "every site 20 km", radius_m=20_000)
    conn.execute("UPDATE conflict.alert_rules SET active = false")
    ids = add_events(conn, [(-179.95, -17.0, "Battles", "Armed clash", 1, "", "A", None),
                            (-150.0, 89.95, "Battles", "Armed clash", 2, "", "A", None),
                            (179.8, -17.0, "Battles", "Armed clash", 0, "", "A", None)])
    conn.execute("UPDATE conflict.alert_rules SET active = true")
    m = alerts.match(conn, ids)
    assert_same_alerts(m.rows(), live_path(conn, ids))
    pairs = {(s, e): (d, b) for s, e, d, b in
             zip(m.site_id.tolist(), m.event_id.tolist(), m.distance_m.tolist(), m.bearing_deg.tolist())}
    for site, sid, eid in ((fiji, fiji_id, ids[0]), (north, north_id, ids[1]), (fiji, fiji_id, ids[2])):
        lon, lat = conn.execute("SELECT longitude, latitude FROM conflict.events WHERE id = %s", (eid,)).fetchone()
        az, _, dist = GEOD.inv(*site, lon, lat)
        assert pairs[(sid, eid)][0] == pytest.approx(dist, abs=1e-6)
        assert pairs[(sid, eid)][1] == pytest.approx(az % 360, abs=1e-8)
    assert 10_000 < pairs[(fiji_id, ids[0])][0] < 11_000 and abs(pairs[(fiji_id, ids[0])][1] - 90) < 1
    assert 11_000 < pairs[(north_id, ids[1])][0] < 11_300         # 0.1 degree of latitude, over the pole
    assert (road_id, ids[0]) in pairs and (road_id, ids[2]) in pairs


# --- the batch path equals the live path -----------------------------------------------------------------------

def random_situation(conn, rng, n_sites=600, n_events=400):
    """Point sites, a route and an area around Bamako and Ségou; rules with filters; events (rules inactive while
    they are inserted, so that nothing is raised yet)."""
    src = source(conn)
    lon, lat = rng.uniform(-8.6, -6.0, n_sites), rng.uniform(12.0, 13.8, n_sites)
    with conn.cursor().copy("COPY conflict.sites (name, kind, geom, source_id) FROM STDIN") as cp:
        for i in range(n_sites):
            cp.write_row((f"site {i}", "office", f"SRID=4326;POINT({lon[i]} {lat[i]})", src))
    route = alerts.add_site(conn, "RN6", LineString([(-8.0, 12.64), (-7.5, 12.9), (-6.9, 13.2), (-6.27, 13.43)]), kind="route")
    area = alerts.add_site(conn, "Kati camp", Polygon([(-8.1, 12.72), (-8.02, 12.72), (-8.02, 12.78), (-8.1, 12.78)]), kind="military")
    alerts.add_rule(conn, "all 20 km", radius_m=20_000)
    alerts.add_rule(conn, "route 5 km, IEDs and battles", radius_m=5_000, site_id=route,
                    event_types=["Explosions/Remote violence", "Battles"])
    alerts.add_rule(conn, "camp 40 km, deadly", radius_m=40_000, site_id=area, min_fatalities=3)
    alerts.add_rule(conn, "site 7, 60 km", radius_m=60_000, site_id=alerts.site_id(conn, "site 7"))
    conn.execute("UPDATE conflict.alert_rules SET active = false")
    rows = []
    for i in range(n_events):
        et, st = TYPES[int(rng.integers(0, len(TYPES)))]
        fat = int(0 if rng.random() < 0.5 else rng.integers(1, 12))
        rows.append((float(rng.uniform(-8.5, -6.1)), float(rng.uniform(12.1, 13.7)), et, st, fat,
                     "" if i % 5 == 0 else f"place {i}", None if i % 7 == 0 else "JNIM", "FAMa" if i % 3 == 0 else None))
    ids = add_events(conn, rows)
    # one event on a point site, one on the route, one 0.6 m from a site: "at <site>"
    s0 = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM conflict.sites WHERE name = 'site 0'").fetchone()
    ids += add_events(conn, [(s0[0], s0[1], "Battles", "Armed clash", 1, "x", "A", None),
                             (-7.5, 12.9, "Explosions/Remote violence", "Remote explosive/landmine/IED", 4, "y", "B", "C"),
                             (*GEOD.fwd(s0[0], s0[1], 33.0, 0.6)[:2], "Protests", "Peaceful protest", 0, "z", None, None)])
    conn.execute("UPDATE conflict.alert_rules SET active = true")
    conn.execute("VACUUM ANALYZE conflict.sites")
    return ids


def test_match_equals_the_live_path_and_pyproj(conn):
    ids = random_situation(conn, np.random.default_rng(11))
    assert conn.execute("SELECT count(*) FROM conflict.alerts").fetchone()[0] == 0
    m = alerts.match(conn, ids)
    want = live_path(conn, ids)
    assert len(m) == len(want) > 500
    assert_same_alerts(m.rows(), want)
    kinds = dict(conn.execute("SELECT id, GeometryType(geom) FROM conflict.sites").fetchall())
    assert {kinds[s] for s in m.site_id.tolist()} == {"POINT", "LINESTRING", "POLYGON"}
    assert len(set(m.rule_id.tolist())) == 4
    assert sum(msg.startswith("at site 0: ") for msg in m.message) == 2
    # point sites, independently: pyproj's geodesic from the site to the event
    pts = conn.execute(
        "SELECT s.id, e.id, ST_X(s.geom), ST_Y(s.geom), e.longitude, e.latitude FROM conflict.sites s, conflict.events e"
        " WHERE GeometryType(s.geom) = 'POINT' AND e.id = ANY (%s)", (ids,)).fetchall()
    coords = {(s, e): (x, y, ex, ey) for s, e, x, y, ex, ey in pts}
    n = 0
    for s, e, d, b in zip(m.site_id.tolist(), m.event_id.tolist(), m.distance_m.tolist(), m.bearing_deg.tolist()):
        if (s, e) in coords:
            az, _, dist = GEOD.inv(*coords[(s, e)])
            assert d == pytest.approx(dist, rel=0.005, abs=1.0) and d == pytest.approx(dist, abs=1e-6)
            if d >= 1:
                assert abs((b - az % 360 + 180) % 360 - 180) < 1e-8
            n += 1
    assert n > 400
    # and nothing within a radius is missed: every point pair pyproj puts within 20 km is there
    lon = np.array([c[0] for c in coords.values()]); lat = np.array([c[1] for c in coords.values()])
    elon = np.array([c[2] for c in coords.values()]); elat = np.array([c[3] for c in coords.values()])
    _, _, dist = GEOD.inv(lon, lat, elon, elat)
    all_rule = conn.execute("SELECT id FROM conflict.alert_rules WHERE name = 'all 20 km'").fetchone()[0]
    within = {k for k, d in zip(coords, dist.tolist()) if d <= 20_000}
    found = {(s, e) for r, s, e in zip(m.rule_id.tolist(), m.site_id.tolist(), m.event_id.tolist()) if r == all_rule and (s, e) in coords}
    assert found == within


def test_match_of_nothing(conn):
    assert len(alerts.match(conn, [])) == 0
    assert len(alerts.match(conn, [123456])) == 0               # no such event
    eid = add_event(conn, *AIRPORT)
    assert len(alerts.match(conn, [eid])) == 0                  # no rule
    alerts.add_site(conn, "Bamako-Sénou airport", Point(*AIRPORT), kind="airport")
    alerts.add_rule(conn, "airport 25 km", radius_m=25_000, event_types=["Riots"])
    assert len(alerts.match(conn, [eid])) == 0                  # filtered out


# --- recording: once only, whichever path first ----------------------------------------------------------------

def test_check_records_each_alert_once_with_the_trigger(conn, monkeypatch):
    ids = random_situation(conn, np.random.default_rng(5), n_sites=200, n_events=150)
    want = live_path(conn, ids)
    monkeypatch.setattr(alerts, "CHECK_CHUNK_EVENTS", 37)        # several chunks
    new = alerts.check(conn, since=date(2026, 1, 1))
    assert len(new) == len(want) > 50
    assert [a["alert_id"] for a in new] == sorted(a["alert_id"] for a in new)
    stored = conn.execute("SELECT rule_id, site_id, event_id, distance_m, bearing_deg, message FROM conflict.alerts"
                          " ORDER BY event_id, rule_id, site_id").fetchall()
    assert_same_alerts(stored, want)
    assert {a["message"] for a in new} == {w[5] for w in want}
    assert alerts.check(conn, since=date(2026, 1, 1)) == []      # once only
    # the trigger raised the next one; check does not raise it again, and record() skips it
    eid = add_event(conn, -7.5, 12.9, event_type="Explosions/Remote violence", sub="Remote explosive/landmine/IED", fatalities=5)
    live = conn.execute("SELECT count(*) FROM conflict.alerts WHERE event_id = %s", (eid,)).fetchone()[0]
    assert live >= 2
    assert alerts.check(conn, since=date(2026, 1, 1)) == []
    assert alerts.record(conn, alerts.match(conn, [eid])) == []
    assert conn.execute("SELECT count(*) FROM conflict.alerts").fetchone()[0] == len(want) + live
    # an "at <site>" alert is stored with no bearing (the CHECK allows 0 <= bearing < 360 or NULL)
    at_site = conn.execute("SELECT count(*) FILTER (WHERE bearing_deg IS NULL), count(*) FILTER (WHERE message LIKE 'at %%')"
                           " FROM conflict.alerts").fetchone()
    assert at_site[0] == at_site[1] >= 4


def test_check_is_all_or_nothing(conn, monkeypatch):
    ids = random_situation(conn, np.random.default_rng(6), n_sites=100, n_events=80)
    monkeypatch.setattr(alerts, "CHECK_CHUNK_EVENTS", 20)
    calls = []
    real_record = alerts.record

    def failing_record(c, m):
        calls.append(len(m))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_record(c, m)

    monkeypatch.setattr(alerts, "record", failing_record)
    with pytest.raises(RuntimeError):
        alerts.check(conn, since=date(2026, 1, 1))
    assert conn.execute("SELECT count(*) FROM conflict.alerts").fetchone()[0] == 0
    assert len(live_path(conn, ids)) > 0


def test_the_candidate_search_uses_the_point_index(conn):
    """The design rests on one probe of sites_point_spgist per event and rule (not the GiST index, not a scan)."""
    random_situation(conn, np.random.default_rng(8), n_sites=3000, n_events=200)
    ids = [r[0] for r in conn.execute("SELECT id FROM conflict.events ORDER BY id DESC LIMIT 200")]
    sql = queries.get("alerts/candidates").replace("%(event_ids)s", "'{" + ",".join(map(str, ids)) + "}'")
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + sql))
    assert "Index Scan using sites_point_spgist on sites" in plan
    assert "Seq Scan on sites" not in plan
