"""The curated seed: provenance, validity, history of Kidal, idempotence, transactions."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import psycopg
import pytest

from gis_core.ingest import seed
from gis_core.ingest.seed import load_seed

# The two reports are third-party text, not shipped: they sit in shared/seeds beside the repository
# (as on the project's machines and CI), or where CONFLICT_GIS_SEEDS_DIR says.
SEEDS_DIR = Path(os.environ.get("CONFLICT_GIS_SEEDS_DIR", Path(__file__).resolve().parents[2] / "shared" / "seeds"))
# Natural Earth 1:10M edges are ~1 km off; GeoNames and hand-added border towns may sit just outside.
INSIDE_MALI_TOLERANCE_M = 10_000


@pytest.fixture
def seeded(conn: psycopg.Connection) -> psycopg.Connection:
    load_seed(conn)
    return conn


def controllers(conn: psycopg.Connection, zone_key: str, day: str) -> tuple[str | None, list[str]]:
    rows = conn.execute(
        """SELECT z.status, a.short_name FROM conflict.control_zones z
           JOIN conflict.control_zone_actors za ON za.control_zone_id = z.id
           JOIN conflict.actors a ON a.id = za.actor_id
           WHERE z.zone_key = %s AND daterange(z.valid_from, z.valid_to, '[)') @> %s::date
           ORDER BY a.short_name""", (zone_key, day)).fetchall()
    return (rows[0][0] if rows else None), [r[1] for r in rows]


def test_load_seed_counts(seeded):
    counts = seed.seed_counts(seeded)
    assert counts["admin_areas"] == 10  # Mali + 9 pre-2016 regions; no cercles (not available offline)
    assert counts["places"] == 94 + 11
    assert counts["events"] == 10
    assert counts["sites"] == 8
    assert counts["control_zones"] == 6
    assert counts["corridors"] == 7
    assert counts["roads"] > 30


def test_loading_twice_changes_nothing(conn):
    first = load_seed(conn)
    snapshot = conn.execute(
        "SELECT md5(string_agg(e.source_event_id || e.longitude || e.latitude || e.notes, ',' ORDER BY e.source_event_id)) FROM conflict.events e"
    ).fetchone()[0]
    ids = conn.execute("SELECT array_agg(id ORDER BY id) FROM conflict.roads").fetchone()[0]
    second = load_seed(conn)
    assert first == second
    assert conn.execute(
        "SELECT md5(string_agg(e.source_event_id || e.longitude || e.latitude || e.notes, ',' ORDER BY e.source_event_id)) FROM conflict.events e"
    ).fetchone()[0] == snapshot
    assert conn.execute("SELECT array_agg(id ORDER BY id) FROM conflict.roads").fetchone()[0] == ids


def test_load_is_all_or_nothing(conn, monkeypatch, tmp_path):
    bad = json.loads(seed.SITUATION_FILE.read_text(encoding="utf-8"))
    bad["events"][-1]["sub_event_type"] = "Not an ACLED sub-event type"
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setattr(seed, "SITUATION_FILE", path)
    with pytest.raises(Exception):
        load_seed(conn)
    assert seed.seed_counts(conn)["places"] == 0
    assert seed.seed_counts(conn)["sources"] == 0


def test_every_seed_record_has_a_source(seeded):
    for table in ("actors", "admin_areas", "places", "events", "control_zones", "corridors", "roads", "sites"):
        missing = seeded.execute(f"SELECT count(*) FROM conflict.{table} WHERE source_id IS NULL").fetchone()[0]
        assert missing == 0, table
    # report facts cite the report by file name
    rows = seeded.execute(
        """SELECT e.notes, s.file_name FROM conflict.events e JOIN conflict.sources s ON s.id = e.source_id"""
    ).fetchall()
    assert all(fn and fn.endswith(".txt") and fn in notes for notes, fn in rows)


def test_quotes_are_in_their_sources():
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text.replace("**", "")).strip()

    notes = norm((seed.SEED_DIR / "blockade_notes.md").read_text(encoding="utf-8"))
    reports = {p.name: norm(p.read_text(encoding="utf-8")) for p in SEEDS_DIR.glob("*.txt")}
    assert reports, f"the seed reports (*.txt) are expected in {SEEDS_DIR}: set CONFLICT_GIS_SEEDS_DIR"
    corpus = " ".join([notes, *reports.values()])
    situation = json.loads(seed.SITUATION_FILE.read_text(encoding="utf-8"))
    for kind in ("events", "control_zones", "corridors", "sites"):
        for record in situation[kind]:
            assert norm(record["quote"]) in corpus, (kind, record["quote"])


def test_every_geometry_is_valid_and_in_mali(seeded):
    for table in ("admin_areas", "places", "events", "control_zones", "corridors", "roads", "sites"):
        invalid = seeded.execute(f"SELECT count(*) FROM conflict.{table} WHERE NOT ST_IsValid(geom)").fetchone()[0]
        assert invalid == 0, table
        outside = seeded.execute(
            f"""WITH mali AS (SELECT ST_Buffer(geom::geography, %s)::geometry AS geom FROM conflict.admin_areas WHERE level = 0)
                SELECT count(*) FROM conflict.{table} t, mali m WHERE NOT ST_Covers(m.geom, t.geom)""",
            (INSIDE_MALI_TOLERANCE_M,),
        ).fetchone()[0]
        assert outside == 0, table


def test_kidal_history(seeded):
    assert controllers(seeded, "kidal", "2026-04-30") == ("full", ["FLA", "JNIM"])
    assert controllers(seeded, "kidal", "2024-06-01") == ("full", ["FAMa", "Wagner"])
    assert controllers(seeded, "kidal", "2020-01-01") == ("full", ["CSP"])
    status, who = controllers(seeded, "kidal", "2025-10-07")
    assert status == "contested" and who == ["Africa Corps", "FAMa"]


def test_bamako_curfew_is_a_curfew_zone(seeded):
    row = seeded.execute(
        "SELECT kind, restrictions FROM conflict.control_zones WHERE zone_key = 'bamako-curfew'").fetchone()
    assert row[0] == "curfew" and "nocturne" in row[1]


def test_jnim_blockade_2026(seeded):
    rows = seeded.execute(
        """SELECT c.corridor_key, c.valid_from::text, c.restrictions, a.short_name, c.width_m
           FROM conflict.corridors c JOIN conflict.actors a ON a.id = c.imposed_by
           WHERE c.corridor_key LIKE 'jnim-2026-%'""").fetchall()
    assert len(rows) == 4
    assert all(r[1] == "2026-04-28" and "non-résidents" in r[2] and r[3] == "JNIM" and r[4] > 0 for r in rows)


def test_airport_status(seeded):
    status = seeded.execute("SELECT status FROM conflict.sites WHERE kind = 'airport'").fetchone()[0]
    assert "2026-04-25" in status and "2026-04-27" in status


def test_actor_aliases(seeded):
    for alias in ("GSIM", "Jama'at Nusrat al-Islam wal-Muslimin", "jnim"):
        assert seed.actor_by_alias(seeded, alias)[1] == "JNIM: Group for Support of Islam and Muslims"
    assert seed.actor_by_alias(seeded, "Front de Libération de l'Azawad")[1].startswith("FLA")
    assert seed.actor_by_alias(seeded, "FAMa")[2] == 1


def test_no_invented_fatalities(seeded):
    rows = seeded.execute("SELECT source_event_id, fatalities FROM conflict.events").fetchall()
    assert sum(f for _, f in rows) == 1  # only the defence minister's death is a count the report gives


def test_seed_cli_twice(cli):
    first = cli("load", "seed")
    assert first.exit_code == 0, first.stderr
    second = cli("load", "seed")
    assert second.exit_code == 0, second.stderr
    assert "events" in second.stdout
