"""UCDP GED import on 7 real rows (UCDP GED v23.1, Mali; CC BY 4.0), and ACLED↔UCDP twin links."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import importlib.util
import sys

_spec = importlib.util.spec_from_file_location("_acled_tests", Path(__file__).with_name("test_import_acled.py"))
_acled = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_acled)  # shared helpers (the test file is not a package module)
counts, acled_rows, write = _acled.counts, _acled.rows, _acled.write

DATA = Path(__file__).parent / "data"
UCDP = DATA / "ucdp_ged231_sample_mali.csv"


def ucdp_rows() -> list[dict[str, str]]:
    with open(UCDP, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_real_ucdp_rows_import_with_mapping(cli, conn):
    result = cli("import", "ucdp", str(UCDP))
    assert result.exit_code == 0, result.stderr
    assert "inserted 7, updated 0, unchanged 0, deleted 0, rejected 0" in result.stdout
    row = conn.execute("""SELECT event_type, sub_event_type, geo_precision, time_precision, fatalities, fatalities_low,
                                 fatalities_high, native->>'where_prec', native->>'type_of_violence', event_date::text,
                                 event_date_end::text, actor1, actor2, ST_X(geom), ST_Y(geom), raw->>'relid'
                          FROM conflict.events WHERE source_event_id = '352268'""").fetchone()
    assert row[:9] == ("Battles", "Armed clash", 2, 2, 12, 12, 12, "2", "2")
    assert row[9:13] == ("2020-08-22", "2020-08-23", "IS", "JNIM")
    assert (row[13], row[14]) == (-0.4383, 15.5371) and row[15] == "AFG-2020-2-16207-29"
    one_sided = conn.execute("SELECT event_type, sub_event_type, civilian_targeting, fatalities, fatalities_high "
                             "FROM conflict.events WHERE source_event_id = '12989'").fetchone()
    assert one_sided == ("Violence against civilians", "Attack", True, 20, 48)
    # where_prec 4 (admin-1 centroid) and 5 are coarse
    assert conn.execute("SELECT source_event_id, geo_precision FROM conflict.events WHERE native->>'where_prec' IN ('4','5') "
                        "ORDER BY 1").fetchall() == [("256789", 3), ("433894", 3)]
    again = cli("import", "ucdp", str(UCDP))
    assert "inserted 0, updated 0, unchanged 7" in again.stdout


def test_official_datetime_format_is_accepted(cli, conn, tmp_path):
    records = ucdp_rows()
    for r in records:
        r["date_start"] += " 00:00:00.000"
        r["date_end"] += " 00:00:00.000"
    result = cli("import", "ucdp", str(write(tmp_path / "ged.csv", records)))
    assert result.exit_code == 0, result.stderr
    assert conn.execute("SELECT event_date::text FROM conflict.events WHERE source_event_id = '12989'").fetchone()[0] == "1991-05-20"


def test_changed_ucdp_row_updates_with_history(cli, conn, tmp_path):
    assert cli("import", "ucdp", str(UCDP)).exit_code == 0
    records = ucdp_rows()
    records[1]["best"] = "7"
    records[1]["high"] = "9"
    result = cli("import", "ucdp", str(write(tmp_path / "ged2.csv", records)))
    assert "inserted 0, updated 1, unchanged 6" in result.stdout
    assert conn.execute("SELECT source_event_id, change, previous->>'fatalities' FROM conflict.event_history").fetchall() == [
        ("203499", "update", "6")]


UCDP_BAD = [
    ({"low": "30"}, "row 3, field 'low': got '30'; expected low <= best <= high (best is 6)"),
    ({"high": "2"}, "row 3, field 'high': got '2'; expected low <= best <= high (best is 6)"),
    ({"date_start": "2015-06-29"}, "row 3, field 'date_start': got '2015-06-29'; expected a start on or before date_end (2015-06-27)"),
    ({"where_prec": "9"}, "row 3, field 'where_prec': got '9'; expected a UCDP where_prec code 1 to 7"),
    ({"date_prec": "0"}, "row 3, field 'date_prec': got '0'; expected a UCDP date_prec code 1 to 5"),
    ({"type_of_violence": "4"}, "row 3, field 'type_of_violence': got '4'; expected a UCDP type of violence"),
    ({"year": "2014"}, "row 3, field 'year': got '2014'; expected the year of date_start (2015)"),
    ({"best": "-6", "low": "-6", "high": "6"}, "row 3, field 'best': got '-6'; expected a best estimate of deaths"),
    ({"latitude": "-7.284659", "longitude": "15.168751"}, "latitude and longitude look swapped"),
    ({"date_start": "2099-06-27", "date_end": "2099-06-27", "year": "2099"}, "expected a date not in the future"),
]


@pytest.mark.parametrize("change,message", UCDP_BAD, ids=[",".join(c) for c, _ in UCDP_BAD])
def test_bad_ucdp_row(cli, conn, tmp_path, change, message):
    before = counts(conn)
    records = ucdp_rows()
    records[1].update(change)
    result = cli("import", "ucdp", str(write(tmp_path / "bad.csv", records)))
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert counts(conn) == before


def test_missing_ucdp_columns_are_named(cli, conn, tmp_path):
    records = ucdp_rows()
    header = [c for c in records[0] if c not in ("best", "where_prec")]
    result = cli("import", "ucdp", str(write(tmp_path / "h.csv", records, header)))
    assert result.exit_code == 2 and "missing column(s): where_prec, best" in result.stderr


def test_dedupe_links_twin_acled_ucdp_pair_and_not_a_far_one(cli, conn, tmp_path):
    # ACLED-format TST0001 (2022-03-07, Military Forces of Mali vs JNIM, ~0.3 km from UCDP 431002) is a twin;
    # TST0002 (2022-03-28, vs UCDP 433894 on 2022-03-27, ~1.7 km, IS on both sides) too.
    # A copy of TST0001 moved 30 km away and one a week later are not.
    records = acled_rows()
    far = {**records[0], "event_id_cnty": "TST0101", "latitude": "15.0900"}  # ~30 km north
    late = {**records[0], "event_id_cnty": "TST0102", "event_date": "2022-03-14"}
    foe = {**records[0], "event_id_cnty": "TST0103", "actor1": "Dozo Communal Militia (Mali)", "actor2": "Civilians (Mali)"}
    assert cli("import", "acled", str(write(tmp_path / "a.csv", records + [far, late, foe]))).exit_code == 0
    result = cli("import", "ucdp", str(UCDP))
    assert result.exit_code == 0, result.stderr
    assert "2 cross-source twin(s) linked" in result.stdout
    pairs = conn.execute("""SELECT a.source_event_id, b.source_event_id, round(l.distance_m)::int < 2000, l.days_apart
                            FROM conflict.event_links l JOIN conflict.events a ON a.id = l.event_id
                            JOIN conflict.events b ON b.id = l.twin_id ORDER BY 1""").fetchall()
    assert pairs == [("TST0001", "431002", True, 0), ("TST0002", "433894", True, 1)]
    total = conn.execute("SELECT count(*) FROM layers.events").fetchone()[0]
    dedup = conn.execute("SELECT count(*) FROM layers.events_dedup").fetchone()[0]
    assert (total, dedup) == (15, 13)
    clusters = conn.execute("""SELECT count(DISTINCT c.cluster_id) FROM conflict.event_clusters c
                               JOIN conflict.events e ON e.id = c.event_id
                               WHERE e.source_event_id IN ('TST0001', '431002')""").fetchone()[0]
    assert clusters == 1


def test_dedupe_clusters_are_connected_components(cli, conn, tmp_path):
    # Two ACLED events (same source: never linked to each other) ~1 km apart both twin UCDP 431002: a chain
    # TST0001 – 431002 – TST0201. The three are one cluster, shown once in layers.events_dedup.
    records = acled_rows()
    near = {**records[0], "event_id_cnty": "TST0201", "latitude": f"{float(records[0]['latitude']) + 0.01:.4f}"}
    assert cli("import", "acled", str(write(tmp_path / "a.csv", [records[0], near]))).exit_code == 0
    assert cli("import", "ucdp", str(UCDP)).exit_code == 0
    links = conn.execute("""SELECT a.source_event_id, b.source_event_id FROM conflict.event_links l
                            JOIN conflict.events a ON a.id = l.event_id JOIN conflict.events b ON b.id = l.twin_id
                            ORDER BY 1""").fetchall()
    assert links == [("TST0001", "431002"), ("TST0201", "431002")]
    clusters = conn.execute("""SELECT e.source_event_id, c.cluster_id, min(e.id) OVER () FROM conflict.event_clusters c
                               JOIN conflict.events e ON e.id = c.event_id
                               WHERE e.source_event_id IN ('TST0001', 'TST0201', '431002')""").fetchall()
    assert len(clusters) == 3 and {c for _, c, _ in clusters} == {clusters[0][2]}
    shown = conn.execute("""SELECT count(*) FROM layers.events_dedup
                            WHERE source_event_id IN ('TST0001', 'TST0201', '431002')""").fetchone()[0]
    assert shown == 1
