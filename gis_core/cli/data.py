"""CLI commands for issue 3: load seed, import roads, map."""

from __future__ import annotations

import click

from gis_core.cli.base import Group, import_group, open_db, out, root  # noqa: F401


@root.group(name="load", cls=Group)
def load_group() -> None:
    """Load shipped datasets into the database (the curated Mali seed)."""


@load_group.command(name="seed")
def load_seed_command() -> None:
    """Load the curated Mali seed: boundaries, gazetteer, actors, schematic roads, and the situation
    of the seed reports (events, Kidal control periods, Bamako curfew, blockade corridors, sites).

    Idempotent (a second load changes nothing) and transactional (all or nothing).

    Example:

        conflict-gis load seed
    """
    from gis_core.ingest.seed import load_seed

    with open_db() as conn:
        counts = load_seed(conn)
    for table, count in counts.items():
        out.print(f"{table:<20} {count:>6}")
    out.print("seed loaded (roads are SCHEMATIC: see docs/roads.md)")
