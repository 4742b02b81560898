"""The project's coordinate reference systems, declared once.

Storage is WGS 84 longitude/latitude (EPSG:4326). Distances are never taken in degrees:
they are geodesic (PostGIS geography, pyproj.Geod) or in a metric CRS chosen here.
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import CRS, Geod, Transformer

from gis_core.errors import CRSMismatchError

STORAGE_SRID = 4326
# Africa Albers Equal Area Conic (ESRI:102022 has no EPSG code). Used for areas and densities.
# It is defined by its PROJ string so that PostGIS and pyproj agree without an extra spatial_ref_sys row.
METRIC_PROJ = (
    "+proj=aea +lat_0=0 +lon_0=25 +lat_1=20 +lat_2=-23 +x_0=0 +y_0=0 "
    "+datum=WGS84 +units=m +no_defs"
)
GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=64)
def transformer(src: str | int, dst: str | int) -> Transformer:
    """A cached transformer with (x, y) = (lon, lat) order on both sides."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def aeqd_proj(lon: float, lat: float) -> str:
    """The PROJ string of the azimuthal equidistant projection centred on (lon, lat): distances from the
    centre are exact. SQL ``conflict.aeqd_proj`` builds the same string, so Python and SQL buffers agree."""
    return f"+proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +datum=WGS84 +units=m +no_defs"


def utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 UTM zone holding (lon, lat). Mali spans zones 28 to 31."""
    zone = int((lon + 180.0) // 6.0) + 1
    return (32600 if lat >= 0 else 32700) + zone


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The geodesic distance in metres between two points on the WGS 84 ellipsoid."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def require_srid(name: str, srid: int | None, expected: int = STORAGE_SRID) -> None:
    """Raise CRSMismatchError unless ``srid`` is the expected one."""
    if srid != expected:
        raise CRSMismatchError(
            f"{name} is EPSG:{srid} but conflict-gis stores EPSG:{expected}. "
            f"Fix: reproject it first (e.g. ogr2ogr -t_srs EPSG:{expected} or GeoDataFrame.to_crs({expected}))."
        )
