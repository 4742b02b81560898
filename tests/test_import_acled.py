"""ACLED import: hand-made files in ACLED's format (its licence forbids shipping real rows), against a real PostGIS.

Each bad case: its message, exit 2 through the CLI, and an unchanged database (counts compared).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
GOOD = DATA / "acled_format_mali.csv"
TABLES = ["events", "actors", "actor_aliases", "event_history", "ingest_quarantine", "event_links", "sources"]


def rows() -> list[dict[str, str]]:
    with open(GOOD, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(path: Path, records: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or list(records[0].keys())
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def counts(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM conflict.{t}").fetchone()[0] for t in TABLES}


def test_good_file_imports_with_actors_and_summary(cli, conn, tmp_path):
    result = cli("import", "acled", str(GOOD))
    assert result.exit_code == 0, result.stderr
    assert "inserted 5, updated 0, unchanged 0, deleted 0, rejected 0 in" in result.stdout
    assert conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0] == 5
    ev = conn.execute("""SELECT e.event_type, e.sub_event_type, e.inter1, e.inter2, e.civilian_targeting, e.disorder_type,
                                a1.name, ST_X(e.geom), ST_Y(e.geom), e.source_timestamp, e.notes
                         FROM conflict.events e LEFT JOIN conflict.actors a1 ON a1.id = e.actor1_id
                         WHERE e.source_event_id = 'TST0003'""").fetchone()
    assert ev[:6] == ("Violence against civilians", "Attack", "Rebel group", "Civilians", True, "Political violence")
    assert ev[6] == "JNIM: Group for Support of Islam and Muslims"
    assert (round(ev[7], 4), round(ev[8], 4)) == (-4.91, 14.15)  # lon, lat
    assert ev[9] == 1700000100
    # one actor per normalised name: JNIM appears in three rows, once as actor
    assert conn.execute("SELECT count(*) FROM conflict.actors WHERE name LIKE 'JNIM%'").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM conflict.events WHERE actor1 IS NOT NULL AND actor1_id IS NULL").fetchone()[0] == 0
    run = conn.execute("SELECT format, status, inserted, file_sha256, invoked_by FROM conflict.ingest_runs").fetchone()
    assert run[:3] == ("acled", "ok", 5) and len(run[3]) == 64 and run[4]


def test_same_file_twice_changes_nothing(cli, conn):
    assert cli("import", "acled", str(GOOD)).exit_code == 0
    before = counts(conn)
    snapshot = conn.execute("SELECT id, updated_at FROM conflict.events ORDER BY id").fetchall()
    second = cli("import", "acled", str(GOOD))
    assert second.exit_code == 0, second.stderr
    assert "inserted 0, updated 0, unchanged 5, deleted 0, rejected 0" in second.stdout
    assert counts(conn) == before
    assert conn.execute("SELECT id, updated_at FROM conflict.events ORDER BY id").fetchall() == snapshot


def test_newer_timestamp_updates_in_place_and_keeps_history(cli, conn, tmp_path):
    assert cli("import", "acled", str(GOOD)).exit_code == 0
    event_id = conn.execute("SELECT id FROM conflict.events WHERE source_event_id = 'TST0001'").fetchone()[0]
    records = rows()
    records[0]["fatalities"] = "7"
    records[0]["timestamp"] = "1700009999"
    result = cli("import", "acled", str(write(tmp_path / "v2.csv", records)))
    assert result.exit_code == 0, result.stderr
    assert "inserted 0, updated 1, unchanged 4, deleted 0, rejected 0" in result.stdout
    assert conn.execute("SELECT id, fatalities, source_timestamp FROM conflict.events WHERE source_event_id = 'TST0001'"
                        ).fetchone() == (event_id, 7, 1700009999)
    hist = conn.execute("SELECT event_id, change, previous->>'fatalities', previous_timestamp, new_timestamp "
                        "FROM conflict.event_history").fetchall()
    assert hist == [(event_id, "update", "2", 1700000000, 1700009999)]
    # an older version afterwards changes nothing
    records[0]["fatalities"] = "1"
    records[0]["timestamp"] = "1600000000"
    older = cli("import", "acled", str(write(tmp_path / "old.csv", records)))
    assert "updated 0, unchanged 5" in older.stdout
    assert conn.execute("SELECT fatalities FROM conflict.events WHERE id = %s", (event_id,)).fetchone()[0] == 7


def test_deleted_events_list_removes_and_keeps_history(cli, conn, tmp_path):
    assert cli("import", "acled", str(GOOD)).exit_code == 0
    deleted = tmp_path / "deleted.csv"
    deleted.write_text("event_id_cnty,deleted_timestamp\nTST0002,1700050000\nTST0004,1600000000\nNOPE9,1700050000\n")
    result = cli("import", "acled", str(deleted))
    assert result.exit_code == 0, result.stderr
    # TST0004's stored version (1700000200) is newer than that deletion: kept
    assert "deleted 1" in result.stdout and "unchanged 2" in result.stdout
    ids = [r[0] for r in conn.execute("SELECT source_event_id FROM conflict.events ORDER BY 1")]
    assert ids == ["TST0001", "TST0003", "TST0004", "TST0005"]
    assert conn.execute("SELECT source_event_id, change, previous->>'location' FROM conflict.event_history").fetchall() == [
        ("TST0002", "delete", "Ansongo-Menaka reserve")]
    again = cli("import", "acled", str(deleted))
    assert "deleted 0" in again.stdout


def test_numeric_inter_codes_and_pre_2023_columns(cli, conn, tmp_path):
    records = rows()
    old_header = ["data_id", "iso"] + [c for c in records[0] if c not in ("disorder_type", "civilian_targeting", "tags", "iso")] + ["iso3"]
    for i, r in enumerate(records):
        r["data_id"] = str(9000 + i)
        r["iso3"] = "MLI"
        r["inter1"] = {"State forces": "1", "Identity militia": "4", "Political militia": "3", "Protesters": "6"}.get(r["inter1"], r["inter1"])
        r["event_date"] = {"2022-03-07": "7 March 2022"}.get(r["event_date"], r["event_date"])
    result = cli("import", "acled", str(write(tmp_path / "old.csv", records, old_header)))
    assert result.exit_code == 0, result.stderr
    row = conn.execute("SELECT inter1, disorder_type, event_date::text, native->>'data_id', native->>'iso3' "
                       "FROM conflict.events WHERE source_event_id = 'TST0001'").fetchone()
    assert row == ("State forces", "Political violence", "2022-03-07", "9000", "MLI")


def test_api_json_shape(cli, conn, tmp_path):
    doc = {"status": 200, "success": True, "count": 5, "data": rows()}
    path = tmp_path / "acled_api.json"
    path.write_text(json.dumps(doc))
    result = cli("import", "acled", str(path))
    assert result.exit_code == 0, result.stderr
    assert "inserted 5" in result.stdout
    again = cli("import", "acled", str(path))
    assert "unchanged 5" in again.stdout
    bad = rows()
    bad[2]["latitude"] = "95"
    path.write_text(json.dumps({"data": bad}))
    refused = cli("import", "acled", str(path))
    assert refused.exit_code == 2
    assert "record 2, field 'latitude': got '95'; expected a latitude between -90 and 90" in refused.stderr


BAD_CASES = [
    # (field changes on row index 1 (file row 3), expected message fragment)
    ({"latitude": "95.5"}, "row 3, field 'latitude': got '95.5'; expected a latitude between -90 and 90"),
    ({"longitude": "-190"}, "row 3, field 'longitude': got '-190'; expected a longitude between -180 and 180"),
    ({"latitude": "abc"}, "row 3, field 'latitude': got 'abc'; expected a latitude in decimal degrees"),
    ({"latitude": "0", "longitude": "0"}, "row 3, field 'latitude/longitude': got '0, 0'; expected a real location"),
    ({"latitude": "1.77", "longitude": "15.60"}, "latitude and longitude look swapped"),
    ({"event_type": "Skirmish"}, "row 3, field 'event_type': got 'Skirmish'; expected an ACLED event type"),
    ({"sub_event_type": "Attack"},
     "row 3, field 'sub_event_type': got 'Attack'; expected a sub-event type of 'Battles' (Armed clash, Government regains territory, "
     "Non-state actor overtakes territory); 'Attack' is a sub-event type of 'Violence against civilians'"),
    ({"year": "2021"}, "row 3, field 'year': got '2021'; expected the year of event_date (2022)"),
    ({"event_date": "2099-01-01", "year": "2099"}, "row 3, field 'event_date': got '2099-01-01'; expected a date not in the future"),
    ({"event_date": "2022-02-30"}, "row 3, field 'event_date': got '2022-02-30'; expected a date as YYYY-MM-DD"),
    ({"fatalities": "-3"}, "row 3, field 'fatalities': got '-3'; expected a number of deaths of 0 or more"),
    ({"time_precision": "4"}, "row 3, field 'time_precision': got '4'; expected a time precision code 1, 2 or 3"),
    ({"geo_precision": "0"}, "row 3, field 'geo_precision': got '0'; expected a geo precision code 1, 2 or 3"),
    ({"inter1": "Bandits"}, "row 3, field 'inter1': got 'Bandits'; expected an ACLED inter code 0-8 or its label"),
    ({"event_id_cnty": "TST0001"}, "row 3, field 'event_id_cnty': got 'TST0001'; expected each event id once per file (first seen at row 2)"),
]


@pytest.mark.parametrize("change,message", BAD_CASES, ids=[",".join(c) for c, _ in BAD_CASES])
def test_bad_row_refuses_the_whole_file(cli, conn, tmp_path, change, message):
    assert cli("import", "acled", str(GOOD)).exit_code == 0
    before = counts(conn)
    records = rows()
    records[1].update(change)
    records[1]["timestamp"] = "1800000000"  # a newer version: would be an update if it were accepted
    records[3]["timestamp"] = "1800000000"
    records.append({**rows()[0], "event_id_cnty": "TST0099"})
    path = write(tmp_path / "bad.csv", records)
    result = cli("import", "acled", str(path))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert str(path) in result.stderr and message in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert counts(conn) == before
    assert conn.execute("SELECT max(source_timestamp) FROM conflict.events").fetchone()[0] == 1700000300
    assert conn.execute("SELECT status, rejected FROM conflict.ingest_runs ORDER BY id DESC LIMIT 1").fetchone() == ("failed", 1)


def test_wrong_header_names_missing_columns(cli, conn, tmp_path):
    records = rows()
    header = [c for c in records[0] if c not in ("latitude", "fatalities")]
    result = cli("import", "acled", str(write(tmp_path / "nohead.csv", records, header)))
    assert result.exit_code == 2
    assert "row 1" in result.stderr and "missing column(s): latitude, fatalities" in result.stderr
    assert counts(conn)["events"] == 0


def test_ragged_row_is_a_clear_error(cli, conn, tmp_path):
    text = GOOD.read_text().rstrip("\n") + "\nTST0100,2022-01-01,2022\n"
    path = tmp_path / "ragged.csv"
    path.write_text(text)
    result = cli("import", "acled", str(path))
    assert result.exit_code == 2
    assert "line 7" in result.stderr and "missing data for column" in result.stderr
    assert counts(conn)["events"] == 0


def test_quarantine_loads_the_rest_and_keeps_reasons(cli, conn, tmp_path):
    records = rows()
    records[1]["latitude"] = "95"
    records[2]["fatalities"] = "-1"
    records[2]["event_type"] = "Nope"
    result = cli("import", "acled", "--quarantine", str(write(tmp_path / "q.csv", records)))
    assert result.exit_code == 0, result.stderr
    assert "inserted 3, updated 0, unchanged 0, deleted 0, rejected 2" in result.stdout
    q = conn.execute("SELECT row_no, problems, raw->>'event_id_cnty' FROM conflict.ingest_quarantine ORDER BY row_no").fetchall()
    assert [(r[0], r[2]) for r in q] == [(3, "TST0002"), (4, "TST0003")]
    assert q[0][1] == [{"field": "latitude", "value": "95", "expected": "a latitude between -90 and 90"}]
    assert {p["field"] for p in q[1][1]} == {"event_type", "fatalities"}
    assert conn.execute("SELECT status, inserted, rejected FROM conflict.ingest_runs").fetchone() == ("ok", 3, 2)


def test_dry_run_writes_nothing(cli, conn, tmp_path):
    before = counts(conn)
    result = cli("import", "acled", "--dry-run", str(GOOD))
    assert result.exit_code == 0, result.stderr
    assert "dry run, nothing written: would have inserted 5" in result.stdout
    assert counts(conn) == before
    assert conn.execute("SELECT status, inserted FROM conflict.ingest_runs").fetchall() == [("dry-run", 5)]
    records = rows()
    records[0]["latitude"] = "-95"
    bad = cli("import", "acled", "--dry-run", str(write(tmp_path / "b.csv", records)))
    assert bad.exit_code == 2 and "row 2, field 'latitude'" in bad.stderr
    assert counts(conn) == before


def _norm_rows(conn, path: Path, *, fast: bool) -> tuple[bool | None, list[tuple]]:
    """Stage ``path`` and normalise it (fast path with fallback, or detailed only); the rows of ingest_norm."""
    from gis_core.ingest import acled, loader

    class Rollback(Exception):
        pass

    out: dict[str, object] = {}
    try:
        with conn.transaction():
            loader.stage_csv_file(conn, path, known=acled.KNOWN, required=acled.COLUMNS, what="an ACLED export",
                                  progress=loader.NoProgress())
            if fast:
                out["fast"] = loader.normalise(conn, "ingest/acled_normalise")
            else:
                loader.run_script(conn, "ingest/acled_normalise")
            cur = conn.execute("SELECT * FROM ingest_norm ORDER BY row_no")
            names = [d.name for d in cur.description]
            out["rows"] = [tuple(v for n, v in zip(names, r) if n != "row_no") for r in cur.fetchall()]
            raise Rollback
    except Rollback:
        pass
    return out.get("fast"), out["rows"]  # type: ignore[return-value]


def test_fast_path_equals_detailed_path_on_a_valid_file(conn, tmp_path):
    # Forms the casts do not take as they are go value by value to the detailed helpers: same typed rows.
    records = rows()
    records[0]["event_date"] = "7 March 2022"
    records[1]["inter1"] = "3"
    records[2]["latitude"] = " 14.15 "
    records[3]["fatalities"] = "2" + " " * 15  # 16 characters: beyond the fast guard
    records[4]["longitude"] = "-4.91e0"
    path = write(tmp_path / "forms.csv", records)
    fast_kept, fast = _norm_rows(conn, path, fast=True)
    _, detailed = _norm_rows(conn, path, fast=False)
    assert fast_kept is True
    assert fast == detailed


def test_one_bad_row_falls_back_to_the_detailed_path_with_identical_valid_rows(cli, conn, tmp_path):
    records = rows()
    bad = [dict(r) for r in records]
    bad[2]["event_date"] = "2022-02-30"  # a cast error in the fast path
    fast_kept, with_bad = _norm_rows(conn, write(tmp_path / "bad.csv", bad), fast=True)
    assert fast_kept is False
    _, without = _norm_rows(conn, write(tmp_path / "good.csv", records[:2] + records[3:]), fast=True)
    valid = [r for r in with_bad if r[-1] is None]  # problems is the last column
    assert len(valid) == 4 and valid == without
    # and through the command: the same message as ever, then --quarantine loads the 4 others
    result = cli("import", "acled", str(tmp_path / "bad.csv"))
    assert result.exit_code == 2
    assert "row 4, field 'event_date': got '2022-02-30'; expected a date as YYYY-MM-DD" in result.stderr
    q = cli("import", "acled", "--quarantine", str(tmp_path / "bad.csv"))
    assert q.exit_code == 0 and "inserted 4, updated 0, unchanged 0, deleted 0, rejected 1" in q.stdout


def _events_indexes(conn) -> list[tuple]:
    return conn.execute("""SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisunique, coalesce(k.conname, '')
                           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                           LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                           WHERE i.indrelid = 'conflict.events'::regclass ORDER BY 1""").fetchall()


def test_first_load_builds_indexes_and_unique_key_after_and_restores_them_on_error(db_url, tmp_path, monkeypatch):
    # The first load of an empty table drops the secondary indexes and the (source_id, source_event_id) unique key,
    # inserts, and builds them again: the same definitions afterwards, and an error in between restores them.
    import psycopg

    from gis_core.ingest import acled, loader

    monkeypatch.setattr(loader, "BUILD_AFTER_MIN_ROWS", 1)
    path = write(tmp_path / "a.csv", rows())
    with psycopg.connect(db_url) as conn:
        before = _events_indexes(conn)
        conn.commit()
        assert any(r[3].endswith("source_event_id_key") for r in before)

        def boom(*args, **kwargs):
            raise RuntimeError("error after the insert")

        monkeypatch.setattr(loader.dedupe, "link_run", boom)
        with pytest.raises(RuntimeError):
            acled.import_file(conn, path)
        assert _events_indexes(conn) == before
        assert conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0] == 0
        conn.commit()
        monkeypatch.undo()
        monkeypatch.setattr(loader, "BUILD_AFTER_MIN_ROWS", 1)
        first = acled.import_file(conn, path)
        assert first.inserted == 5 and _events_indexes(conn) == before
        again = acled.import_file(conn, path)
        assert (again.inserted, again.unchanged) == (0, 5)
        with pytest.raises(psycopg.errors.UniqueViolation):
            with conn.transaction():
                conn.execute("""INSERT INTO conflict.events (source_id, source_event_id, event_date, time_precision, event_type,
                                    sub_event_type, longitude, latitude, geo_precision)
                                SELECT source_id, source_event_id, event_date, time_precision, event_type, sub_event_type,
                                       longitude, latitude, geo_precision FROM conflict.events LIMIT 1""")
