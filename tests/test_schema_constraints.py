"""The database itself refuses bad rows: what every importer and analyst relies on."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


@pytest.fixture
def source_id(conn: psycopg.Connection) -> int:
    return conn.execute(
        "INSERT INTO conflict.sources (name, kind, file_name) VALUES ('test report', 'report', 'r.txt') RETURNING id"
    ).fetchone()[0]


def insert_event(conn: psycopg.Connection, source_id: int | None = None, **overrides: object) -> None:
    row = {
        "source_id": source_id, "source_event_id": "E1", "event_date": "2026-04-25", "time_precision": 1,
        "event_type": "Battles", "sub_event_type": "Armed clash", "longitude": -8.0, "latitude": 12.65,
        "geo_precision": 1, "fatalities": 3,
    }
    row.update(overrides)
    cols = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    conn.execute(f"INSERT INTO conflict.events ({cols}) VALUES ({marks})", list(row.values()))


def test_a_valid_event_is_accepted_with_its_point_built_from_lon_lat(conn, source_id):
    insert_event(conn, source_id)
    lon, lat, srid = conn.execute("SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM conflict.events").fetchone()
    assert (lon, lat, srid) == (-8.0, 12.65, 4326)


def test_negative_fatalities_are_refused(conn, source_id):
    with pytest.raises(errors.CheckViolation, match="fatalities"):
        insert_event(conn, source_id, fatalities=-1)


def test_an_unknown_event_type_is_refused(conn, source_id):
    with pytest.raises(errors.CheckViolation, match="events_event_type_pair"):
        insert_event(conn, source_id, event_type="Skirmish", sub_event_type="Armed clash")


def test_a_sub_event_type_of_another_type_is_refused(conn, source_id):
    # "Attack" is a sub-event type of "Violence against civilians", not of "Battles".
    with pytest.raises(errors.CheckViolation, match="events_event_type_pair"):
        insert_event(conn, source_id, event_type="Battles", sub_event_type="Attack")


def test_the_pair_check_is_exactly_the_taxonomy_table(conn, source_id):
    # The CHECK is generated from conflict.event_types: every pair of the table is accepted, a crossed pair is not.
    pairs = conn.execute("SELECT event_type, sub_event_type FROM conflict.event_types ORDER BY 1, 2").fetchall()
    for i, (event_type, sub_event_type) in enumerate(pairs):
        insert_event(conn, source_id, source_event_id=f"P{i}", event_type=event_type, sub_event_type=sub_event_type)
    assert conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0] == len(pairs) == 25
    with pytest.raises(errors.CheckViolation, match="events_event_type_pair"):
        insert_event(conn, source_id, source_event_id="X", event_type="Riots", sub_event_type="Peaceful protest")


@pytest.mark.parametrize("column", ["source_id", "actor1_id", "actor2_id", "ingest_run_id"])
def test_references_are_checked_per_statement(conn, source_id, column):
    # source_id, actor ids and the run id are foreign keys checked once per statement (set-based), not per row.
    row = {"source_id": source_id + 999} if column == "source_id" else {column: 999999}
    with pytest.raises(errors.ForeignKeyViolation, match=column.replace("1", "").replace("2", "").replace("_id", "")):
        insert_event(conn, **row) if column == "source_id" else insert_event(conn, source_id, **row)
    assert conn.execute("SELECT count(*) FROM conflict.events").fetchone()[0] == 0


def test_referenced_rows_cannot_be_deleted(conn, source_id):
    actor = conn.execute("INSERT INTO conflict.actors (name) VALUES ('JNIM') RETURNING id").fetchone()[0]
    insert_event(conn, source_id, actor2_id=actor)
    with pytest.raises(errors.ForeignKeyViolation, match="still referenced"):
        conn.execute("DELETE FROM conflict.actors WHERE id = %s", (actor,))
    with pytest.raises(errors.ForeignKeyViolation, match="still referenced"):
        conn.execute("DELETE FROM conflict.sources WHERE id = %s", (source_id,))
    conn.execute("DELETE FROM conflict.events")
    conn.execute("DELETE FROM conflict.actors WHERE id = %s", (actor,))


@pytest.mark.parametrize("field", ["geo_precision", "time_precision"])
def test_a_precision_code_of_9_is_refused(conn, source_id, field):
    with pytest.raises(errors.CheckViolation, match=field):
        insert_event(conn, source_id, **{field: 9})


def test_low_best_high_must_be_ordered(conn, source_id):
    with pytest.raises(errors.CheckViolation, match="events_fatalities_order"):
        insert_event(conn, source_id, fatalities=5, fatalities_low=6, fatalities_high=10)


def test_the_same_source_event_id_cannot_be_inserted_twice(conn, source_id):
    insert_event(conn, source_id)
    with pytest.raises(errors.UniqueViolation):
        insert_event(conn, source_id)


def insert_zone(conn, source_id: int, valid_from: str, valid_to: str | None, key: str = "kidal-town") -> None:
    conn.execute(
        """INSERT INTO conflict.control_zones (zone_key, name, kind, status, valid_from, valid_to, geom, source_id)
           VALUES (%s, 'Kidal', 'control', 'full', %s, %s,
                   ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(1.41, 18.44), 4326), 0.05)), %s)""",
        (key, valid_from, valid_to, source_id),
    )


def test_overlapping_validity_periods_for_one_zone_are_refused(conn, source_id):
    insert_zone(conn, source_id, "2023-11-14", "2026-04-25")
    insert_zone(conn, source_id, "2026-04-25", None)  # touching periods are fine: valid_to is exclusive
    with pytest.raises(errors.ExclusionViolation, match="control_zones_no_overlap"):
        insert_zone(conn, source_id, "2026-01-01", "2026-02-01")


def test_overlapping_periods_of_different_zones_are_allowed(conn, source_id):
    insert_zone(conn, source_id, "2024-01-01", None, key="a")
    insert_zone(conn, source_id, "2024-01-01", None, key="b")
    assert conn.execute("SELECT count(*) FROM conflict.control_zones").fetchone()[0] == 2


def test_overlapping_corridor_periods_are_refused(conn, source_id):
    stmt = """INSERT INTO conflict.corridors (corridor_key, name, kind, width_m, valid_from, valid_to, geom, source_id)
              VALUES ('rn6', 'RN6', 'blockade', 10000, %s, %s,
                      ST_Multi(ST_SetSRID(ST_MakeLine(ST_MakePoint(-8, 12.6), ST_MakePoint(-6.3, 13.4)), 4326)), %s)"""
    conn.execute(stmt, ("2025-09-01", None, source_id))
    with pytest.raises(errors.ExclusionViolation):
        conn.execute(stmt, ("2026-04-28", None, source_id))


def test_a_corridor_width_must_be_positive_metres(conn, source_id):
    with pytest.raises(errors.CheckViolation, match="width_m"):
        conn.execute(
            """INSERT INTO conflict.corridors (corridor_key, name, kind, width_m, valid_from, geom, source_id)
               VALUES ('x', 'x', 'blockade', -5, '2026-01-01',
                       ST_Multi(ST_SetSRID(ST_MakeLine(ST_MakePoint(-8, 12.6), ST_MakePoint(-6.3, 13.4)), 4326)), %s)""",
            (source_id,),
        )


def test_geometry_columns_are_typed_with_srid_4326(conn):
    untyped = conn.execute(
        """SELECT f_table_schema || '.' || f_table_name || '.' || f_geometry_column, srid, type
           FROM geometry_columns WHERE f_table_schema IN ('conflict', 'layers') AND srid <> 4326"""
    ).fetchall()
    assert untyped == []
    views = {r[0] for r in conn.execute("SELECT f_table_name FROM geometry_columns WHERE f_table_schema = 'layers'")}
    assert {"events", "control_zones", "corridors", "sites", "places", "admin_areas", "roads", "alerts"} <= views


def test_every_geometry_column_has_a_gist_index(conn):
    missing = conn.execute(
        """SELECT g.f_table_name FROM geometry_columns g
           WHERE g.f_table_schema = 'conflict' AND NOT EXISTS (
               SELECT 1 FROM pg_indexes i WHERE i.schemaname = 'conflict' AND i.tablename = g.f_table_name
               AND i.indexdef ILIKE '%USING gist%' AND i.indexdef ILIKE '%' || g.f_geometry_column || '%')"""
    ).fetchall()
    assert missing == []


def test_the_reader_role_cannot_write(conn, source_id):
    conn.execute("SET ROLE conflict_reader")
    assert conn.execute("SELECT count(*) FROM conflict.sources").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM layers.events").fetchone()[0] == 0
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
        conn.execute("INSERT INTO conflict.sources (name, kind) VALUES ('sneaky', 'manual')")
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute("DELETE FROM conflict.sources")


def test_the_writer_role_writes_rows_but_not_the_schema(conn):
    conn.execute("SET ROLE conflict_writer")
    conn.execute("INSERT INTO conflict.sources (name, kind) VALUES ('w', 'manual')")
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute("DROP TABLE conflict.events")


def test_place_names_match_without_accents_or_case(conn, source_id):
    pid = conn.execute(
        "INSERT INTO conflict.places (name, geom, source_id) VALUES ('Ségou', ST_SetSRID(ST_MakePoint(-6.27, 13.43), 4326), %s) RETURNING id",
        (source_id,),
    ).fetchone()[0]
    conn.execute("INSERT INTO conflict.place_names (place_id, name) VALUES (%s, 'Ségou')", (pid,))
    for spelling in ("Segou", "SEGOU", "ségou", " Ségou "):
        found = conn.execute(
            "SELECT place_id FROM conflict.place_names WHERE name_norm = conflict.norm_name(%s)", (spelling,)
        ).fetchone()
        assert found == (pid,), spelling
