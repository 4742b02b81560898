"""Import road networks from OpenStreetMap / HOT exports: GeoJSON, GeoPackage, Shapefile
(through pyogrio/GDAL) and ``.osm.pbf`` (GDAL's OSM driver, layer ``lines``).

Each feature becomes one or more ``conflict.roads`` rows: a MultiLineString is exploded into
its LineStrings (``part`` 0..n-1). Geometries are reprojected to EPSG:4326 when the file has
another CRS; a file without a CRS is refused. The whole file is checked before anything is
written, then upserted in one transaction on (source, osm_id, part): importing the same file
again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from gis_core import queries
from gis_core.crs import STORAGE_SRID
from gis_core.errors import IngestRowError, UsageError

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
ID_COLUMNS = ("osm_id", "@id", "id", "osm_way_id", "full_id")
TAG_COLUMNS = ("name", "highway", "ref", "surface")
_HSTORE_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_OSM_ID = re.compile(r"^(?:w|way/|way)?\s*(-?\d+)(?:\.0+)?$")


@dataclass(frozen=True)
class RoadsImport:
    """What one import did (counts of LineString rows)."""

    file: str
    source_id: int
    features: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    reprojected_from: str | None


def parse_other_tags(text: str | None) -> dict[str, str]:
    """GDAL OSM driver ``other_tags`` (hstore text: ``"ref"=>"RN6","surface"=>"asphalt"``) as a dict."""
    if not text:
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _HSTORE_PAIR.findall(text)}


def parse_osm_id(value: Any) -> int | None:
    """An OSM way id from ``123``, ``"123"``, ``"way/123"`` or ``"w123"``; None when it is not one."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    match = _OSM_ID.match(str(value).strip())
    return int(match.group(1)) if match else None


def _is_osm(path: Path) -> bool:
    return path.name.lower().endswith(OSM_SUFFIXES)


def read_roads(path: Path, *, layer: str | None = None):
    """Read ``path`` into a GeoDataFrame in EPSG:4326 and say which CRS it came from (None if already 4326)."""
    import pyogrio
    from pyogrio.errors import DataSourceError, DataLayerError

    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if _is_osm(path):
        layer = layer or "lines"
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except (DataSourceError, DataLayerError) as exc:
        raise UsageError(f"{path}: cannot read it as a vector file ({str(exc).strip()}). "
                         "Expected GeoJSON, GeoPackage, Shapefile or .osm.pbf; use --layer to pick a layer.") from None
    if gdf.crs is None:
        raise IngestRowError(str(path), None, "crs", None,
                             "a declared CRS (a .prj beside the .shp, or the layer's SRS); "
                             "assign one with 'ogr2ogr -a_srs EPSG:xxxx' and import again")
    source_crs = None
    if gdf.crs.to_epsg() != STORAGE_SRID:
        source_crs = gdf.crs.to_string()
        gdf = gdf.to_crs(STORAGE_SRID)
    return gdf, source_crs


