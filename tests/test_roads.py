"""Roads importer (GeoJSON, GeoPackage, projected CRS, bad input) and the schematic network."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, MultiLineString

from gis_core.crs import GEOD
from gis_core.errors import IngestRowError
from gis_core.ingest.roads import import_roads, parse_osm_id, parse_other_tags
from gis_core.ingest.seed import ROADS_FILE, load_seed, place_point


def roads_frame(crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "osm_id": [101, 102, 103],
            "name": ["Route de Ségou", None, "Pont des Martyrs"],
            "highway": ["trunk", "track", "primary"],
            "ref": ["RN6", None, None],
            "surface": ["asphalt", "unpaved", "asphalt"],
        },
        geometry=[
            LineString([(-7.98, 12.61), (-7.90, 12.63), (-7.80, 12.66)]),
            MultiLineString([[(-8.0, 12.7), (-8.01, 12.72)], [(-8.02, 12.73), (-8.03, 12.75)]]),
            LineString([(-7.999, 12.628), (-7.998, 12.636)]),
        ],
        crs=crs,
    )


def count_roads(conn) -> int:
    return conn.execute("SELECT count(*) FROM conflict.roads").fetchone()[0]


def test_geojson_import_explodes_and_is_idempotent(conn, tmp_path):
    path = tmp_path / "roads.geojson"
    roads_frame().to_file(path, driver="GeoJSON")
    first = import_roads(conn, path)
    assert (first.features, first.inserted, first.updated, first.unchanged) == (3, 4, 0, 0)
    rows = conn.execute("SELECT osm_id, part, ref, highway, surface, GeometryType(geom), ST_SRID(geom) FROM conflict.roads ORDER BY osm_id, part").fetchall()
    assert rows[0] == (101, 0, "RN6", "trunk", "asphalt", "LINESTRING", 4326)
    assert [(r[0], r[1]) for r in rows] == [(101, 0), (102, 0), (102, 1), (103, 0)]
    again = import_roads(conn, path)
    assert (again.inserted, again.updated, again.unchanged, again.deleted) == (0, 0, 4, 0)
    assert count_roads(conn) == 4


def test_gpkg_in_a_projected_crs_is_reprojected(conn, tmp_path):
    path = tmp_path / "roads_utm.gpkg"
    original = roads_frame()
    original.to_crs("EPSG:32629").to_file(path, driver="GPKG")
    result = import_roads(conn, path)
    assert result.reprojected_from and "32629" in result.reprojected_from
    lon, lat = conn.execute(
        "SELECT ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM conflict.roads WHERE osm_id = 101").fetchone()
    assert lon == pytest.approx(-7.98, abs=1e-7) and lat == pytest.approx(12.61, abs=1e-7)


def test_file_without_crs_is_refused(conn, tmp_path):
    path = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # the file we mean to write: no .prj
        roads_frame().set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(IngestRowError, match="crs"):
        import_roads(conn, path)
    assert count_roads(conn) == 0


def test_bad_feature_exit_2_and_database_unchanged(cli, conn, tmp_path):
    good = tmp_path / "good.geojson"
    roads_frame().to_file(good, driver="GeoJSON")
    assert cli("import", "roads", str(good)).exit_code == 0
    before = conn.execute("SELECT md5(string_agg(osm_id || ':' || part || ST_AsText(geom), ',' ORDER BY osm_id, part)) FROM conflict.roads").fetchone()[0]
    data = json.loads(good.read_text())
    data["features"][2]["properties"]["osm_id"] = "not-an-id"
    data["features"][0]["geometry"]["coordinates"][1] = [-7.5, 12.0]  # a change that must NOT be applied
    bad = tmp_path / "good_but_bad.geojson"
    bad.write_text(json.dumps(data))
    result = cli("import", "roads", str(bad), "--source-name", "roads: good.geojson")
    assert result.exit_code == 2
    assert "good_but_bad.geojson, row 3, field 'osm_id'" in result.stderr
    after = conn.execute("SELECT md5(string_agg(osm_id || ':' || part || ST_AsText(geom), ',' ORDER BY osm_id, part)) FROM conflict.roads").fetchone()[0]
    assert after == before


def test_point_geometry_and_missing_file_are_usage_errors(cli, tmp_path):
    path = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"osm_id": [1]}, geometry=gpd.points_from_xy([-8.0], [12.6]), crs="EPSG:4326").to_file(path, driver="GeoJSON")
    result = cli("import", "roads", str(path))
    assert result.exit_code == 2 and "row 1, field 'geometry'" in result.stderr and "LineString" in result.stderr
    missing = cli("import", "roads", str(tmp_path / "nope.gpkg"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_osm_helpers():
    assert parse_other_tags('"ref"=>"RN6","surface"=>"asphalt"') == {"ref": "RN6", "surface": "asphalt"}
    assert parse_osm_id("way/123") == 123 and parse_osm_id(45.0) == 45 and parse_osm_id("abc") is None


# --- the schematic network -------------------------------------------------------------------

def graph(conn) -> dict[tuple[float, float], set[tuple[float, float]]]:
    adjacency: dict[tuple[float, float], set[tuple[float, float]]] = {}
    for sx, sy, ex, ey in conn.execute(
        """SELECT ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)), ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom))
           FROM conflict.roads WHERE schematic"""):
        adjacency.setdefault((sx, sy), set()).add((ex, ey))
        adjacency.setdefault((ex, ey), set()).add((sx, sy))
    return adjacency


def reachable(adjacency, start) -> set:
    seen, todo = {start}, [start]
    while todo:
        for nxt in adjacency.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_schematic_network_is_connected_through_shared_endpoints(conn):
    load_seed(conn)
    adjacency = graph(conn)
    from_bamako = reachable(adjacency, place_point(conn, "Bamako"))
    for town in ("Gao", "Kidal", "Mopti", "Sévaré", "Kati", "Kayes", "Sikasso", "Ménaka", "Nioro", "Zégoua", "Diboli"):
        assert place_point(conn, town) in from_bamako, town
    assert len(from_bamako) == len(adjacency)  # one connected component
    # every schematic edge ends at gazetteer towns, and says it is schematic
    assert conn.execute("""SELECT count(*) FROM conflict.roads r WHERE schematic AND NOT (
        EXISTS (SELECT 1 FROM conflict.places p WHERE ST_Equals(p.geom, ST_StartPoint(r.geom)))
        AND EXISTS (SELECT 1 FROM conflict.places p WHERE ST_Equals(p.geom, ST_EndPoint(r.geom)))
        AND (r.tags ->> 'schematic')::boolean)""").fetchone()[0] == 0
    assert "SCHEMATIC" in conn.execute(
        "SELECT s.name FROM conflict.sources s JOIN conflict.roads r ON r.source_id = s.id WHERE r.schematic LIMIT 1").fetchone()[0]


def test_schematic_lengths_match_pyproj_geodesic(conn):
    load_seed(conn)
    axes = json.loads(Path(ROADS_FILE).read_text(encoding="utf-8"))["axes"]
    for axis in axes:
        db_m = conn.execute("SELECT sum(ST_Length(geom::geography)) FROM conflict.roads WHERE tags ->> 'axis' = %s", (axis["key"],)).fetchone()[0]
        pts = [place_point(conn, t) for t in axis["towns"]]
        geod_m = GEOD.line_length([p[0] for p in pts], [p[1] for p in pts])
        assert db_m == pytest.approx(geod_m, rel=1e-4), axis["key"]
    # Bamako–Ségou by RN6 is 221 km (fr.wikipedia RN6): the schematic polyline must be within 15 %
    bamako_segou = conn.execute("""SELECT sum(ST_Length(geom::geography)) FROM conflict.roads
        WHERE tags ->> 'axis' = 'rn6-bamako-sevare' AND tags ->> 'from' IN ('Bamako', 'Fana')""").fetchone()[0]
    assert 0.85 * 221_000 <= bamako_segou <= 1.05 * 221_000
