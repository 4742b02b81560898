"""GeoJSON import per layer (events, control_zones, corridors, sites): schema checks by feature index, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

KIDAL = [[[0.9, 18.2], [1.8, 18.2], [1.8, 18.8], [0.9, 18.8], [0.9, 18.2]]]


def fc(features):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}


def put(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_control_zones_import_idempotent_with_controllers(cli, conn, tmp_path):
    doc = fc([({"zone_key": "kidal", "name": "Kidal town", "kind": "control", "status": "full",
                "controllers": ["FLA: Azawad Liberation Front", "JNIM: Group for Support of Islam and Muslims"],
                "valid_from": "2026-04-26", "confidence": "medium"}, {"type": "Polygon", "coordinates": KIDAL})])
    path = put(tmp_path, "zones.geojson", doc)
    result = cli("import", "geojson", str(path), "--layer", "control_zones", "--source", "test report")
    assert result.exit_code == 0, result.stderr
    assert "inserted 1, updated 0, unchanged 0" in result.stdout
    assert conn.execute("SELECT controllers FROM layers.control_zones").fetchone()[0] == \
        "FLA: Azawad Liberation Front + JNIM: Group for Support of Islam and Muslims"
    again = cli("import", "geojson", str(path), "--layer", "control_zones", "--source", "test report")
    assert "inserted 0, updated 0, unchanged 1" in again.stdout


def test_bad_features_named_by_index_and_nothing_written(cli, conn, tmp_path):
    doc = fc([
        ({"zone_key": "kidal", "name": "Kidal", "status": "full", "valid_from": "2026-04-26"}, {"type": "Polygon", "coordinates": KIDAL}),
        ({"zone_key": "gao", "name": "Gao", "status": "sometimes", "valid_from": "2026-04-26"}, {"type": "Polygon", "coordinates": KIDAL}),
        ({"zone_key": "x", "name": "X", "status": "full", "valid_from": "2026-05-01", "valid_to": "2026-04-01"},
         {"type": "Polygon", "coordinates": KIDAL}),
        ({"zone_key": "y", "name": "Y", "status": "full", "valid_from": "2026-04-26"}, {"type": "Point", "coordinates": [1, 18]}),
    ])
    result = cli("import", "geojson", str(put(tmp_path, "z.geojson", doc)), "--layer", "control_zones")
    assert result.exit_code == 2
    assert "feature 1, field 'status': got 'sometimes'; expected one of full, contested, influence" in result.stderr
    assert "feature 2, field 'valid_to': got '2026-04-01'; expected a date after valid_from (2026-05-01)" in result.stderr
    assert "feature 3, field 'geometry': got 'Point'; expected a MultiPolygon or Polygon geometry" in result.stderr
    assert conn.execute("SELECT count(*) FROM conflict.control_zones").fetchone()[0] == 0
    q = cli("import", "geojson", str(put(tmp_path, "z.geojson", doc)), "--layer", "control_zones", "--quarantine")
    assert q.exit_code == 0 and "inserted 1" in q.stdout and "rejected 3" in q.stdout
    assert conn.execute("SELECT array_agg(row_no ORDER BY row_no) FROM conflict.ingest_quarantine").fetchone()[0] == [1, 2, 3]


def test_corridor_and_site_layers(cli, conn, tmp_path):
    corridors = fc([({"corridor_key": "rn6", "name": "Bamako-Ségou RN6", "kind": "blockade", "width_m": 10000,
                      "imposed_by": "JNIM", "valid_from": "2025-09-01"},
                     {"type": "LineString", "coordinates": [[-8.0, 12.65], [-6.27, 13.45]]})])
    assert cli("import", "geojson", str(put(tmp_path, "c.geojson", corridors)), "--layer", "corridors").exit_code == 0
    bad = fc([({"corridor_key": "rn6b", "name": "x", "kind": "blockade", "width_m": -5, "valid_from": "2025-09-01"},
               {"type": "LineString", "coordinates": [[-8.0, 12.65], [-6.27, 13.45]]})])
    r = cli("import", "geojson", str(put(tmp_path, "cb.geojson", bad)), "--layer", "corridors")
    assert r.exit_code == 2 and "feature 0, field 'width_m': got -5; expected a corridor width in metres" in r.stderr
    sites = fc([({"name": "Bamako-Sénou airport", "kind": "airport"}, {"type": "Point", "coordinates": [-7.95, 12.53]})])
    assert cli("import", "geojson", str(put(tmp_path, "s.geojson", sites)), "--layer", "sites").exit_code == 0
    assert conn.execute("SELECT count(*) FROM conflict.corridors").fetchone()[0] == 1
    assert conn.execute("SELECT ST_X(geom) FROM conflict.sites").fetchone()[0] == -7.95


def test_events_layer_uses_the_acled_checks(cli, conn, tmp_path):
    good = {"source_event_id": "R1", "event_date": "2026-04-25", "event_type": "Battles", "sub_event_type": "Armed clash",
            "actor1": "JNIM", "country": "Mali", "fatalities": 3}
    doc = fc([(good, {"type": "Point", "coordinates": [-8.0, 12.65]})])
    r = cli("import", "geojson", str(put(tmp_path, "e.geojson", doc)), "--layer", "events", "--source", "sitrep 2026-04-26")
    assert r.exit_code == 0, r.stderr
    assert "inserted 1" in r.stdout
    swapped = fc([({**good, "source_event_id": "R2"}, {"type": "Point", "coordinates": [12.65, -8.0]})])
    r2 = cli("import", "geojson", str(put(tmp_path, "e2.geojson", swapped)), "--layer", "events")
    assert r2.exit_code == 2 and "feature 0, field 'latitude/longitude'" in r2.stderr and "look swapped" in r2.stderr
    assert conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0] == 1
