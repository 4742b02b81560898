"""The bulk path (gis_core.ingest.bulk) against the detailed path: the same files give the same stored rows.

Each comparison imports a file with ``bulk=True`` into this test's database and with ``bulk=False`` into a
second one made from the same template, then compares every stored column (ids and clocks aside). Files the
bulk path cannot take must fall back to the detailed path with its messages, leaving nothing behind.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conftest import with_dbname
from shapely.geometry import Point

from gis_core.analysis import alerts
from gis_core.ingest import acled
from gis_core.ingest.validate import IngestRejected
from test_import_acled import counts, rows, write

SKIP = {"id", "created_at", "updated_at", "ingest_run_id", "actor1_id", "actor2_id"}
EVENTS = """SELECT e.*, a1.name AS actor1_name, a1.inter_code AS actor1_code, a2.name AS actor2_name
            FROM conflict.events e LEFT JOIN conflict.actors a1 ON a1.id = e.actor1_id
            LEFT JOIN conflict.actors a2 ON a2.id = e.actor2_id ORDER BY e.source_event_id"""


@pytest.fixture
def twin(pg_server: str, template_db: str) -> Iterator[psycopg.Connection]:
    """A second fresh database, for the detailed path's side of a comparison."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template_db)))
    try:
        with psycopg.connect(with_dbname(pg_server, name), autocommit=True) as connection:
            yield connection
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def stored(conn: psycopg.Connection) -> dict:
    cur = conn.execute(EVENTS)
    names = [d.name for d in cur.description]
    events = [{k: v for k, v in zip(names, r) if k not in SKIP} for r in cur]
    return {
        "events": events,
        "actors": conn.execute("SELECT name, inter_code, kind FROM conflict.actors ORDER BY name").fetchall(),
        "aliases": conn.execute("SELECT alias, alias_norm FROM conflict.actor_aliases ORDER BY alias").fetchall(),
        "history": conn.execute("SELECT source_event_id, change, previous_timestamp, new_timestamp "
                                "FROM conflict.event_history ORDER BY 1").fetchall(),
        "runs": conn.execute("SELECT format, status, inserted, updated, unchanged, rejected, file_sha256 "
                             "FROM conflict.ingest_runs ORDER BY id").fetchall(),
    }


def both(conn, twin, *files: Path) -> list[tuple]:
    """Import the files in order with each path; assert the bulk path was taken; return both results per file."""
    out = []
    for f in files:
        fast = acled.import_file(conn, f, bulk=True)
        slow = acled.import_file(twin, f, bulk=False)
        assert fast.bulk and not slow.bulk
        out.append((fast, slow))
    return out


def varied_rows() -> list[dict[str, str]]:
    """The test file's rows, plus the forms the bulk path must normalise exactly as the detailed path does."""
    base = rows()
    extra = []
    for i, (inter1, civ, notes, spaces) in enumerate([
        ("1", "civilian targeting", "line one\nline two, with a comma", True),
        ("rebel group", "", 'quotes "inside" and unicode: Sévaré, Tombouctou', False),
        ("External/Other forces", "TRUE", "", True),
        ("0", "no", "  notes keep their spaces  ", False),
    ]):
        r = dict(base[i % len(base)])
        r["event_id_cnty"] = f"TSTX{i:03d}"
        r["inter1"] = inter1
        r["civilian_targeting"] = civ
        r["notes"] = notes
        r["assoc_actor_1"] = "Dozo Communal Militia (Mali)" if i % 2 else ""
        r["tags"] = "crowd size=no report" if i == 1 else ""
        r["disorder_type"] = "" if i == 2 else r["disorder_type"]
        r["iso"] = "" if i == 3 else r["iso"]
        r["actor2"] = "Civilians (Mali)" if i == 0 else r["actor2"]
        r["inter2"] = "7" if i == 0 else r["inter2"]
        if spaces:
            for k in ("event_id_cnty", "location", "latitude", "longitude", "fatalities", "timestamp", "year"):
                r[k] = f" {r[k]} "
        extra.append(r)
    return base + extra


def test_same_rows_both_ways_on_a_first_load(conn, twin, tmp_path):
    path = write(tmp_path / "varied.csv", varied_rows())
    (fast, slow), = both(conn, twin, path)
    assert (fast.inserted, fast.updated, fast.unchanged) == (slow.inserted, slow.updated, slow.unchanged) == (9, 0, 0)
    a, b = stored(conn), stored(twin)
    assert a == b
    assert a["runs"][0][-1] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert all(e["raw_hash"] is not None for e in a["events"])
    notes = {e["source_event_id"]: e["notes"] for e in a["events"]}
    assert notes["TSTX000"] == "line one\nline two, with a comma" and notes["TSTX003"] == "  notes keep their spaces  "


