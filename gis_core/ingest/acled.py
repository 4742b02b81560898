"""ACLED: the standard CSV export (31 columns), older exports (data_id, iso3 …), the API's JSON (`data` array)
and the deleted-events list (event_id_cnty, deleted_timestamp).

ACLED's licence forbids redistributing its rows: tests use files made in its format.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg

from gis_core.ingest.loader import ImportResult, Job, Progress, SourceInfo, execute, read_json, stage_csv_file, stage_records
from gis_core.ingest.validate import IngestFileError, check_header

SOURCE = SourceInfo(
    name="ACLED", kind="dataset", url="https://acleddata.com",
    citation="Armed Conflict Location & Event Data (ACLED), acleddata.com",
    licence="ACLED Terms of Use (no redistribution of raw data; attribution required)")

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]
OLD_ONLY = ["data_id", "iso3", "event_id_no_cnty"]
# Columns that exports before 2023 do not have.
NEW_ONLY = ["disorder_type", "civilian_targeting", "tags"]
KNOWN = COLUMNS + OLD_ONLY
DELETED_COLUMNS = ["event_id_cnty", "deleted_timestamp"]


def required_columns(header: list[str]) -> list[str]:
    """All 31 columns for a current export; the pre-2023 set when the file has data_id or iso3."""
    if any(c in header for c in ("data_id", "iso3")) and "disorder_type" not in header:
        return [c for c in COLUMNS if c not in NEW_ONLY]
    return COLUMNS


def is_deletion_header(header: list[str]) -> bool:
    return "deleted_timestamp" in header and "event_date" not in header


def _looks_like_json(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    with open(path, "rb") as f:
        head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _csv_header(path: Path) -> list[str]:
    from gis_core.ingest.loader import read_csv_header

    header, _, f = read_csv_header(path)
    f.close()
    return header


# The bulk path starts a child process and reads the file twice (Arrow; the raw hashes): below this size the
# detailed path is as fast (docs/importers.md, "Speed").
BULK_MIN_BYTES = 4 << 20


def import_file(conn: psycopg.Connection, path: str | Path, *, quarantine: bool = False, dry_run: bool = False,
                progress: Progress | None = None, bulk: bool | None = None) -> ImportResult:
    """Import one ACLED file (CSV export, API JSON, or the deleted-events list, recognised by its columns).

    A current CSV export of at least BULK_MIN_BYTES is first tried on the bulk path (gis_core.ingest.bulk);
    ``bulk=True`` tries it whatever the size, ``bulk=False`` never (CONFLICT_GIS_IMPORT_BULK=1 or 0 does the
    same from the environment). Both paths store the same rows.
    """
    path = Path(path)
    if not path.is_file():
        raise IngestFileError(str(path), None, None, str(path), "an existing ACLED file (CSV or JSON)")
    if _looks_like_json(path):
        return _import_json(conn, path, quarantine=quarantine, dry_run=dry_run, progress=progress)
    header = _csv_header(path)
    if bulk is None:
        forced = os.environ.get("CONFLICT_GIS_IMPORT_BULK")
        bulk = forced == "1" if forced in ("0", "1") else path.stat().st_size >= BULK_MIN_BYTES
    if is_deletion_header(header):
        job = Job(path=path, format="acled-deleted", source=SOURCE, deletions=True, quarantine=quarantine, dry_run=dry_run,
                  normalise="ingest/acled_deleted_normalise",
                  stage=lambda c, p: stage_csv_file(c, path, known=DELETED_COLUMNS, required=DELETED_COLUMNS,
                                                    what="ACLED's deleted-events list", progress=p)[0])
    else:
        job = Job(path=path, format="acled", source=SOURCE, quarantine=quarantine, dry_run=dry_run,
                  normalise="ingest/acled_normalise", raw_key="event_id_cnty", bulk=COLUMNS if bulk else None,
                  stage=lambda c, p: stage_csv_file(c, path, known=KNOWN, required=required_columns(header),
                                                    what="an ACLED export", progress=p)[0])
    return execute(conn, job, progress)


def _import_json(conn: psycopg.Connection, path: Path, *, quarantine: bool, dry_run: bool,
                 progress: Progress | None) -> ImportResult:
    """ACLED API JSON: {"status": 200, "success": true, "count": N, "data": [{…}, …]} (or a bare list)."""
    doc: Any = read_json(path)
    records = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise IngestFileError(str(path), None, "data", type(records).__name__ if records is not None else None,
                              'an ACLED API response: an object with a "data" array of events', unit="record")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise IngestFileError(str(path), index, None, record, "an object per event in the data array", unit="record")
    keys = list(records[0].keys()) if records else COLUMNS
    deletions = is_deletion_header(keys)
    required = DELETED_COLUMNS if deletions else required_columns(keys)
    for index, record in enumerate(records):
        missing = [c for c in required if c not in record]
        if missing:
            raise IngestFileError(str(path), index, None, ", ".join(list(record)[:8]),
                                  f"an ACLED {'deleted-event' if deletions else 'event'} record; missing field(s): {', '.join(missing)}",
                                  unit="record")
    known = DELETED_COLUMNS if deletions else KNOWN
    extra = sorted({k for r in records for k in r} - set(known))
    columns = known + extra
    sha = _sha(path)

    def stage(c: psycopg.Connection, p: Progress) -> str:
        p.start(len(records), f"importing {path.name}")
        stage_records(c, enumerate(records), columns=columns, progress=p)
        return sha

    job = Job(path=path, format="acled-deleted-json" if deletions else "acled-json", source=SOURCE, unit="record",
              deletions=deletions, quarantine=quarantine, dry_run=dry_run, stage=stage,
              normalise="ingest/acled_deleted_normalise" if deletions else "ingest/acled_normalise")
    return execute(conn, job, progress)


def _sha(path: Path) -> str:
    from gis_core.ingest.loader import sha256_of

    return sha256_of(path)


__all__ = ["COLUMNS", "SOURCE", "import_file", "check_header"]
