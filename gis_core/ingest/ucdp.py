"""UCDP GED (Georeferenced Event Dataset) CSV, as UCDP ships it (49 columns; GED yearly and Candidate releases).

Mapping onto the ACLED-compatible events table (sql/queries/ingest/ucdp_normalise.sql):
type_of_violence 1 state-based, 2 non-state → Battles / Armed clash; 3 one-sided → Violence against civilians /
Attack. where_prec 1 → geo_precision 1, 2 → 2, 3-7 → 3; date_prec 1 → time_precision 1, 2-3 → 2, 4-5 → 3.
best/low/high deaths → fatalities / fatalities_low / fatalities_high. UCDP's codes stay in ``native``
and the whole row in ``raw``. Dates may be ``YYYY-MM-DD`` or ``YYYY-MM-DD 00:00:00.000``.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from gis_core.ingest.loader import ImportResult, Job, Progress, SourceInfo, execute, stage_csv_file
from gis_core.ingest.validate import IngestFileError

SOURCE = SourceInfo(
    name="UCDP GED", kind="dataset", url="https://ucdp.uu.se/downloads/",
    citation="Sundberg & Melander (2013), JPR 50(4); Davies, Pettersson & Öberg (2023), JPR 60(4)",
    licence="CC BY 4.0")

COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office", "source_date",
    "source_headline", "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low",
    "gwnoa", "gwnob",
]
REQUIRED = ["id", "year", "type_of_violence", "side_a", "side_b", "where_prec", "latitude", "longitude", "country",
            "date_prec", "date_start", "date_end", "best", "high", "low"]


def import_file(conn: psycopg.Connection, path: str | Path, *, quarantine: bool = False, dry_run: bool = False,
                progress: Progress | None = None) -> ImportResult:
    """Import one UCDP GED CSV file."""
    path = Path(path)
    if not path.is_file():
        raise IngestFileError(str(path), None, None, str(path), "an existing UCDP GED CSV file")
    job = Job(path=path, format="ucdp", source=SOURCE, id_field="id", quarantine=quarantine, dry_run=dry_run,
              normalise="ingest/ucdp_normalise", raw_key="id",
              stage=lambda c, p: stage_csv_file(c, path, known=COLUMNS, required=REQUIRED, what="a UCDP GED CSV",
                                                progress=p)[0])
    return execute(conn, job, progress)
