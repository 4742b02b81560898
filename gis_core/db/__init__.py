"""Database access: which database to use, and connections to it.

``DATABASE_URL`` (any PostGIS) wins; otherwise the embedded cluster of ``CONFLICT_GIS_HOME``.
"""

from __future__ import annotations

import os
import sys

import psycopg

from gis_core.db.cluster import Cluster
from gis_core.errors import DatabaseNotRunningError


def using_embedded() -> bool:
    """True when no DATABASE_URL is set and the embedded cluster is the database."""
    return not os.environ.get("DATABASE_URL")


def database_url() -> str:
    """The connection string every command uses."""
    return os.environ.get("DATABASE_URL") or Cluster.default().url()


def ensure_running(quiet: bool = False) -> str:
    """Start the embedded cluster when it is the database and is not running; return the URL."""
    if using_embedded():
        cluster = Cluster.default()
        if not cluster.running():
            if not quiet:
                print(f"starting the embedded PostgreSQL in {cluster.home} …", file=sys.stderr)
            cluster.start()
    return database_url()


def connect(url: str | None = None, *, autocommit: bool = False) -> psycopg.Connection:
    """A psycopg connection, with a message that says what to do when the database is unreachable."""
    target = url or database_url()
    try:
        return psycopg.connect(target, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        hint = (
            "Run 'conflict-gis db start' first."
            if url is None and using_embedded()
            else "Check DATABASE_URL and that the server is running."
        )
        raise DatabaseNotRunningError(f"cannot connect to the database: {str(exc).strip()}\n{hint}") from None
