"""The situation map: produced from the database, non-trivial, honest about schematic roads."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from matplotlib.image import imread

from gis_core.crs import GEOD
from gis_core.errors import UsageError
from gis_core.ingest.seed import load_seed
from gis_core.maps import MAP_PROJ, render_situation_map
from gis_core.crs import STORAGE_SRID, transformer


def test_map_png_is_produced_and_not_blank(conn, tmp_path):
    load_seed(conn)
    out = render_situation_map(conn, tmp_path / "map.png", as_of=dt.date(2026, 4, 30))
    assert out.stat().st_size > 100_000
    pixels = imread(out)
    assert pixels.shape[0] > 1000 and pixels.shape[1] > 1000
    # many distinct colours: boundaries, roads, zones, corridors, labels (a blank or single-layer map has few)
    colours = np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 500
    # the red of the targeted-town stars and of the FLA + JNIM zone is present
    red = (np.abs(pixels[..., 0] - 0xC0 / 255) < 0.02) & (np.abs(pixels[..., 1] - 0x39 / 255) < 0.02)
    assert red.sum() > 200


def test_map_needs_a_seeded_database(conn, tmp_path):
    with pytest.raises(UsageError, match="load seed"):
        render_situation_map(conn, tmp_path / "map.png")


def test_map_cli(cli, tmp_path):
    assert cli("load", "seed").exit_code == 0
    result = cli("map", "--out", str(tmp_path / "m.png"), "--as-of", "2026-04-30")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "m.png").stat().st_size > 100_000
    bad = cli("map", "--out", str(tmp_path / "m.jpg"))
    assert bad.exit_code == 2


def test_lambert_projection_scale_is_within_one_percent_over_mali():
    # 100 km east-west geodesic segments across Mali keep their length within 1 % in the map projection
    to_map = transformer(STORAGE_SRID, MAP_PROJ)
    for lon, lat in [(-11.4, 14.4), (-8.0, 12.6), (-4.1, 14.5), (0.0, 16.3), (1.4, 18.4), (-4.0, 24.0), (-5.6, 10.5)]:
        lon2, lat2, _ = GEOD.fwd(lon, lat, 90, 100_000)
        x1, y1 = to_map.transform(lon, lat)
        x2, y2 = to_map.transform(lon2, lat2)
        assert np.hypot(x2 - x1, y2 - y1) == pytest.approx(100_000, rel=0.012)
