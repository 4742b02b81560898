"""The fast path of route exposure (docs/risk-model.md, "Why it is fast") against brute force, on a real PostGIS.

The fast path prunes: grid cells chosen by their distance to the pieces (three rings by location uncertainty),
location codes filtered in SQL, per-class boxes, sections fetched by a second thread, top events from a few
candidates per segment. The brute force prunes nothing: every event of the window (one plain SELECT), every piece,
the reference distance ``point_polyline_distance_m`` and risk_model's scalar formulas event by event. Both must find
the same (segment, event) pairs, the same scores and the same top events; events are placed on purpose near the
edges of the rings (buffer, buffer + 10 km, buffer + 25 km), with every location code.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import psycopg
import pytest
from shapely.geometry import LineString

from gis_core import queries
from gis_core.analysis import exposure
from gis_core.analysis import risk_model as rm
from gis_core.crs import GEOD

AS_OF = date(2026, 4, 26)
TYPES = [("Battles", "Armed clash"), ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
         ("Violence against civilians", "Attack"), ("Protests", "Peaceful protest"), ("Riots", "Mob violence"),
         ("Strategic developments", "Looting/property destruction")]
# A bent route (~150 km: east, then north-east, then north) with vertices every ~4 km: pieces of 2-5 vertices.
A, B, C, D = (-6.0, 14.0), (-5.55, 14.05), (-5.2, 14.4), (-5.2, 14.75)
ROUTE = LineString([A, *GEOD.npts(*A, *B, 12), B, *GEOD.npts(*B, *C, 13), C, *GEOD.npts(*C, *D, 9), D])


def source(conn) -> int:
    return conn.execute(
        "INSERT INTO conflict.sources (name, kind) VALUES ('kernel test', 'manual') "
        "ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind RETURNING id").fetchone()[0]


def ring_events(conn, rng, n: int, buffer_m: float) -> None:
    """n events at random distances around the rings' edges from random points of the route, every location code,
    dates inside and outside the window, many exact ties (same type, date and fatalities within the uncertainty)."""
    coords = np.asarray(ROUTE.coords)
    src = source(conn)
    edges = np.array([0.0, buffer_m, buffer_m + 10_000, buffer_m + 25_000])
    with conn.cursor().copy(
            "COPY conflict.events (source_id, source_event_id, event_date, time_precision, event_type, sub_event_type,"
            " longitude, latitude, geo_precision, fatalities, native) FROM STDIN") as cp:
        for i in range(n):
            k = int(rng.integers(0, len(coords) - 1))
            f = rng.random()
            lon0 = coords[k, 0] + f * (coords[k + 1, 0] - coords[k, 0])
            lat0 = coords[k, 1] + f * (coords[k + 1, 1] - coords[k, 1])
            dist = max(float(rng.choice(edges) + rng.normal(0, 1_500)), 0.0)
            lon, lat, _ = GEOD.fwd(lon0, lat0, float(rng.uniform(0, 360)), dist)
            native = {"where_prec": int(rng.integers(1, 8))} if rng.random() < 0.2 else {}
            tied = rng.random() < 0.3                            # same type, fatalities and date: exact ties
            day = AS_OF - timedelta(days=0 if tied else int(rng.integers(-3, 100)))
            et, st = TYPES[0] if tied else TYPES[int(rng.integers(0, len(TYPES)))]
            cp.write_row((src, f"K{i}", day, 1, et, st, round(lon, 5) if rng.random() < 0.5 else lon, lat,
                          int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2])),
                          0 if tied else int(rng.geometric(0.3) - 1), json.dumps(native)))
    conn.execute("VACUUM ANALYZE conflict.events")


def brute_force(conn, route: LineString, params: rm.Params):
    """Per segment {event id: (distance, contribution)} and per event (lon, fatalities), from every event."""
    rows = conn.execute(
        "SELECT id, longitude, latitude, event_type, fatalities, %(as_of)s::date - event_date, geo_precision,"
        "       CASE WHEN native ->> 'where_prec' IN ('1','2','3','4','5','6','7') THEN (native ->> 'where_prec')::int END"
        " FROM conflict.events WHERE event_date > %(since)s AND event_date <= %(as_of)s",
        {"as_of": params.as_of, "since": params.as_of - timedelta(days=params.days)}).fetchall()
    pieces = exposure.split_route(route, params.segment_m)
    lons = np.array([r[1] for r in rows])
    lats = np.array([r[2] for r in rows])
    hits: list[dict[int, tuple[float, float]]] = []
    for piece in pieces:
        d = exposure.point_polyline_distance_m(lons, lats, piece)
        seg = {}
        for (eid, _, _, et, fat, age, gp, wp), dist in zip(rows, d.tolist()):
            u = rm.uncertainty_m(gp, wp)
            if u is None or max(dist - u, 0.0) > params.buffer_m:
                continue
            seg[eid] = (dist, rm.event_weight(et, fat) * rm.decay(age, params.half_life_days)
                        * rm.distance_weight(dist, u, params.buffer_m))
        hits.append(seg)
    return hits, {r[0]: (r[1], r[4]) for r in rows}


def assert_same_as_brute_force(prof, hits, info, k):
    assert len(prof.segments) == len(hits)
    best: dict[int, float] = {}
    for seg, want in zip(prof.segments, hits):
        assert seg.events == len(want)
        assert seg.fatalities == sum(info[e][1] for e in want)
        assert seg.score == pytest.approx(sum(c for _, c in want.values()), rel=1e-9, abs=1e-12)
        order = sorted(want, key=lambda e: (-want[e][1], info[e][0], e))[:k]     # ties: westernmost, then lower id
        assert [t.event_id for t in seg.top_events] == order
        for t in seg.top_events:
            assert t.distance_m == round(want[t.event_id][0], 1)
            assert t.contribution == round(want[t.event_id][1], 4)
        for e, (_, c) in want.items():
            best[e] = max(best.get(e, 0.0), c)
    assert prof.summary["distinct_events"] == len(best)
    assert prof.summary["fatalities"] == sum(info[e][1] for e in best)
    assert prof.summary["score"] == pytest.approx(round(sum(best.values()), 4), abs=2e-4)


@pytest.mark.parametrize("buffer_m,segment_m,sections", [(10_000, 10_000, 1), (10_000, 7_000, 4),
                                                         (3_000, 10_000, 3), (40_000, 25_000, 2)])
def test_profile_equals_brute_force_over_every_event(conn, monkeypatch, buffer_m, segment_m, sections):
    ring_events(conn, np.random.default_rng(int(buffer_m + segment_m)), 2500, buffer_m)
    monkeypatch.setattr(exposure, "CELLS_PER_SECTION", 1)          # as many sections as MAX_SECTIONS allows
    monkeypatch.setattr(exposure, "MAX_SECTIONS", sections)
    exposure._cached_plan.cache_clear()
    try:
        params = rm.Params(as_of=AS_OF, days=60, buffer_m=buffer_m, segment_m=segment_m, half_life_days=20,
                           top_events=6)
        plan = exposure.route_plan(ROUTE, segment_m, buffer_m)
        assert len(plan.sections) == sections
        prof = exposure.route_profile(conn, ROUTE, params)
    finally:
        exposure._cached_plan.cache_clear()
    hits, info = brute_force(conn, ROUTE, params)
    assert sum(len(h) for h in hits) > 500
    assert_same_as_brute_force(prof, hits, info, params.top_events)


def test_cells_hold_every_event_that_can_count(conn):
    """fetch_candidates (cells, rings, location codes) returns a superset of the events that count, and nothing
    from the rings beyond the buffer that cannot count there (exact locations, never-counted codes)."""
    ring_events(conn, np.random.default_rng(7), 3000, 10_000)
    params = rm.Params(as_of=AS_OF, days=60, buffer_m=10_000, segment_m=10_000)
    plan = exposure.route_plan(ROUTE, params.segment_m, params.buffer_m)
    got = exposure.fetch_candidates(conn, plan, params)
    ids = set(got["id"].tolist())
    assert len(ids) == len(got["id"])                                  # each event once
    hits, _ = brute_force(conn, ROUTE, params)
    counted = set().union(*hits)
    assert counted <= ids and len(counted) > 500
    _, unc = exposure._code_tables()
    near = np.concatenate([sec[0] for sec in plan.sections])
    beyond = ~np.isin(exposure.cell_of(got["lon"], got["lat"]), near)
    assert beyond.any()
    assert not np.any(unc[got["code"][beyond] % 100] == 0)            # exact locations only from near cells
    assert not np.any(np.isnan(unc[got["code"][beyond] % 100]))       # never-counted codes not read there


@pytest.mark.parametrize("lat0", [14.0, -33.9, 61.0])
def test_cell_rings_cover_every_point_within_reach(lat0):
    """Dense points around a bent route: a point within buffer (+ a class) of a piece, in the kernel's metric, lies
    in a cell of that ring or a nearer one."""
    buffer_m = 5_000.0
    route = LineString([(20.0, lat0), (20.3, lat0 + 0.02), (20.35, lat0 + 0.3), (20.1, lat0 + 0.45)])
    plan = exposure._build_plan(route, 4_000.0, buffer_m)
    classes = plan.classes
    rng = np.random.default_rng(3)
    lons = rng.uniform(19.3, 21.2, 200_000)
    lats = rng.uniform(lat0 - 0.5, lat0 + 0.95, 200_000)
    d = np.full(len(lons), np.inf)
    for piece in plan.pieces:
        np.minimum(d, exposure.point_polyline_distance_m(lons, lats, piece), out=d)
    cells = exposure.cell_of(lons, lats)
    near, mid, outer = (np.concatenate([sec[r] for sec in plan.sections]) for r in range(3))
    assert len(np.intersect1d(near, mid)) == len(np.intersect1d(near, outer)) == len(np.intersect1d(mid, outer)) == 0
    in_near = np.isin(cells, near)
    in_mid = in_near | np.isin(cells, mid)
    in_outer = in_mid | np.isin(cells, outer)
    assert np.all(in_near[d <= buffer_m])
    assert np.all(in_mid[d <= buffer_m + classes[-2]])
    assert np.all(in_outer[d <= buffer_m + classes[-1]])
    assert (d <= buffer_m).sum() > 3_000 and (~in_outer).sum() > 10_000


def test_top_per_group_is_a_sort_per_group():
    rng = np.random.default_rng(11)
    for n, groups, k in [(0, 3, 3), (1, 1, 3), (50, 4, 1), (400, 30, 3), (5000, 20, 7), (300, 2, 500)]:
        group = np.sort(rng.integers(0, groups, n))
        values = rng.integers(0, 5, n).astype(float)                   # many ties
        lon = rng.integers(0, 3, n).astype(float)
        ids = rng.permutation(n)
        got = exposure.top_per_group(group, values, (lon, ids), k, groups)
        want = []
        for g in range(groups):
            members = [i for i in range(n) if group[i] == g]
            want += sorted(members, key=lambda i: (-values[i], lon[i], ids[i]))[:k]
        assert got.tolist() == want


def test_int4_arrays_sent_in_binary(conn):
    cur = exposure._numpy_cursor(conn)
    cur.adapters.register_dumper(exposure._Int4Array, exposure._Int4ArrayDumper)
    for values in ([], [0], [-2147483648, 2147483647, 20503438, -1]):
        cur.execute("SELECT %s::integer[], cardinality(%s::integer[])",
                    (exposure._Int4Array(np.array(values, np.int32)), exposure._Int4Array(np.array(values, np.int32))))
        arr, n = cur.fetchone()
        assert arr.tolist() == values and (n or 0) == len(values)


def test_route_plan_is_cached_and_read_only():
    p1 = exposure.route_plan(ROUTE, 10_000, 10_000)
    assert exposure.route_plan(LineString(ROUTE.coords), 10_000.0, 10_000) is p1
    assert exposure.route_plan(ROUTE, 5_000, 10_000) is not p1
    with pytest.raises(ValueError):
        p1.sections[0][0][0] = 1
    assert [len(p) for p in p1.pieces] == [len(p) for p in exposure.split_route(ROUTE, 10_000)]
    assert p1.length_m.tolist() == [GEOD.line_length(p[:, 0], p[:, 1]) for p in p1.pieces]


def test_a_failing_query_raises_and_leaves_the_connection_usable(conn, monkeypatch):
    ring_events(conn, np.random.default_rng(5), 200, 10_000)
    real_get = queries.get
    monkeypatch.setattr(queries, "get", lambda name: "SELECT 1 / 0" if name == "exposure/crossings" else real_get(name))
    with pytest.raises(psycopg.errors.DivisionByZero):
        exposure.route_profile(conn, ROUTE, rm.Params(as_of=AS_OF))
    monkeypatch.setattr(queries, "get", real_get)
    assert conn.execute("SELECT 1").fetchone() == (1,)
    assert exposure.route_profile(conn, ROUTE, rm.Params(as_of=AS_OF)).summary["distinct_events"] > 0


def test_in_a_transaction(db_url):
    """Not autocommit (a caller's open transaction): the queries of the second thread run in it."""
    with psycopg.connect(db_url) as conn:
        src = source(conn)
        lon, lat = ROUTE.coords[3]
        conn.execute("INSERT INTO conflict.events (source_id, source_event_id, event_date, time_precision, event_type,"
                     " sub_event_type, longitude, latitude, geo_precision, fatalities)"
                     " VALUES (%s, 'TX1', %s, 1, 'Battles', 'Armed clash', %s, %s, 1, 2)", (src, AS_OF, lon, lat))
        prof = exposure.route_profile(conn, ROUTE, rm.Params(as_of=AS_OF))        # sees the uncommitted row
        assert prof.summary["distinct_events"] == 1 and prof.summary["fatalities"] == 2
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        conn.rollback()
        assert exposure.route_profile(conn, ROUTE, rm.Params(as_of=AS_OF)).summary["distinct_events"] == 0
