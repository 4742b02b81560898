"""What `conflict-gis db status` reports: server, versions, size, rows per table."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from gis_core import queries
from gis_core.db import migrate


@dataclass
class Status:
    url: str
    postgres_version: str
    postgis_version: str
    postgis_full_version: str
    database_size_bytes: int
    applied_migrations: int
    pending_migrations: list[str]
    row_counts: dict[str, int] = field(default_factory=dict)


def read_status(conn: psycopg.Connection, url: str) -> Status:
    """Versions, size and exact row counts of every table in schema ``conflict``."""
    pg_version, size = conn.execute(queries.get("db/server_info")).fetchone()
    has_postgis = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
    postgis, postgis_full = ("not installed", "")
    if has_postgis:
        postgis, postgis_full = conn.execute("SELECT postgis_lib_version(), postgis_full_version()").fetchone()
    counts: dict[str, int] = {}
    for (table,) in conn.execute(queries.get("db/conflict_tables")).fetchall():
        stmt = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("conflict", table))
        counts[table] = conn.execute(stmt).fetchone()[0]
    return Status(
        url=url,
        postgres_version=pg_version,
        postgis_version=postgis,
        postgis_full_version=postgis_full,
        database_size_bytes=size,
        applied_migrations=len(migrate.applied(conn)),
        pending_migrations=[m.name for m in migrate.pending(conn)],
        row_counts=counts,
    )
