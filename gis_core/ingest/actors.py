"""Actor names as publishers spell them → conflict.actors, merged through conflict.actor_aliases.

Names are compared by ``conflict.norm_name`` (case, accents and punctuation folded), so "JNIM",
"jnim" and "J.N.I.M." are one actor; aliases already in the table (e.g. from the curated seed:
JNIM = GSIM = Jama'at Nusrat al-Islam wal-Muslimin) win. Works on the valid rows of ``ingest_norm``
and leaves ``ingest_actor_map`` (raw name → actor id) for the event insert to join.
"""

from __future__ import annotations

import psycopg


def link_actors(conn: psycopg.Connection) -> None:
    """Create missing actors and aliases for the staged rows; fill ingest_actor_map."""
    from gis_core.ingest.loader import run_script

    run_script(conn, "ingest/actors")
    run_script(conn, "ingest/actors_link")


def resolve(conn: psycopg.Connection, name: str) -> int | None:
    """The actor id a name resolves to (through its normalised alias), or None."""
    row = conn.execute(
        "SELECT actor_id FROM conflict.actor_aliases WHERE alias_norm = conflict.norm_name(%s)", (name,)).fetchone()
    return int(row[0]) if row else None
