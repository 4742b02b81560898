"""The curated Mali seed: sources, boundaries, gazetteer, actors, the schematic road network,
and the situation of the seed reports (events, control zones, corridors, sites).

Everything comes from ``gis_core/data/`` (JSON, CSV, GeoJSON with PROVENANCE.md) and is
upserted on natural keys inside ONE transaction: loading twice gives the same rows, and a
failure leaves the database as it was.

Example
-------
>>> from gis_core.ingest.seed import load_seed          # doctest: +SKIP
>>> load_seed(conn)["events"]                            # doctest: +SKIP
10
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from gis_core import places, queries
from gis_core.crs import GEOD
from gis_core.errors import IngestRowError
from gis_core.ingest import boundaries, gazetteer
from gis_core.paths import DATA_DIR

SEED_DIR = DATA_DIR / "seed"
SOURCES_FILE = SEED_DIR / "sources.json"
ACTORS_FILE = SEED_DIR / "actors.json"
ROADS_FILE = SEED_DIR / "roads_schematic.json"
SITUATION_FILE = SEED_DIR / "situation.json"
# ACLED: "Unidentified Armed Group" rows are coded 3 (political militias).
UNIDENTIFIED_INTER = 3
FATALITIES_AGGREGATE = (
    "Report 000 gives only an aggregate for all targeted towns over 25–26 April 2026: "
    "« plusieurs dizaines de morts civils et militaires rapportés ». Per-town fatalities are not "
    "reported; 0 here means NOT REPORTED, not 'no deaths'."
)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IngestRowError(str(path), exc.lineno, None, exc.msg, "valid JSON") from None


def _upsert(conn: psycopg.Connection, name: str, params: Mapping[str, Any], tally: dict[str, int]) -> int:
    row = conn.execute(queries.get(name), params).fetchone()
    if row is None:
        raise IngestRowError(name, None, None, dict(params), "a row written (check event_type / sub_event_type)")
    tally["inserted" if row[1] else "updated"] += 1
    return int(row[0])


def place_point(conn: psycopg.Connection, name: str) -> tuple[float, float]:
    """(lon, lat) of the gazetteer place called exactly ``name``, else any known spelling of it
    (``UsageError`` with close suggestions when the gazetteer does not know it)."""
    row = conn.execute(queries.get("seed/place_point"), {"name": name}).fetchone()
    if row is not None:
        return float(row[0]), float(row[1])
    found = places.resolve(conn, name)
    return found.lon, found.lat


def _sources(conn: psycopg.Connection, tally: dict[str, int]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for index, src in enumerate(_read(SOURCES_FILE)["sources"]):
        if src["key"] in ids:
            raise IngestRowError(str(SOURCES_FILE), index, "key", src["key"], "a key used once")
        params = {k: src.get(k) for k in ("name", "kind", "file_name", "citation", "url", "licence", "published", "notes")}
        ids[src["key"]] = _upsert(conn, "seed/upsert_source", params, tally)
    return ids


def _source_of(ids: Mapping[str, int], key: str, file: Path, where: str) -> int:
    if key not in ids:
        raise IngestRowError(str(file), None, f"{where}.source", key, f"one of {sorted(ids)}")
    return ids[key]


def _actors(conn: psycopg.Connection, ids: Mapping[str, int], tally: dict[str, int]) -> None:
    for actor in _read(ACTORS_FILE)["actors"]:
        actor_id = _upsert(conn, "seed/upsert_actor", {
            "name": actor["name"], "short_name": actor.get("short_name"), "kind": actor["kind"],
            "inter_code": actor.get("inter_code"), "description": actor.get("description"),
            "source_id": _source_of(ids, actor["source"], ACTORS_FILE, actor["name"]),
        }, tally)
        for alias in {actor["name"], *actor.get("aliases", [])}:
            conn.execute(queries.get("seed/upsert_actor_alias"), {"alias": alias, "actor_id": actor_id})


def actor_by_alias(conn: psycopg.Connection, alias: str) -> tuple[int, str, int | None] | None:
    """(id, name, ACLED inter code) of the actor one spelling names, or None."""
    row = conn.execute(queries.get("seed/actor_by_alias"), {"alias": alias}).fetchone()
    return (int(row[0]), row[1], row[2]) if row else None


def _actor_fields(conn: psycopg.Connection, alias: str | None, where: str) -> tuple[int | None, str | None, int | None]:
    if alias is None:
        return None, None, None
    found = actor_by_alias(conn, alias)
    if found is not None:
        return found
    if alias.lower().startswith("unidentified"):
        return None, alias, UNIDENTIFIED_INTER
    raise IngestRowError(str(SITUATION_FILE), None, where, alias, "an actor name or alias of actors.json")


def _roads(conn: psycopg.Connection, ids: Mapping[str, int], tally: dict[str, int]) -> dict[frozenset[str], list[tuple[float, float]]]:
    """Upsert the schematic edges; return {frozenset({town_a, town_b}): [pa, pb]} for corridor paths."""
    edges: dict[frozenset[str], list[tuple[float, float]]] = {}
    source_id = ids["schematic_roads"]
    sources = {s["key"]: s for s in _read(SOURCES_FILE)["sources"]}
    for axis in _read(ROADS_FILE)["axes"]:
        towns = axis["towns"]
        if len(towns) < 2:
            raise IngestRowError(str(ROADS_FILE), None, f"{axis['key']}.towns", towns, "at least two towns")
        ref_url = sources.get(axis.get("ref_source") or "", {}).get("url")
        for a, b in zip(towns, towns[1:]):
            pa, pb = place_point(conn, a), place_point(conn, b)
            length_m = float(GEOD.line_length([pa[0], pb[0]], [pa[1], pb[1]]))
            tags = {
                "edge_key": f"{axis['key']}:{a}>{b}", "axis": axis["key"], "axis_name": axis["name"],
                "from": a, "to": b, "ref_status": axis.get("ref_status"), "ref_source": ref_url,
                "schematic": True, "highway_inferred": True, "geodesic_length_m": round(length_m, 1),
                "note": "SCHEMATIC: straight segment between gazetteer town points, not a surveyed road",
            }
            _upsert(conn, "seed/upsert_road_edge", {
                "name": f"{a} – {b}", "ref": axis.get("ref"), "highway": "trunk" if axis.get("ref") else "primary",
                "geojson": json.dumps({"type": "LineString", "coordinates": [list(pa), list(pb)]}),
                "source_id": source_id, "tags": Jsonb(tags),
            }, tally)
            edges[frozenset((a, b))] = [pa, pb]
    return edges


def _notes(quote: str, src: Mapping[str, Any], notes: str | None) -> str:
    cited = src.get("file_name") if src.get("kind") == "report" and src.get("file_name") else None
    where = cited if cited and not src.get("url") else (src.get("url") or src.get("name"))
    if cited and src.get("url"):
        where = f"{src['url']} (via {cited})"
    text = f"« {quote} » — {where}."
    return f"{text} {notes}" if notes else text


def _interaction(a: int | None, b: int | None) -> str | None:
    if a is None:
        return None
    if b is None:
        return f"{a}0"
    return f"{min(a, b)}{max(a, b)}"


def load_seed(conn: psycopg.Connection) -> dict[str, int]:
    """Load (or refresh) the whole curated seed in one transaction.

    Parameters
    ----------
    conn : psycopg.Connection
        A connection to a migrated conflict-gis database (autocommit or not).

    Returns
    -------
    dict[str, int]
        Row counts per table after the load (sources, actors, actor_aliases, admin_areas, places,
        place_names, roads, events, control_zones, control_zone_actors, corridors, sites).
    """
    tally = {"inserted": 0, "updated": 0}
    with conn.transaction():
        ids = _sources(conn, tally)
        sources = {s["key"]: s for s in _read(SOURCES_FILE)["sources"]}
        for key, value in boundaries.load_boundaries(conn, admin0_source_id=ids["ne_admin0"], admin1_source_id=ids["ne_admin1"]).items():
            tally[key] += value
        for key, value in gazetteer.load_geonames(conn, source_id=ids["geonames"]).items():
            tally[key] += value
        for key, value in gazetteer.load_added_places(conn, source_ids=ids).items():
            tally[key] += value
        conn.execute(queries.get("seed/place_admin1"), {"source_ids": list(ids.values())})
        _actors(conn, ids, tally)
        edges = _roads(conn, ids, tally)
        situation = _read(SITUATION_FILE)

        site_points: dict[str, tuple[float, float]] = {}
        for site in situation["sites"]:
            src = sources[site["source"]]
            _upsert(conn, "seed/upsert_site", {
                "name": site["name"], "kind": site["kind"], "status": site.get("status"),
                "lon": site["lon"], "lat": site["lat"],
                "source_id": _source_of(ids, site["source"], SITUATION_FILE, site["name"]),
                "notes": _notes(site["quote"], sources["report000"], site.get("notes"))
                + ("" if src["key"] == "report000" else f" Coordinate source: {src['name']}."),
            }, tally)
            site_points[site["name"]] = (site["lon"], site["lat"])

        for ev in situation["events"]:
            src = sources[ev["source"]]
            if "site" in ev:
                lon, lat = site_points[ev["site"]]
                location = f"{ev['site']} (zone)"
            else:
                lon, lat = place_point(conn, ev["place"])
                location = ev["place"]
            a1_id, a1_name, i1 = _actor_fields(conn, ev.get("actor1"), "actor1")
            a2_id, a2_name, i2 = _actor_fields(conn, ev.get("actor2"), "actor2")
            assoc1 = _actor_fields(conn, ev.get("assoc_actor_1"), "assoc_actor_1")[1]
            assoc2 = _actor_fields(conn, ev.get("assoc_actor_2"), "assoc_actor_2")[1]
            admin1 = conn.execute(queries.get("seed/admin1_of_point"), {"lon": lon, "lat": lat}).fetchone()
            fatalities = int(ev.get("fatalities", 0))
            native = {"quote": ev["quote"], "seed_file": "situation.json", "seed_id": ev["id"]}
            tags = "fatalities reported for the minister only" if fatalities else "fatalities not reported per town"
            if not fatalities:
                native["fatalities_reported"] = FATALITIES_AGGREGATE
            _upsert(conn, "seed/upsert_event", {
                "source_id": _source_of(ids, ev["source"], SITUATION_FILE, ev["id"]), "source_event_id": ev["id"],
                "event_date": ev["event_date"], "event_date_end": ev.get("event_date_end"),
                "time_precision": ev["time_precision"], "event_type": ev["event_type"],
                "sub_event_type": ev["sub_event_type"], "actor1": a1_name, "assoc_actor_1": assoc1,
                "inter1": None if i1 is None else str(i1), "actor2": a2_name, "assoc_actor_2": assoc2,
                "inter2": None if i2 is None else str(i2), "interaction": _interaction(i1, i2),
                "actor1_id": a1_id, "actor2_id": a2_id, "admin1": admin1[0] if admin1 else None,
                "location": location, "lon": lon, "lat": lat, "geo_precision": ev["geo_precision"],
                "fatalities": fatalities, "fatalities_low": ev.get("fatalities_low"),
                "fatalities_high": ev.get("fatalities_high"), "reported_by": src["name"],
                "notes": _notes(ev["quote"], src, (ev.get("notes") or "") + ("" if fatalities else " " + FATALITIES_AGGREGATE)),
                "tags": tags, "confidence": ev.get("confidence"), "native": Jsonb(native),
            }, tally)

        for zone in situation["control_zones"]:
            geometry = zone["geometry"]
            if "buffer" in geometry:
                lon, lat = place_point(conn, geometry["buffer"])
                geom = conn.execute(queries.get("seed/buffer_place"), {"lon": lon, "lat": lat, "radius_m": geometry["radius_m"]}).fetchone()[0]
            elif "admin_area" in geometry:
                level, name = geometry["admin_area"]
                found = conn.execute(queries.get("seed/admin_area_geom"), {"level": level, "name": name}).fetchone()
                if found is None:
                    raise IngestRowError(str(SITUATION_FILE), None, f"{zone['zone_key']}.geometry.admin_area", geometry["admin_area"], "a loaded admin area")
                geom = found[0]
            else:
                raise IngestRowError(str(SITUATION_FILE), None, f"{zone['zone_key']}.geometry", geometry, "'buffer' or 'admin_area'")
            src = sources[zone["source"]]
            zone_id = _upsert(conn, "seed/upsert_control_zone", {
                "zone_key": zone["zone_key"], "name": zone["name"], "kind": zone["kind"], "status": zone.get("status"),
                "restrictions": zone.get("restrictions"), "valid_from": zone["valid_from"], "valid_to": zone.get("valid_to"),
                "geom": geom, "source_id": _source_of(ids, zone["source"], SITUATION_FILE, zone["zone_key"]),
                "confidence": zone.get("confidence"), "notes": _notes(zone["quote"], src, zone.get("notes")),
            }, tally)
            actor_ids = []
            for alias in zone.get("actors", []):
                found = actor_by_alias(conn, alias)
                if found is None:
                    raise IngestRowError(str(SITUATION_FILE), None, f"{zone['zone_key']}.actors", alias, "an actor alias of actors.json")
                actor_ids.append(found[0])
            conn.execute(queries.get("seed/prune_zone_actors"), {"zone_id": zone_id, "actor_ids": actor_ids})
            conn.execute(queries.get("seed/add_zone_actors"), {"zone_id": zone_id, "actor_ids": actor_ids})

        for corridor in situation["corridors"]:
            path = corridor["path"]
            coords: list[tuple[float, float]] = []
            for a, b in zip(path, path[1:]):
                if frozenset((a, b)) not in edges:
                    raise IngestRowError(str(SITUATION_FILE), None, f"{corridor['corridor_key']}.path", f"{a} – {b}",
                                         "consecutive towns joined by a schematic road edge (roads_schematic.json)")
                pa, pb = place_point(conn, a), place_point(conn, b)
                coords.extend([pa, pb] if not coords else [pb])
            imposer = actor_by_alias(conn, corridor["imposed_by"]) if corridor.get("imposed_by") else None
            src = sources[corridor["source"]]
            _upsert(conn, "seed/upsert_corridor", {
                "corridor_key": corridor["corridor_key"], "name": corridor["name"], "road_ref": corridor.get("road_ref"),
                "kind": corridor["kind"], "imposed_by": imposer[0] if imposer else None,
                "restrictions": corridor.get("restrictions"), "width_m": corridor["width_m"],
                "valid_from": corridor["valid_from"], "valid_to": corridor.get("valid_to"),
                "geojson": json.dumps({"type": "LineString", "coordinates": [list(c) for c in coords]}),
                "source_id": _source_of(ids, corridor["source"], SITUATION_FILE, corridor["corridor_key"]),
                "confidence": corridor.get("confidence"), "notes": _notes(corridor["quote"], src, corridor.get("notes")),
            }, tally)

        deleted = conn.execute(queries.get("seed/delete_stale"), {
            "source_ids": list(ids.values()),
            "event_ids": [e["id"] for e in situation["events"]],
            "zone_keys": [f"{z['zone_key']}@{z['valid_from']}" for z in situation["control_zones"]],
            "corridor_keys": [f"{c['corridor_key']}@{c['valid_from']}" for c in situation["corridors"]],
            "edge_keys": [f"{a['key']}:{x}>{y}" for a in _read(ROADS_FILE)["axes"] for x, y in zip(a["towns"], a["towns"][1:])],
            "site_names": [s["name"] for s in situation["sites"]],
        }).fetchone()[0]
        conn.execute(queries.get("seed/record_run"), {
            "inserted": tally["inserted"], "updated": tally["updated"], "deleted": int(deleted),
            "options": Jsonb({}), "message": "conflict-gis load seed",
        })
    return seed_counts(conn)


def seed_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Row counts of the tables the seed fills."""
    return {name: int(count) for name, count in conn.execute(queries.get("seed/counts")).fetchall()}