def _rows(path: Path, gdf) -> list[tuple]:
    """Validated staging rows: (feature, osm_id, part, name, ref, highway, surface, tags, wkb)."""
    import shapely

    columns = list(gdf.columns)
    id_column = next((c for c in ID_COLUMNS if c in columns), None)
    if id_column is None:
        raise IngestRowError(str(path), None, "osm_id", [c for c in columns if c != "geometry"],
                             f"one of the columns {', '.join(ID_COLUMNS)} holding the OSM way id")
    rows: list[tuple] = []
    records = gdf.drop(columns="geometry").to_dict("records")
    for index, (rec, geom) in enumerate(zip(records, gdf.geometry.values)):
        feature = index + 1  # 1-based, as ogrinfo counts features
        osm_id = parse_osm_id(rec.get(id_column))
        if osm_id is None:
            raise IngestRowError(str(path), feature, id_column, rec.get(id_column), "an integer OSM way id (or 'way/<id>')")
        if geom is None or geom.is_empty:
            raise IngestRowError(str(path), feature, "geometry", None, "a LineString or MultiLineString")
        if geom.geom_type == "LineString":
            parts = [geom]
        elif geom.geom_type == "MultiLineString":
            parts = list(geom.geoms)
        else:
            raise IngestRowError(str(path), feature, "geometry", geom.geom_type, "a LineString or MultiLineString")
        tags = parse_other_tags(rec.get("other_tags")) if "other_tags" in rec else {}
        for key, value in rec.items():
            if key in ("other_tags", id_column) or value is None or (isinstance(value, float) and value != value):
                continue
            tags.setdefault(str(key), str(value))
        fields = {k: (tags.get(k) or None) for k in TAG_COLUMNS}
        for number, line in enumerate(parts):
            if line.is_empty or len(line.coords) < 2 or line.length == 0:
                raise IngestRowError(str(path), feature, "geometry", f"{geom.geom_type} part {number} with fewer than 2 distinct points",
                                     "lines of at least two distinct points")
            if not shapely.is_valid(line):
                raise IngestRowError(str(path), feature, "geometry", shapely.is_valid_reason(line), "a valid line")
            rows.append((feature, osm_id, number, fields["name"], fields["ref"], fields["highway"], fields["surface"],
                         json.dumps({**tags, "osm_id": osm_id}), shapely.to_wkb(line, output_dimension=2)))
    if not rows:
        raise IngestRowError(str(path), None, "features", 0, "at least one road feature")
    seen: set[tuple[int, int]] = set()
    for row in rows:
        if (row[1], row[2]) in seen:
            raise IngestRowError(str(path), row[0], id_column, row[1], "each OSM way id once in the file")
        seen.add((row[1], row[2]))
    return rows


def import_roads(conn: psycopg.Connection, path: str | Path, *, layer: str | None = None,
                 source_name: str | None = None, licence: str = "ODbL 1.0 (© OpenStreetMap contributors)") -> RoadsImport:
    """Import one roads file (all or nothing).

    Parameters
    ----------
    conn : psycopg.Connection
        Connection to a migrated database.
    path : str or pathlib.Path
        GeoJSON, GeoPackage, Shapefile or .osm.pbf (OSM driver, layer ``lines``).
    layer : str, optional
        Layer to read (default: the first one; ``lines`` for OSM files).
    source_name : str, optional
        Name of the ``conflict.sources`` row (default ``"roads: <file name>"``); re-importing a file
        under the same name updates that source's roads.
    licence : str
        Licence recorded on the source row.

    Returns
    -------
    RoadsImport
        Counts of LineString rows inserted, updated, unchanged and deleted.
    """
    path = Path(path)
    gdf, source_crs = read_roads(path, layer=layer)
    rows = _rows(path, gdf)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    name = source_name or f"roads: {path.name}"
    with conn.transaction():
        source_id = conn.execute(queries.get("roads/upsert_source"), {
            "name": name, "file_name": path.name, "licence": licence,
            "notes": "Imported with conflict-gis import roads" + (f"; reprojected from {source_crs}" if source_crs else ""),
        }).fetchone()[0]
        conn.execute(queries.get("roads/create_staging"))
        with conn.cursor().copy(queries.get("roads/copy_staging")) as copy:
            for row in rows:
                copy.write_row(row)
        bad = conn.execute(queries.get("roads/invalid_staging")).fetchone()
        if bad is not None:
            raise IngestRowError(str(path), bad[0], "geometry", bad[1], "a valid LineString")
        inserted, updated = conn.execute(queries.get("roads/upsert_from_staging"), {"source_id": source_id}).fetchone()
        deleted = conn.execute(queries.get("roads/delete_missing"), {"source_id": source_id}).rowcount
        unchanged = len(rows) - inserted - updated
        conn.execute(queries.get("roads/record_run"), {
            "source_id": source_id, "file_name": str(path), "sha256": sha256, "inserted": inserted,
            "updated": updated, "unchanged": unchanged, "deleted": deleted,
            "options": Jsonb({"layer": layer, "reprojected_from": source_crs}),
        })
    return RoadsImport(str(path), source_id, len(gdf), inserted, updated, unchanged, deleted, source_crs)
