"""Alerts at scale: 10,000 sites against the 1,000 newest of 1 M events; one new event; NOTIFY latency.

Ours: conflict.match_alerts, the whole result -- one probe of the GiST index on the stored sites.geog per
event, exact ST_DWithin on the spheroid, then distance, bearing and the message sentence for the pairs found
(migration 0030). Peer: the straightforward join, ST_DWithin on geography with a GiST index on
(geom::geography), and only the distances of the pairs (no bearing, no message): it does less than ours.
"pairs + distance only" is that peer's work with our older degree-box matching, for reference.
Latency: a LISTEN connection, an INSERT on another connection, time from just before the INSERT to the
notification's arrival (the trigger inserts with ON CONFLICT DO NOTHING RETURNING and NOTIFYs each new alert).
`python -m bench alerts -- --events 1000000 --sites 10000`.
"""

from __future__ import annotations

import argparse
import select
import statistics
import time
from datetime import date

import numpy as np
import psycopg

from bench.common import throwaway_cluster
from bench.events_gen import generate

AS_OF = date(2026, 4, 26)
OURS = "SELECT count(*), sum(length(message)) FROM conflict.match_alerts(%(ids)s::bigint[])"
PAIRS = """
WITH ev AS (SELECT id, geom, latitude FROM conflict.events WHERE id = ANY (%(ids)s::bigint[]))
SELECT count(*), sum(ST_Distance(s.geom::geography, ev.geom::geography))
FROM ev JOIN conflict.sites s
  ON s.geom && ST_Expand(ev.geom, 1.01 * 25000 / (111320.0 * greatest(cos(radians(least(abs(ev.latitude) + 25000 / 110574.0, 89.0))), 0.01)),
                         1.01 * 25000 / 110574.0)
 AND ST_DWithin(s.geom::geography, ev.geom::geography, 25000)
"""
PEER = """
WITH ev AS (SELECT id, geom FROM conflict.events WHERE id = ANY (%(ids)s::bigint[]))
SELECT count(*), sum(ST_Distance(s.geom::geography, ev.geom::geography))
FROM ev JOIN conflict.sites s ON ST_DWithin(s.geom::geography, ev.geom::geography, 25000)
"""


def med(fn, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench alerts")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--port", type=int, default=55472)
    args = ap.parse_args(argv)
    with throwaway_cluster(args.port, "alerts") as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            gen_s = generate(conn, args.events, AS_OF)   # no rules yet: the trigger returns at once
            rng = np.random.default_rng(7)
            src = conn.execute("SELECT id FROM conflict.sources WHERE name = 'bench'").fetchone()[0]
            lon = rng.uniform(-12.2, 4.2, args.sites)
            lat = rng.uniform(10.2, 25.0, args.sites)
            with conn.cursor().copy("COPY conflict.sites (name, kind, geom, source_id) FROM STDIN") as cp:
                for i in range(args.sites):
                    cp.write_row((f"site {i}", "office", f"SRID=4326;POINT({lon[i]} {lat[i]})", src))
            conn.execute("CREATE INDEX sites_geog_gix ON conflict.sites USING gist ((geom::geography))")
            conn.execute("INSERT INTO conflict.alert_rules (name, radius_m) VALUES ('every site 25 km', 25000)")
            conn.execute("VACUUM ANALYZE conflict.sites")
            conn.execute("VACUUM ANALYZE conflict.events")
            print(f"{args.events:,} events (COPY {gen_s:.1f} s), {args.sites:,} sites, one rule: every site, 25 km")
            ids = [r[0] for r in conn.execute("SELECT id FROM conflict.events ORDER BY id DESC LIMIT 1000")]
            a = {"ids": ids}
            n_ours = conn.execute(OURS, a).fetchone()[0]
            n_peer = conn.execute(PEER, a).fetchone()[0]
            ours = med(lambda: conn.execute(OURS, a).fetchone(), args.runs)
            peer = med(lambda: conn.execute(PEER, a).fetchone(), args.runs)
            pairs = med(lambda: conn.execute(PAIRS, a).fetchone(), args.runs)
            print(f"{'  same matching, pairs + distance only':44s} ours {pairs * 1000:7.1f} ms   (no bearing, no message)")
            one = med(lambda: conn.execute(OURS, {"ids": ids[:1]}).fetchone(), 51)
            one_peer = med(lambda: conn.execute(PEER, {"ids": ids[:1]}).fetchone(), 51)
            print(f"pairs found: ours {n_ours}, peer {n_peer}")
            print(f"{'10k sites x 1k newest events':44s} ours {ours * 1000:7.1f} ms   peer {peer * 1000:7.1f} ms   ratio {peer / ours:5.1f}x   (target < 100 ms;"
                  " ours: pairs + distance + bearing + message, peer: pairs + distance)")
            print(f"{'1 new event x 10k sites':44s} ours {one * 1000:7.2f} ms   peer {one_peer * 1000:7.2f} ms   ratio {one_peer / one:5.1f}x   (target < 5 ms)")
            # insert-to-notification latency through the trigger
            lat_ms = []
            with psycopg.connect(cluster.url(), autocommit=True) as listener:
                listener.execute("LISTEN conflict_alerts")
                fd = listener.fileno()
                for i in range(60):
                    j = int(rng.integers(0, args.sites))
                    t0 = time.perf_counter()
                    conn.execute(
                        "INSERT INTO conflict.events (source_id, source_event_id, event_date, time_precision, event_type,"
                        " sub_event_type, longitude, latitude, geo_precision, fatalities) VALUES"
                        " (%s, %s, %s, 1, 'Battles', 'Armed clash', %s, %s, 1, 2)",
                        (src, f"L{i}", AS_OF, lon[j] + 0.05, lat[j]))
                    got = False
                    while not got and time.perf_counter() - t0 < 2:
                        if select.select([fd], [], [], 2)[0]:
                            listener.pgconn.consume_input()
                            while listener.pgconn.notifies() is not None:
                                got = True
                    if got:
                        lat_ms.append((time.perf_counter() - t0) * 1000)
            lat_ms.sort()
            print(f"insert-to-notification latency over {len(lat_ms)} inserts: p50 {lat_ms[len(lat_ms) // 2]:.2f} ms, "
                  f"p95 {lat_ms[int(len(lat_ms) * 0.95) - 1]:.2f} ms")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