def test_same_rows_both_ways_on_updates_and_new_events(conn, twin, tmp_path):
    records = varied_rows()
    v1 = write(tmp_path / "v1.csv", records)
    records[2]["fatalities"] = "9"
    records[2]["timestamp"] = "1700099999"  # newer: an update with history
    records[3]["fatalities"] = "77"  # same timestamp: unchanged (ACLED's version is the timestamp)
    new = dict(records[0], event_id_cnty="TSTNEW1", actor1="Dan Na Ambassagou", inter1="Identity militia")
    v2 = write(tmp_path / "v2.csv", records + [new])
    results = both(conn, twin, v1, v2, v2)
    (fast, slow) = results[1]
    assert (fast.inserted, fast.updated, fast.unchanged) == (slow.inserted, slow.updated, slow.unchanged) == (1, 1, 8)
    again = results[2]
    assert (again[0].inserted, again[0].updated, again[0].unchanged) == (0, 0, 10)
    assert stored(conn) == stored(twin)
    assert conn.execute("SELECT fatalities FROM conflict.events WHERE source_event_id = %s",
                        (records[2]["event_id_cnty"].strip(),)).fetchone() == (9,)
    assert conn.execute("SELECT count(*) FROM conflict.event_history").fetchone() == (1,)


@pytest.mark.parametrize("field, value, message", [
    ("event_date", "2099-01-01", "a date not in the future"),
    ("latitude", "-3.93", "latitude and longitude look swapped"),
    ("sub_event_type", "Peaceful protest", "a sub-event type of 'Battles'"),
    ("fatalities", "-2", "a number of deaths of 0 or more"),
    ("year", "2021", "the year of event_date"),
])
def test_a_bad_row_falls_back_to_the_detailed_messages(conn, tmp_path, field, value, message):
    records = rows()
    if field == "latitude":  # swap the two: longitude -3.93 as latitude, latitude 14.82 as longitude
        records[0]["latitude"], records[0]["longitude"] = records[0]["longitude"], records[0]["latitude"]
    else:
        records[0][field] = value
    path = write(tmp_path / "bad.csv", records)
    before = counts(conn)
    with pytest.raises(IngestRejected) as caught:
        acled.import_file(conn, path, bulk=True)
    assert message in str(caught.value) and "row 2" in str(caught.value)
    assert counts(conn) == before


def test_forms_the_bulk_path_leaves_to_the_detailed_path_still_import(conn, twin, tmp_path):
    records = rows()
    records[0]["event_date"] = "7 March 2022"  # an older export's date form
    records[1]["fatalities"] = "30.0"
    path = write(tmp_path / "forms.csv", records)
    fast = acled.import_file(conn, path, bulk=True)
    slow = acled.import_file(twin, path, bulk=False)
    assert not fast.bulk and fast.inserted == slow.inserted == 5
    assert stored(conn) == stored(twin)


def test_an_id_twice_is_refused_by_the_detailed_path(conn, tmp_path):
    records = rows()
    records[3]["event_id_cnty"] = records[0]["event_id_cnty"]
    before = counts(conn)
    with pytest.raises(IngestRejected) as caught:
        acled.import_file(conn, write(tmp_path / "twice.csv", records), bulk=True)
    assert "each event id once per file (first seen at row 2)" in str(caught.value)
    assert counts(conn) == before


def test_first_load_raises_alerts_once_and_restores_the_triggers(conn, twin, tmp_path):
    for c in (conn, twin):
        site = alerts.add_site(c, "Mopti base", Point(-4.19, 14.49), kind="military")
        alerts.add_rule(c, "100 km", radius_m=100_000, site_id=site)
    path = write(tmp_path / "a.csv", rows())
    both(conn, twin, path)
    raised = "SELECT s.name, e.source_event_id, round(a.distance_m) FROM conflict.alerts a JOIN conflict.sites s ON s.id = a.site_id " \
             "JOIN conflict.events e ON e.id = a.event_id ORDER BY 2"
    assert conn.execute(raised).fetchall() == twin.execute(raised).fetchall() != []
    enabled = conn.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'conflict.events'::regclass "
                           "AND NOT tgisinternal ORDER BY 1").fetchall()
    assert enabled and all(state == "O" for _, state in enabled)


def test_a_writer_role_loads_with_the_triggers_on(conn, twin, tmp_path):
    conn.execute("SET ROLE conflict_writer")
    path = write(tmp_path / "w.csv", varied_rows())
    fast = acled.import_file(conn, path, bulk=True)
    conn.execute("RESET ROLE")
    slow = acled.import_file(twin, path, bulk=False)
    assert fast.bulk and fast.inserted == slow.inserted == 9
    assert stored(conn)["events"] == stored(twin)["events"]


@pytest.mark.parametrize("variant", ["crlf", "bom", "reordered_with_extra_column", "no_final_line_break"])
def test_same_rows_both_ways_whatever_the_file_layout(conn, twin, tmp_path, variant):
    records = varied_rows()
    header = list(records[0].keys())
    if variant == "reordered_with_extra_column":
        header = list(reversed(header)) + ["extra_column"]
        for r in records:
            r["extra_column"] = "ignored"
    path = write(tmp_path / f"{variant}.csv", records, header)
    data = path.read_bytes()
    if variant == "crlf":
        # line breaks inside quoted notes stay \n: only the record ends become \r\n
        data = data.replace(b"\n", b"\r\n").replace(b"one\r\nline", b"one\nline")
    elif variant == "bom":
        data = b"\xef\xbb\xbf" + data
    elif variant == "no_final_line_break":
        data = data.rstrip(b"\n")
    path.write_bytes(data)
    (fast, slow), = both(conn, twin, path)
    assert fast.inserted == slow.inserted == 9
    assert stored(conn) == stored(twin)
