"""Buffers in metres: areas and radii against pyproj's geodesic (independent), Python against SQL."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from gis_core.analysis import buffers
from gis_core.crs import GEOD
from gis_core.errors import UsageError

R_EARTH = 6_371_008.8
# Kayes (UTM 28/29 edge is at -12), Bamako (29), Mopti (30), Gao (31 edge at 0), Kidal (31), Ménaka (31)
PLACES = {"Kayes": (-11.43, 14.45), "Bamako": (-8.0, 12.65), "Mopti": (-4.2, 14.49),
          "Gao": (-0.04, 16.27), "Kidal": (1.41, 18.44), "Menaka": (2.4, 15.92), "edge-12": (-12.0, 14.0)}


def circle_area(r_m: float) -> float:
    """Spherical cap area for a geodesic radius r (differs from the ellipsoid by far less than 0.5 %)."""
    return 2 * math.pi * R_EARTH**2 * (1 - math.cos(r_m / R_EARTH))


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("radius_m", [500.0, 25_000.0, 150_000.0])
def test_circle_area_and_radius_match_geodesic(place, radius_m):
    lon, lat = PLACES[place]
    poly = buffers.buffer_m(Point(lon, lat), radius_m)
    area = buffers.geodesic_area_m2(poly)
    assert area == pytest.approx(circle_area(radius_m), rel=0.005)
    ring = np.asarray(poly.exterior.coords)
    _, _, d = GEOD.inv(np.full(len(ring), lon), np.full(len(ring), lat), ring[:, 0], ring[:, 1])
    assert np.all(np.abs(d - radius_m) <= 0.005 * radius_m)


@pytest.mark.parametrize("coords", [
    [(-6.5, 13.4), (-5.5, 13.5)],                 # crosses the UTM 29/30 edge at -6
    [(-0.6, 16.2), (0.7, 16.4)],                  # crosses the 30/31 edge at 0
    [(-8.0, 12.65), (-4.2, 14.49), (-0.04, 16.27)],  # Bamako - Mopti - Gao, three zones, ~950 km
])
def test_line_buffer_area_across_utm_zones(coords):
    line = LineString(coords)
    r = 5_000.0
    length = buffers.geodesic_length_m(line)
    poly = buffers.buffer_m(line, r)
    # two sides of length L plus the two end caps (a full circle); the convex bends add a wedge each
    expected = 2 * r * length + math.pi * r * r
    assert buffers.geodesic_area_m2(poly) == pytest.approx(expected, rel=0.005)


def test_corridor_area_is_axis_buffered_by_half_width():
    axis = LineString([(-8.0, 12.65), (-8.1, 12.75), (-7.6, 13.0)])
    width = 2_000.0
    poly = buffers.corridor_area(axis, width)
    length = buffers.geodesic_length_m(axis)
    assert buffers.geodesic_area_m2(poly) == pytest.approx(width * length + math.pi * (width / 2) ** 2, rel=0.005)


def test_event_impact_area_grows_with_uncertainty():
    exact = buffers.event_impact_area(-8.0, 12.65, "Battles", geo_precision=1)
    coarse = buffers.event_impact_area(-8.0, 12.65, "Battles", geo_precision=2)
    assert buffers.geodesic_area_m2(exact) == pytest.approx(circle_area(5_000), rel=0.005)
    assert buffers.geodesic_area_m2(coarse) == pytest.approx(circle_area(15_000), rel=0.005)


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan")])
def test_non_positive_buffer_is_refused(bad):
    with pytest.raises(UsageError, match="positive"):
        buffers.buffer_m(Point(-8, 12.6), bad)


@pytest.mark.parametrize("geom", [
    Point(-8.0, 12.65),
    LineString([(-6.5, 13.4), (-5.5, 13.5)]),
    shapely.Polygon([(1.3, 18.3), (1.6, 18.3), (1.6, 18.6), (1.3, 18.6)]),
])
def test_python_and_sql_buffers_agree(conn, geom):
    py = buffers.buffer_m(geom, 12_345.0)
    pg = buffers.buffer_m_sql(conn, geom, 12_345.0)
    assert py.symmetric_difference(pg).area / py.area < 1e-6


def test_sql_corridor_area_matches_python(conn):
    axis = LineString([(-8.0, 12.65), (-7.6, 13.0)])
    wkb = conn.execute("SELECT ST_AsBinary(conflict.corridor_area(ST_GeomFromText(%s, 4326), 3000))", (axis.wkt,)).fetchone()[0]
    pg = shapely.from_wkb(wkb)
    py = buffers.corridor_area(axis, 3000)
    assert py.symmetric_difference(pg).area / py.area < 1e-6
