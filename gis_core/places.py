"""Gazetteer look-up: a place name as people write it ("Segou", "SÉGOU", "Timbuktu") to a point."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from gis_core import queries
from gis_core.errors import UsageError


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    lon: float
    lat: float


def resolve(conn: psycopg.Connection, name: str) -> Place:
    """The place called ``name`` (any spelling the gazetteer knows), or UsageError with close suggestions."""
    if not name or not name.strip():
        raise UsageError("an empty place name was given")
    row = conn.execute(queries.get("places/resolve"), {"name": name}).fetchone()
    if row is None:
        close = suggest(conn, name)
        hint = f" Did you mean: {', '.join(close)}?" if close else " The gazetteer has no close name either."
        raise UsageError(f"unknown place {name!r}.{hint}")
    return Place(id=row[0], name=row[1], lon=row[2], lat=row[3])


def suggest(conn: psycopg.Connection, name: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` gazetteer names close to ``name``, best first."""
    return [r[0] for r in conn.execute(queries.get("places/suggest"), {"name": name, "limit": limit}).fetchall()]
