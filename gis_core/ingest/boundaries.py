"""Administrative boundaries: Mali's outline (Natural Earth admin-0) and its 9 pre-2016 regions.

Cercles (admin level 2) are not loaded: no cercle layer can be had offline here (see
``gis_core/data/boundaries/PROVENANCE.md``); nothing pretends to be one.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from gis_core import queries
from gis_core.errors import IngestRowError
from gis_core.paths import DATA_DIR

BOUNDARIES_DIR = DATA_DIR / "boundaries"
ADMIN0_FILE = BOUNDARIES_DIR / "mli_admin0_naturalearth_10m.geojson"
ADMIN1_FILE = BOUNDARIES_DIR / "mli_admin1_regions_naturalearth_10m_derived.geojson"


def _features(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise IngestRowError(str(path), None, "features", None, "a GeoJSON FeatureCollection with at least one feature")
    return features


def load_boundaries(conn: psycopg.Connection, *, admin0_source_id: int, admin1_source_id: int) -> dict[str, int]:
    """Upsert the country (level 0, pcode ``ML``) and its regions (level 1) from the shipped GeoJSON.

    Parameters
    ----------
    conn : psycopg.Connection
        An open connection; the caller owns the transaction.
    admin0_source_id, admin1_source_id : int
        ``conflict.sources`` ids of the two boundary files.

    Returns
    -------
    dict[str, int]
        ``{"inserted": n, "updated": m}``.
    """
    counts = {"inserted": 0, "updated": 0}
    (country,) = _features(ADMIN0_FILE)[:1]
    row = conn.execute(queries.get("seed/upsert_admin_area"), {
        "level": 0, "name": "Mali", "pcode": "ML", "parent_id": None,
        "geojson": json.dumps(country["geometry"]), "source_id": admin0_source_id,
    }).fetchone()
    country_id = row[0]
    counts["inserted" if row[1] else "updated"] += 1
    for index, feature in enumerate(_features(ADMIN1_FILE)):
        name = (feature.get("properties") or {}).get("region_name")
        if not name:
            raise IngestRowError(str(ADMIN1_FILE), index, "region_name", name, "a region name")
        row = conn.execute(queries.get("seed/upsert_admin_area"), {
            "level": 1, "name": name, "pcode": None, "parent_id": country_id,
            "geojson": json.dumps(feature["geometry"]), "source_id": admin1_source_id,
        }).fetchone()
        counts["inserted" if row[1] else "updated"] += 1
    return counts
