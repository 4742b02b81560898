"""Route exposure at 1 M events: ours beside the straightforward PostGIS query and naive geopandas.

Route Bamako -> Ségou -> San -> Mopti -> Gao (~1,000 km of straight legs), 10 km segments,
10 km buffer, 365 days. What each timed number includes (medians of repeated runs, warm cache):

- ours: the whole `exposure.route_profile` call -- the route's plan (pieces, tangent-plane frames, cells: cached
  per route), the candidates in up to four sections (per-cell index-only scans of two covering indexes, migration
  0030, four arrays straight into numpy) fetched by a second thread while the numpy kernel (weights, decay,
  uncertainty, distance to each segment in its local tangent plane) works on the sections already received, top
  events and their details (second query), corridors/zones crossed (third query), levels and summary.
  Also printed: the first call on a route not seen before (plan not cached), and where the time goes: each stage
  run alone, one after the other (SQL execution from EXPLAIN ANALYZE, the same queries end to end with transfer
  and decoding, the kernel, the top events, the details and crossings queries, building the result), then the
  stages as route_profile's caller waits for them (route_profile(timings=...)).
- PostGIS peer: one SQL statement, per segment ST_DWithin on geography with a GiST index on (geom::geography),
  weights and distance weight computed in SQL, 100 (segment, count, score) rows fetched. No uncertainty
  widening, no top events, no crossings: it does less than ours.
- geopandas end to end: read_postgis of the window's events (id, type, fatalities, date, geom) from the same
  database, to_crs to one UTM zone (30N), segments to_crs + buffer(10 km), sjoin, groupby count. It does less
  than ours (a count per segment, one UTM zone for the whole route) but starts from the database, like ours.
- geopandas in memory: the same without read_postgis and the events' to_crs (events already loaded and
  projected, spatial index built): segments to_crs + buffer + sjoin + groupby.
`python -m bench exposure -- --events 1000000 --runs 21`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date

import numpy as np
import psycopg
import shapely
from shapely.geometry import LineString

from bench.common import throwaway_cluster
from bench.events_gen import generate
from gis_core import queries
from gis_core.analysis import exposure, risk_model
from gis_core.crs import GEOD

AS_OF = date(2026, 4, 26)
VIA = [(-8.0029, 12.6392), (-6.2667, 13.4317), (-4.8969, 13.3030), (-4.1970, 14.4843), (-0.0437, 16.2666)]

PEER_SQL = """
WITH seg AS (
    SELECT (u.ord - 1)::int AS i, ST_SetSRID(ST_GeomFromWKB(u.w), 4326)::geography AS g
    FROM unnest(%(wkbs)s::bytea[]) WITH ORDINALITY AS u(w, ord))
SELECT seg.i, count(*), sum(
    CASE e.event_type WHEN 'Battles' THEN 1.0 WHEN 'Explosions/Remote violence' THEN 1.2
         WHEN 'Violence against civilians' THEN 1.0 WHEN 'Riots' THEN 0.4 WHEN 'Protests' THEN 0.1 ELSE 0.2 END
    * (1 + ln(1 + e.fatalities)) * power(0.5, (%(as_of)s::date - e.event_date) / 30.0)
    * (1 - 0.5 * ST_Distance(e.geom::geography, seg.g) / 10000.0))
FROM seg JOIN conflict.events e
  ON ST_DWithin(e.geom::geography, seg.g, 10000) AND e.event_date > %(start)s AND e.event_date <= %(as_of)s
