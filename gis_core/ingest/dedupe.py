"""Cross-source duplicates: one event reported by ACLED and by UCDP is linked to its twin.

Twins: dates within a day, at most ``radius_m`` metres apart (geodesic), compatible actors
(``conflict.actor_key``: "Military Forces of Mali (2021-)" ~ "Government of Mali", "JNIM: …" ~ "JNIM";
an event without actors is compatible with any). Links live in ``conflict.event_links``;
``conflict.event_clusters`` gives each event a cluster id and ``layers.events_dedup`` counts each
cluster once.
"""

from __future__ import annotations

import psycopg

from gis_core import queries


def link_run(conn: psycopg.Connection, *, run_id: int, source_id: int, radius_m: float = 10_000.0) -> int:
    """Link the events written by one import run to their twins of other sources; return the links made."""
    cur = conn.execute(queries.get("ingest/dedupe_links"), {"run_id": run_id, "source_id": source_id, "radius_m": radius_m})
    return max(cur.rowcount, 0)


def twins(conn: psycopg.Connection, event_id: int) -> list[tuple[int, float, int]]:
    """(twin id, distance in metres, days apart) for one event."""
    return [(int(a), float(b), int(c)) for a, b, c in conn.execute(queries.get("ingest/dedupe_twins"), {"event_id": event_id})]
