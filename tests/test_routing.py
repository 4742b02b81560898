"""route-risk from the command line: --via along roads (or straight lines, said so), --route files, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gis_core.analysis import routing
from gis_core.crs import GEOD

TOWNS = {"Bamako": (-8.0029, 12.6392), "Kati": (-8.0725, 12.7441), "Ségou": (-6.2667, 13.4317), "Gao": (-0.0437, 16.2666)}


def seed_small(conn, with_roads=True):
    src = conn.execute("INSERT INTO conflict.sources (name, kind) VALUES ('t', 'manual') RETURNING id").fetchone()[0]
    for name, (lon, lat) in TOWNS.items():
        pid = conn.execute("INSERT INTO conflict.places (name, geom, source_id, population) VALUES (%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 1000) RETURNING id",
                           (name, lon, lat, src)).fetchone()[0]
        conn.execute("INSERT INTO conflict.place_names (place_id, name) VALUES (%s, %s)", (pid, name))
    if with_roads:
        b, k, s = TOWNS["Bamako"], TOWNS["Kati"], TOWNS["Ségou"]
        conn.execute("INSERT INTO conflict.roads (name, schematic, geom, source_id) VALUES "
                     "('RN3', true, ST_GeomFromText(%s, 4326), %s), ('RN6', true, ST_GeomFromText(%s, 4326), %s)",
                     (f"LINESTRING({b[0]} {b[1]}, -8.05 12.70, {k[0]} {k[1]})", src,
                      f"LINESTRING({s[0]} {s[1]}, -7.0 13.0, {b[0]} {b[1]})", src))
    return src


def test_via_follows_roads_and_says_schematic(conn):
    seed_small(conn)
    r = routing.route_from_via(conn, ["Kati", "Bamako", "Ségou", "Gao"])
    modes = [leg["mode"] for leg in r.legs]
    assert modes == ["schematic road", "schematic road", "straight line"]
    assert any("straight line" in n for n in r.notes) and any("schematic" in n for n in r.notes)
    assert (-8.05, 12.70) in [tuple(c) for c in r.line.coords]
    _, _, direct = GEOD.inv(*TOWNS["Ségou"], *TOWNS["Gao"])
    assert r.legs[2]["length_km"] == pytest.approx(direct / 1000, rel=0.001)


def test_cli_route_risk_table_and_geojson(cli, conn, tmp_path):
    seed_small(conn)
    res = cli("route-risk", "--via", "Bamako,Kati", "--as-of", "2026-04-26")
    assert res.exit_code == 0, res.stderr
    assert "schematic road" in res.stdout and "Route: LOW" in res.stdout
    res = cli("route-risk", "--via", "Bamako,Ségou", "--format", "geojson", "--segment-km", "20", "--as-of", "2026-04-26")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["type"] == "FeatureCollection" and doc["summary"]["level"] == "low"
    assert doc["features"][0]["properties"]["length_km"] == pytest.approx(20, abs=0.01)
    route = tmp_path / "r.geojson"
    route.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [list(TOWNS["Bamako"]), list(TOWNS["Kati"])]}}))
    res = cli("route-risk", "--route", str(route), "--format", "geojson", "--out", str(tmp_path / "o.json"))
    assert res.exit_code == 0, res.stderr
    assert json.loads((tmp_path / "o.json").read_text())["summary"]["segments"] == 2


@pytest.mark.parametrize("args,message", [
    (["--via", "Bamako,Atlantis"], "unknown place 'Atlantis'"),
    (["--via", "Bamako,Kati", "--buffer-km", "-5"], "buffer must be a positive distance"),
    (["--via", "Bamako"], "at least two towns"),
    (["--via", "Bamako,Kati", "--as-of", "26/04/2026"], "ISO date"),
    ([], "exactly one of --via"),
])
def test_bad_input_exits_2_with_a_message(cli, conn, args, message):
    seed_small(conn)
    res = cli("route-risk", *args)
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert message in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("doc,message", [
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "must be a GeoJSON LineString"),
    ({"type": "FeatureCollection", "features": []}, "expected one LineString feature"),
    ({"type": "LineString", "coordinates": [[0, 0], [0, 95]]}, "within -180..180"),
    ("not json", "not a GeoJSON file"),
])
def test_route_file_that_is_not_a_linestring_exits_2(cli, tmp_path: Path, doc, message):
    f = tmp_path / "bad.geojson"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    res = cli("route-risk", "--route", str(f))
    assert res.exit_code == 2 and message in res.stderr, res.stderr
