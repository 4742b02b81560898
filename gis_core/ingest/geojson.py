"""GeoJSON (RFC 7946: lon/lat, WGS 84) into one layer: events, control_zones, corridors or sites.

The property schema of each layer is documented in docs/importers.md. Events go through the same
bulk path and checks as ACLED (features become ACLED-shaped records; errors name the feature index).
Zones, corridors and sites are few: they are checked in Python, then upserted one by one on their key
(zone_key + valid_from, corridor_key + valid_from, name), all in one transaction.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from gis_core import queries
from gis_core.ingest import acled
from gis_core.ingest.loader import (ImportResult, Job, Progress, SourceInfo, execute, read_json, sha256_of, source_id,
                                    stage_records)
from gis_core.ingest.validate import IngestFileError, IngestRejected, Problem

LAYERS = ("events", "control_zones", "corridors", "sites")
GEOMETRY_TYPES = {
    "events": {"Point"},
    "control_zones": {"Polygon", "MultiPolygon"},
    "corridors": {"LineString", "MultiLineString"},
    "sites": {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}
ZONE_KINDS = ("control", "curfew", "restriction")
ZONE_STATUS = ("full", "contested", "influence")
CORRIDOR_KINDS = ("blockade", "restricted", "closed")
SITE_KINDS = ("airport", "bridge", "government", "media", "diplomatic", "military", "logistics", "office", "route", "other")
CONFIDENCE = ("high", "medium", "low")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _features(path: Path) -> list[dict[str, Any]]:
    doc = read_json(path)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise IngestFileError(str(path), None, "type", doc.get("type") if isinstance(doc, dict) else type(doc).__name__,
                              'a GeoJSON FeatureCollection ({"type": "FeatureCollection", "features": [...]})', unit="feature")
    crs = doc.get("crs")
    if crs and "4326" not in json.dumps(crs) and "CRS84" not in json.dumps(crs):
        raise IngestFileError(str(path), None, "crs", crs, "WGS 84 longitude/latitude (RFC 7946); reproject with "
                              "ogr2ogr -t_srs EPSG:4326 first", unit="feature")
    return doc["features"]


def _geometry_problem(file: str, i: int, feature: Any, layer: str) -> Problem | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return Problem(file, "feature", i, "type", feature.get("type") if isinstance(feature, dict) else feature, "a GeoJSON Feature")
    geom = feature.get("geometry")
    kinds = GEOMETRY_TYPES[layer]
    if not isinstance(geom, dict) or geom.get("type") not in kinds:
        return Problem(file, "feature", i, "geometry", geom.get("type") if isinstance(geom, dict) else geom,
                       f"a {' or '.join(sorted(kinds))} geometry for layer {layer}")
    bad = _bad_coordinate(geom.get("coordinates"))
    if bad is not None:
        return Problem(file, "feature", i, "geometry", bad, "coordinates as [longitude, latitude] with longitude in -180..180 "
                       "and latitude in -90..90")
    return None


def _bad_coordinate(coords: Any) -> Any:
    if isinstance(coords, list) and coords and all(isinstance(c, (int, float)) for c in coords[:2]) and len(coords) >= 2:
        lon, lat = coords[0], coords[1]
        return None if -180 <= lon <= 180 and -90 <= lat <= 90 else coords[:2]
    if isinstance(coords, list) and coords:
        for c in coords:
            bad = _bad_coordinate(c)
            if bad is not None:
                return bad
        return None
    return coords


def import_file(conn: psycopg.Connection, path: str | Path, *, layer: str, source_name: str | None = None,
                quarantine: bool = False, dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Import a GeoJSON FeatureCollection into ``layer`` (events, control_zones, corridors, sites)."""
    path = Path(path)
    if layer not in LAYERS:
        raise IngestFileError(str(path), None, "--layer", layer, f"one of {', '.join(LAYERS)}")
    features = _features(path)
    file = str(path)
    geometry_problems = [p for i, f in enumerate(features) if (p := _geometry_problem(file, i, f, layer))]
    source = SourceInfo(name=source_name or path.name, kind="manual")
    if layer == "events":
        return _import_events(conn, path, features, geometry_problems, source, quarantine, dry_run, progress)
    return _import_features(conn, path, features, geometry_problems, layer, source, quarantine, dry_run)


# --- events: the ACLED bulk path -------------------------------------------------------------------------

