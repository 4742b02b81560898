"""The gazetteer: GeoNames populated places of Mali, every alternate name, accent-free forms,
and the towns the reports need that the GeoNames subset lacks (each with a cited coordinate).

Look-ups go through :func:`gis_core.places.resolve`, which compares names normalised by
``conflict.norm_name`` (case, accents and punctuation ignored): "Ségou" = "Segou" = "SEGOU".
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import psycopg

from gis_core import queries
from gis_core.errors import IngestRowError
from gis_core.paths import DATA_DIR

GEONAMES_FILE = DATA_DIR / "gazetteer" / "mli_places_geonames.csv"
ADDED_FILE = DATA_DIR / "seed" / "places_added.json"
# GeoNames alternate names include airport codes (BKO, GAQ, TOM ...): they are not place names.
_IATA = re.compile(r"^[A-Z]{3}$")


def strip_accents(name: str) -> str:
    """``"Sévaré"`` → ``"Sevare"``: the name without combining marks (other characters kept)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def name_forms(names: Iterable[str]) -> list[str]:
    """Every usable spelling, with its accent-free form, without duplicates, in first-seen order."""
    seen: dict[str, None] = {}
    for raw in names:
        name = raw.strip()
        if not name or _IATA.match(name):
            continue
        seen.setdefault(name, None)
        seen.setdefault(strip_accents(name), None)
    return list(seen)


def _add_names(conn: psycopg.Connection, place_id: int, names: Iterable[str]) -> None:
    for name in name_forms(names):
        conn.execute(queries.get("seed/insert_place_name"), {"place_id": place_id, "name": name})


def _float(path: Path, row: int, field: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise IngestRowError(str(path), row, field, value, f"a number between {low} and {high}") from None
    if not low <= number <= high:
        raise IngestRowError(str(path), row, field, value, f"a number between {low} and {high}")
    return number


def load_geonames(conn: psycopg.Connection, *, source_id: int, path: Path = GEONAMES_FILE) -> dict[str, int]:
    """Upsert the GeoNames places of ``path`` and all their names.

    Parameters
    ----------
    conn : psycopg.Connection
        Open connection; the caller owns the transaction.
    source_id : int
        The ``conflict.sources`` id of the GeoNames file.
    path : pathlib.Path
        CSV with columns geonameid, name, latitude, longitude, population, alternatenames (pipe-separated).

    Returns
    -------
    dict[str, int]
        ``{"inserted": n, "updated": m}``.
    """
    counts = {"inserted": 0, "updated": 0}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, rec in enumerate(csv.DictReader(handle), start=2):  # row 1 is the header
            lon = _float(path, number, "longitude", rec.get("longitude"), -180, 180)
            lat = _float(path, number, "latitude", rec.get("latitude"), -90, 90)
            if not rec.get("name"):
                raise IngestRowError(str(path), number, "name", rec.get("name"), "a place name")
            population = int(rec["population"]) if (rec.get("population") or "0").isdigit() else None
            row = conn.execute(queries.get("seed/upsert_place"), {
                "name": rec["name"], "geonameid": int(rec["geonameid"]), "population": population or None,
                "lon": lon, "lat": lat, "source_id": source_id, "notes": f"GeoNames {rec['geonameid']}",
            }).fetchone()
            counts["inserted" if row[1] else "updated"] += 1
            _add_names(conn, row[0], [rec["name"], *(rec.get("alternatenames") or "").split("|")])
    return counts


def load_added_places(conn: psycopg.Connection, *, source_ids: Mapping[str, int], path: Path = ADDED_FILE) -> dict[str, int]:
    """Upsert the hand-added towns of ``places_added.json`` (each with its coordinate's source and
    confidence) and the extra spellings it gives for GeoNames places."""
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = {"inserted": 0, "updated": 0}
    for index, place in enumerate(data["places"]):
        key = place.get("source")
        if key not in source_ids:
            raise IngestRowError(str(path), index, "source", key, f"one of the source keys {sorted(source_ids)}")
        lon = _float(path, index, "lon", place.get("lon"), -180, 180)
        lat = _float(path, index, "lat", place.get("lat"), -90, 90)
        notes = f"[confidence: {place['confidence']}] {place['notes']}"
        row = conn.execute(queries.get("seed/upsert_place"), {
            "name": place["name"], "geonameid": None, "population": place.get("population"),
            "lon": lon, "lat": lat, "source_id": source_ids[key], "notes": notes,
        }).fetchone()
        counts["inserted" if row[1] else "updated"] += 1
        _add_names(conn, row[0], [place["name"], *place.get("names", [])])
    for target, names in data.get("extra_names", {}).items():
        if target.startswith("_"):
            continue
        place_id = conn.execute(
            queries.get("seed/place_by_source_name"), {"name": target, "source_id": source_ids["geonames"]}
        ).fetchone()
        if place_id is None:
            raise IngestRowError(str(path), None, f"extra_names.{target}", target, "the name of a GeoNames place")
        _add_names(conn, place_id[0], names)
    return counts
