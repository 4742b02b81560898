"""CLI commands for issue 3: load seed, import roads, map."""

from __future__ import annotations

import click

from gis_core.cli.base import Group, import_group, iso_date, open_db, out, root  # noqa: F401


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


@import_group.command(name="roads")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--layer", default=None, help="Layer to read (default: the first; 'lines' for .osm.pbf).")
@click.option("--source-name", default=None, help="Name of the provenance row (default 'roads: <file name>').")
def import_roads_command(file: str, layer: str | None, source_name: str | None) -> None:
    """Import an OpenStreetMap / HOT roads export (GeoJSON, GeoPackage, Shapefile, .osm.pbf) into
    conflict.roads: osm_id, name, highway, ref, surface; MultiLineStrings exploded; reprojected to
    EPSG:4326; all or nothing; importing the same file again changes nothing.

    Example:

        conflict-gis import roads hotosm_mli_roads_lines.gpkg
    """
    from gis_core.ingest.roads import import_roads

    with open_db() as conn:
        result = import_roads(conn, file, layer=layer, source_name=source_name)
    crs = f" (reprojected from {result.reprojected_from})" if result.reprojected_from else ""
    out.print(f"{result.file}: {result.features} features{crs}; roads inserted {result.inserted}, "
              f"updated {result.updated}, unchanged {result.unchanged}, deleted {result.deleted}")


@root.command(name="map")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.option("--as-of", callback=iso_date, default=None,
              help="Date (YYYY-MM-DD) the zones and corridors are shown for; default today.")
def map_command(out_path: str, as_of) -> None:
    """Draw the situation map (PNG, no internet tiles) from the database: country and regions,
    main roads (schematic), the towns targeted on 25 April 2026, Kidal's zone shaded by controller,
    the Bamako curfew, blockade corridors, legend, title, geodesic scale bar and source line.

    Example:

        conflict-gis map --out out/situation-map.png --as-of 2026-04-30
    """
    from gis_core.maps import render_situation_map

    with open_db() as conn:
        path = render_situation_map(conn, out_path, as_of=as_of)
    out.print(f"wrote {path}")
