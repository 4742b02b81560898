"""Gazetteer look-up on the seeded database: spellings, accents, alternate names, unknown names."""

from __future__ import annotations

import pytest

from gis_core import places
from gis_core.errors import UsageError
from gis_core.ingest.gazetteer import name_forms, strip_accents
from gis_core.ingest.seed import load_seed


@pytest.fixture
def seeded(conn):
    load_seed(conn)
    return conn


@pytest.mark.parametrize("spelling", ["Segou", "Ségou", "SEGOU", " ségou "])
def test_segou_spellings(seeded, spelling):
    assert places.resolve(seeded, spelling).name == "Ségou"


@pytest.mark.parametrize("spelling,name", [("Tombouctou", "Timbuktu"), ("Timbuktu", "Timbuktu"), ("Sevare", "Sévaré"),
                                           ("SÉVARÉ", "Sévaré"), ("Nioro du Sahel", "Nioro"), ("Menaka", "Ménaka")])
def test_alternate_names(seeded, spelling, name):
    assert places.resolve(seeded, spelling).name == name


def test_sevare_is_near_mopti(seeded):
    sevare, mopti = places.resolve(seeded, "Sévaré"), places.resolve(seeded, "Mopti")
    metres = seeded.execute(
        "SELECT ST_Distance(ST_MakePoint(%s, %s)::geography, ST_MakePoint(%s, %s)::geography)",
        (sevare.lon, sevare.lat, mopti.lon, mopti.lat)).fetchone()[0]
    assert 5_000 < metres < 20_000  # Wikipedia: about 10 km south-east of Mopti


def test_unknown_name_gives_close_suggestions(seeded):
    with pytest.raises(UsageError) as info:
        places.resolve(seeded, "Segouu")
    assert "Ségou" in str(info.value)


def test_unknown_name_via_the_cli_exits_2(cli):
    assert cli("load", "seed").exit_code == 0
    result = cli("route-risk", "--via", "Bamako,Sevarre")
    assert result.exit_code == 2
    assert "Sevarre" in result.stderr and "Sévaré" in result.stderr


def test_every_added_town_has_a_cited_source(seeded):
    rows = seeded.execute(
        """SELECT p.name, s.kind, s.url, s.notes, p.notes FROM conflict.places p JOIN conflict.sources s ON s.id = p.source_id
           WHERE p.geonameid IS NULL""").fetchall()
    assert len(rows) == 11
    for name, kind, url, source_notes, notes in rows:
        assert url or "general knowledge" in source_notes.lower(), name
        assert "[confidence:" in notes, name


def test_name_forms():
    assert strip_accents("Sévaré") == "Sevare"
    assert name_forms(["Ségou", "BKO", "", "Segou"]) == ["Ségou", "Segou"]