def _import_events(conn, path, features, geometry_problems, source, quarantine, dry_run, progress) -> ImportResult:
    if geometry_problems:
        # Geometry is the location itself: a feature without a usable point is refused before staging.
        raise IngestRejected(str(path), len({p.row for p in geometry_problems}), len(features), geometry_problems,
                             quarantine_hint=False)
    records = []
    for i, f in enumerate(features):
        props = dict(f.get("properties") or {})
        lon, lat = f["geometry"]["coordinates"][:2]
        record = {c: props.get(c) for c in acled.KNOWN}
        record["event_id_cnty"] = props.get("source_event_id", props.get("event_id_cnty"))
        record["longitude"], record["latitude"] = lon, lat
        record["source"] = props.get("reported_by", props.get("source"))
        if record.get("year") is None and isinstance(props.get("event_date"), str):
            record["year"] = props["event_date"][:4]
        record.setdefault("time_precision", None)
        for key, default in (("time_precision", 1), ("geo_precision", 1), ("fatalities", 0)):
            if record.get(key) is None:
                record[key] = default
        records.append((i, record))
    sha = sha256_of(path)

    def stage(c: psycopg.Connection, p: Progress) -> str:
        p.start(len(records), f"importing {path.name}")
        stage_records(c, records, columns=acled.KNOWN, progress=p)
        return sha

    job = Job(path=path, format="geojson-events", source=source, unit="feature", id_field="source_event_id",
              quarantine=quarantine, dry_run=dry_run, stage=stage, normalise="ingest/acled_normalise")
    return execute(conn, job, progress)


# --- zones, corridors, sites ---------------------------------------------------------------------------

def _date(props: dict, key: str, problems: list, file: str, i: int, *, required: bool) -> date | None:
    value = props.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(file, "feature", i, key, value, "a date as YYYY-MM-DD"))
        return None
    try:
        if not isinstance(value, str) or not ISO_DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(file, "feature", i, key, value, "a date as YYYY-MM-DD"))
        return None


def _choice(props: dict, key: str, allowed: tuple, problems: list, file: str, i: int, *, default: Any = None,
            required: bool = False) -> Any:
    value = props.get(key, default)
    if value is None and not required:
        return None
    if value not in allowed:
        problems.append(Problem(file, "feature", i, key, value, f"one of {', '.join(allowed)}"))
    return value


def _check_feature(file: str, i: int, f: dict, layer: str) -> tuple[dict[str, Any], list[Problem]]:
    props = f.get("properties") or {}
    problems: list[Problem] = []
    row: dict[str, Any] = {"geometry": json.dumps(f["geometry"]), "notes": props.get("notes"),
                           "confidence": _choice(props, "confidence", CONFIDENCE, problems, file, i)}
    text_fields = {"control_zones": ("zone_key", "name"), "corridors": ("corridor_key", "name"), "sites": ("name",)}[layer]
    for key in text_fields:
        value = props.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, "feature", i, key, value, f"a non-empty text {key}"))
        row[key] = value.strip() if isinstance(value, str) else value
    if layer in ("control_zones", "corridors"):
        start = _date(props, "valid_from", problems, file, i, required=True)
        end = _date(props, "valid_to", problems, file, i, required=False)
        if start and start > date.today():
            problems.append(Problem(file, "feature", i, "valid_from", props.get("valid_from"), f"a date not in the future (today is {date.today()})"))
        if start and end and end <= start:
            problems.append(Problem(file, "feature", i, "valid_to", props.get("valid_to"),
                                    f"a date after valid_from ({props.get('valid_from')}); valid_to is exclusive"))
        row.update(valid_from=start, valid_to=end, restrictions=props.get("restrictions"))
    if layer == "control_zones":
        row["kind"] = _choice(props, "kind", ZONE_KINDS, problems, file, i, default="control", required=True)
        row["status"] = _choice(props, "status", ZONE_STATUS, problems, file, i)
        if row["kind"] == "control" and row["status"] is None:
            problems.append(Problem(file, "feature", i, "status", None, "full, contested or influence for a control zone"))
        controllers = props.get("controllers") or []
        if isinstance(controllers, str):
            controllers = [c.strip() for c in controllers.split("+") if c.strip()]
        row["controllers"] = controllers
    elif layer == "corridors":
        row["kind"] = _choice(props, "kind", CORRIDOR_KINDS, problems, file, i, required=True)
        row["road_ref"] = props.get("road_ref")
        width = props.get("width_m")
        if not isinstance(width, (int, float)) or isinstance(width, bool) or not 0 < width <= 200000:
            problems.append(Problem(file, "feature", i, "width_m", width, "a corridor width in metres, more than 0 and at most 200000"))
        row["width_m"] = width
        row["imposed_by_name"] = props.get("imposed_by")
    else:
        row["kind"] = _choice(props, "kind", SITE_KINDS, problems, file, i, required=True)
        row["status"] = props.get("status")
    return row, problems


