"""Named SQL: ``get("exposure/events_within_radius")`` returns the text of
``sql/queries/exposure/events_within_radius.sql``. No SQL strings scattered in Python."""

from __future__ import annotations

from functools import lru_cache

from gis_core.errors import GisCoreError
from gis_core.paths import QUERIES_DIR


@lru_cache(maxsize=None)
def get(name: str) -> str:
    """The text of the named query (path below sql/queries, without ``.sql``)."""
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR.resolve() not in path.parents:
        raise GisCoreError(f"query name {name!r} points outside {QUERIES_DIR}")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GisCoreError(f"no query named {name!r} (looked for {path})") from None
