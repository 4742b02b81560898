"""On the Mali seed: Bamako -> Kati as of 2026-04-26 is extreme (25 April attacks, the blockade); in 2024 it is not."""

from __future__ import annotations

import json

import pytest

seed = pytest.importorskip("gis_core.ingest.seed", reason="the seed loader (issue 3) has not landed yet")


def test_bamako_kati_after_the_25_april_attacks(cli, conn):
    seed.load_seed(conn)
    res = cli("route-risk", "--via", "Bamako,Kati", "--as-of", "2026-04-26", "--format", "geojson")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    s = doc["summary"]
    assert s["level"] == "extreme"
    dates = {t["event_date"] for t in s["top_events"]}
    assert "2026-04-25" in dates
    assert any(c["kind"] == "blockade" for c in s["crossings"])
    table = cli("route-risk", "--via", "Bamako,Kati", "--as-of", "2026-04-26")
    assert "EXTREME" in table.stdout and "2026-04-25" in table.stdout and "blockade" in table.stdout


def test_bamako_kati_in_2024_is_not_extreme(cli, conn):
    seed.load_seed(conn)
    res = cli("route-risk", "--via", "Bamako,Kati", "--as-of", "2024-01-01", "--format", "geojson")
    assert res.exit_code == 0, res.stderr
    s = json.loads(res.stdout)["summary"]
    assert s["level"] != "extreme"
    assert not any(c["kind"] == "blockade" for c in s["crossings"])
    assert s["distinct_events"] == 0