def _import_features(conn, path, features, geometry_problems, layer, source, quarantine, dry_run) -> ImportResult:
    started = time.perf_counter()
    file = str(path)
    result = ImportResult(file=file, format=f"geojson-{layer}", dry_run=dry_run)
    bad: dict[int, list[Problem]] = {}
    for p in geometry_problems:
        bad.setdefault(p.row, []).append(p)  # type: ignore[arg-type]
    checked: list[tuple[int, dict]] = []
    for i, f in enumerate(features):
        if i in bad:
            continue
        row, problems = _check_feature(file, i, f, layer)
        if not problems:
            valid, reason = conn.execute(queries.get("ingest/geojson_geom_check"), {"geometry": row["geometry"]}).fetchone()
            if not valid:
                problems.append(Problem(file, "feature", i, "geometry", reason, "a valid geometry (OGC simple features)"))
        if problems:
            bad[i] = problems
        else:
            checked.append((i, row))
    all_problems = [p for i in sorted(bad) for p in bad[i]]
    result.rejected, result.problems = len(bad), all_problems
    sha = sha256_of(path)
    options = {"layer": layer, "quarantine": quarantine, "dry_run": dry_run}
    if bad and not quarantine:
        _record(conn, file, sha, layer, "failed", result, options)
        raise IngestRejected(file, len(bad), len(features), all_problems)
    try:
        with conn.transaction():
            src = source_id(conn, source)
            run_id = conn.execute(queries.get("ingest/run_start"), {"source_id": src, "format": result.format, "file_name": file,
                                                                     "file_sha256": sha, "options": Jsonb(options)}).fetchone()[0]
            result.run_id = run_id
            for i, row in checked:
                action = _upsert(conn, layer, row, src, file, i)
                setattr(result, {"insert": "inserted", "update": "updated", "unchanged": "unchanged"}[action],
                        getattr(result, {"insert": "inserted", "update": "updated", "unchanged": "unchanged"}[action]) + 1)
            for i in sorted(bad):
                conn.execute("INSERT INTO conflict.ingest_quarantine (ingest_run_id, file_name, row_no, problems, raw) "
                             "VALUES (%s, %s, %s, %s, %s)",
                             (run_id, file, i, Jsonb([{"field": p.field, "value": p.value, "expected": p.expected} for p in bad[i]]),
                              Jsonb(features[i] if isinstance(features[i], dict) else {"feature": features[i]})))
            result.seconds = time.perf_counter() - started
            conn.execute(queries.get("ingest/run_finish"), {
                "run_id": run_id, "status": "ok", "inserted": result.inserted, "updated": result.updated,
                "unchanged": result.unchanged, "deleted": 0, "rejected": result.rejected, "message": None, "file_sha256": sha})
            if dry_run:
                raise psycopg.Rollback()
    except IngestRejected:
        _record(conn, file, sha, layer, "failed", result, options)
        raise
    if dry_run:
        result.run_id = _record(conn, file, sha, layer, "dry-run", result, options)
    result.seconds = time.perf_counter() - started
    return result


def _upsert(conn: psycopg.Connection, layer: str, row: dict, src: int, file: str, i: int) -> str:
    params = {**row, "source_id": src}
    try:
        with conn.transaction():
            if layer == "corridors":
                params["imposed_by"] = (_actor(conn, row["imposed_by_name"]) if row.get("imposed_by_name") else None)
                zone_id, action = conn.execute(queries.get("ingest/geojson_corridor_upsert"), params).fetchone()
            elif layer == "control_zones":
                zone_id, action = conn.execute(queries.get("ingest/geojson_zone_upsert"), params).fetchone()
                for name in row["controllers"]:
                    conn.execute(queries.get("ingest/geojson_zone_actors"), {"zone_id": zone_id, "actor_id": _actor(conn, name)})
            else:
                _, action = conn.execute(queries.get("ingest/geojson_site_upsert"), params).fetchone()
    except psycopg.errors.ExclusionViolation:
        key = row.get("zone_key") or row.get("corridor_key")
        raise IngestRejected(file, 1, 1, [Problem(file, "feature", i, "valid_from/valid_to",
                                                  f"{row.get('valid_from')} .. {row.get('valid_to') or 'open'}",
                                                  f"a period that does not overlap another period of '{key}' already stored")]) from None
    return action


def _actor(conn: psycopg.Connection, name: str) -> int:
    return int(conn.execute(queries.get("ingest/actor_get"), {"name": name}).fetchone()[0])


def _record(conn, file, sha, layer, status, result, options) -> int | None:
    try:
        with conn.transaction():
            row = conn.execute(queries.get("ingest/run_record"), {
                "source_id": None, "format": f"geojson-{layer}", "file_name": file, "file_sha256": sha, "status": status,
                "inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged, "deleted": 0,
                "rejected": result.rejected, "options": Jsonb(options), "message": None}).fetchone()
            return int(row[0])
    except psycopg.Error:
        return None