GROUP BY seg.i ORDER BY seg.i
"""


def route() -> LineString:
    pts = [VIA[0]]
    for a, b in zip(VIA[:-1], VIA[1:]):
        _, _, d = GEOD.inv(*a, *b)
        pts += GEOD.npts(*a, *b, int(d // 5000)) + [b]
    return LineString(pts)


def timed(fn, runs):
    out, times = None, []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench exposure")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--port", type=int, default=55471)
    ap.add_argument("--skip-geopandas", action="store_true")
    ap.add_argument("--url", help="a database a previous run of this generator filled (migrated, events loaded): "
                                  "used as it is, no cluster started, nothing generated")
    args = ap.parse_args(argv)
    if args.url:
        with psycopg.connect(args.url, autocommit=True) as conn:
            conn.execute("CREATE INDEX IF NOT EXISTS events_geog_gix ON conflict.events USING gist ((geom::geography))")
            return run(conn, args.url, args)
    with throwaway_cluster(args.port, "exposure") as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            gen_s = generate(conn, args.events, AS_OF)
            t0 = time.perf_counter()
            conn.execute("CREATE INDEX events_geog_gix ON conflict.events USING gist ((geom::geography))")
            conn.execute("VACUUM ANALYZE conflict.events")
            print(f"generated {args.events:,} events by COPY in {gen_s:.1f} s; peer index + VACUUM ANALYZE {time.perf_counter() - t0:.1f} s")
            return run(conn, cluster.url(), args)


def run(conn: psycopg.Connection, url: str, args) -> int:
    line = route()
    params = risk_model.Params(buffer_m=10_000, segment_m=10_000, days=365, as_of=AS_OF)
    print(f"load average at start: {_load()}")
    exposure.route_profile(conn, line, params)  # warm the cache once, for every contender alike
    stage_s = {k: [] for k in exposure.STAGES}

    def ours():
        t = {}
        out = exposure.route_profile(conn, line, params, timings=t)
        for k in exposure.STAGES:
            stage_s[k].append(t.get(k, 0.0))
        return out

    ours_s, prof = timed(ours, args.runs)
    first_s, _ = timed(lambda: _uncached(conn, line, params), max(3, args.runs // 4))
    s = prof.summary
    print(f"route {s['length_km']:.0f} km, {s['segments']} segments, {s['distinct_events']:,} distinct events inside, "
          f"level {s['level']}, score {s['score']}")
    work = stages_alone(conn, line, params, max(5, args.runs // 2))
    pieces = exposure.split_route(line, 10_000)
    wkbs = [shapely.to_wkb(LineString(p)) for p in pieces]
    sql_args = {"wkbs": wkbs, "as_of": AS_OF, "start": date.fromordinal(AS_OF.toordinal() - 365)}
    conn.execute(PEER_SQL, sql_args).fetchall()
    peer_s, rows = timed(lambda: conn.execute(PEER_SQL, sql_args).fetchall(), max(3, args.runs // 2))
    ours_scores = np.array([sg.score for sg in prof.segments])
    peer_scores = np.zeros(len(pieces))
    for i, _, sc in rows:
        peer_scores[i] = float(sc)
    print(f"check: per-segment scores, ours vs SQL peer (exact-location events only differ by the widening): "
          f"corr {np.corrcoef(ours_scores, peer_scores)[0, 1]:.3f}")
    gp = None
    if not args.skip_geopandas:
        gp = bench_geopandas(url, pieces, args.runs)
    print()
    print("where the time goes: each stage alone, one after the other (medians)")
    for name, sec in work:
        print(f"  {name:66s} {sec * 1000:7.2f} ms")
    print("route_profile's caller, per stage (medians; the queries run in a second thread during the kernel)")
    for k in exposure.STAGES:
        print(f"  {k:66s} {statistics.median(stage_s[k]) * 1000:7.2f} ms")
    print()
    print(f"{'approach (median of runs)':62s} {'median':>10s} {'vs ours':>8s}")
    print(f"{'ours: route_profile end to end (cell index + numpy kernel)':62s} {ours_s * 1000:8.1f} ms {1.0:7.1f}x")
    print(f"{'ours, first call on a route (plan not cached)':62s} {first_s * 1000:8.1f} ms {first_s / ours_s:7.1f}x")
    print(f"{'PostGIS per-segment ST_DWithin(geography), GiST, scores in SQL':62s} {peer_s * 1000:8.1f} ms {peer_s / ours_s:7.1f}x")
    if gp is not None:
        e2e_s, mem_s, n_gp = gp
        print(f"{'geopandas end to end: read_postgis + to_crs + buffer + sjoin':62s} {e2e_s * 1000:8.1f} ms {e2e_s / ours_s:7.1f}x")
        print(f"{'geopandas in memory only: buffer + sjoin (events preloaded)':62s} {mem_s * 1000:8.1f} ms {mem_s / ours_s:7.1f}x")
        print(f"  (geopandas read {n_gp:,} events of the window; counts only, one UTM zone)")
    print(f"target < 100 ms: {'met' if ours_s < 0.1 else 'NOT met'}; load average at end: {_load()}")
    return 0


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _uncached(conn, line, params):
    exposure._cached_plan.cache_clear()
    return exposure.route_profile(conn, line, params)


def stages_alone(conn, line, params, runs):
    """(stage, median seconds) for each stage of route_profile run alone, in order (no overlap)."""
    plan = exposure.route_plan(line, params.segment_m, params.buffer_m)
    query = queries.get("exposure/candidate_events")
    explain = psycopg.ClientCursor(conn)
    s = len(plan.pieces)

    def server():                                   # execution inside the server only (no output, no transfer)
        total = 0.0
        for sec in plan.sections:
            near, mid, outer = sec
            args = {"near_cells": exposure._pg_int_array(near), "mid_cells": exposure._pg_int_array(mid),
                    "outer_cells": exposure._pg_int_array(outer), "mid_locs": plan.mid_locs.tolist(),
                    "outer_locs": plan.outer_locs.tolist(), "since": date.fromordinal(AS_OF.toordinal() - params.days),
                    "as_of": params.as_of}
            for (line_,) in explain.execute("EXPLAIN (ANALYZE, TIMING off) " + query, args).fetchall():
                if line_.startswith(("Planning Time", "Execution Time")):
                    total += float(line_.split()[2]) / 1000
        return total

    def fetch():
        return [exposure._candidate_columns(exposure._candidates_cursor(conn, plan, sec, params).fetchone())
                for sec in plan.sections]

    parts = fetch()

    def kernel():
        out = []
        for ev in parts:
            wd, unc = exposure._weights(ev, params)
            keep = ~np.isnan(unc)
            ev_k = {k: v[keep] for k, v in ev.items()}
            out.append((ev_k, exposure._kernel(plan, ev_k, wd[keep], unc[keep], params.buffer_m)))
        return out

    kern = kernel()

    def top():
        return [(ev, h, exposure.top_per_group(h.seg, h.contribution, (ev["lon"][h.ev], ev["id"][h.ev]),
                                               params.top_events, s)) for ev, h in kern]

    ids = sorted({int(i) for ev, h, t in top() for i in ev["id"][h.ev[t]]})
    server_s = statistics.median(server() for _ in range(runs))
    rows = [("plan of the route (cached per route; first call on a route)", timed(
        lambda: exposure._build_plan(line, params.segment_m, params.buffer_m), runs)[0]),
        (f"candidates: SQL execution in the server ({len(plan.sections)} sections, EXPLAIN ANALYZE)", server_s),
        ("candidates: the same queries end to end (+ output, transfer, decoding)", timed(fetch, runs)[0]),
        (f"kernel: weights, pairs, distances ({sum(len(p['id']) for p in parts):,} candidates)", timed(kernel, runs)[0]),
        ("top events per segment", timed(top, runs)[0]),
        ("top events' details query", timed(lambda: conn.execute(queries.get("exposure/event_details"),
                                                                   {"ids": ids}).fetchall(), runs)[0]),
        ("corridors/zones crossed query", timed(lambda: exposure._crossings_cursor(conn, plan, params).fetchall(),
                                                runs)[0])]
    return rows


def bench_geopandas(url, pieces, runs):
    """(end to end from the database, in memory only, events read): medians in seconds."""
    import geopandas as gpd
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    query = sqlalchemy.text("SELECT id, event_type, fatalities, event_date, geom FROM conflict.events"
                            " WHERE event_date > :start AND event_date <= :as_of")
    window = {"start": date.fromordinal(AS_OF.toordinal() - 365), "as_of": AS_OF}
    segs = gpd.GeoDataFrame({"i": range(len(pieces))}, geometry=[LineString(p) for p in pieces], crs=4326)

    def count(ev):
        s = segs.to_crs(32630)
        s["geometry"] = s.buffer(10_000)
        j = gpd.sjoin(ev, s, predicate="within")
        return j.groupby("i").size()

    def end_to_end():
        with engine.connect() as c:
            ev = gpd.read_postgis(query, c, geom_col="geom", params=window).to_crs(32630)
        count(ev)
        return ev

    ev = end_to_end()                        # warm-up (and the data for the in-memory timing)
    e2e, _ = timed(end_to_end, max(3, runs // 2))
    ev.sindex                                # in memory: the spatial index is built before the timing
    count(ev)
    mem, _ = timed(lambda: count(ev), max(3, runs // 2))
    engine.dispose()
    return e2e, mem, len(ev)


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
