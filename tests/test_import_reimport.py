"""Re-import by raw row hash: rows whose bytes as shipped are stored skip normalisation, planning and actor work.

The raw hash is md5(version salt, header line, the record's bytes); see gis_core/ingest/loader.py and
docs/importers.md ("Re-import").
"""

from __future__ import annotations

import hashlib
import io

from gis_core.ingest import acled, loader
from gis_core.ingest.loader import RAW_HASH_VERSION, _with_row_hashes
from test_import_acled import GOOD, counts, rows, write


def _hashes(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT source_event_id, raw_hash::text FROM conflict.events").fetchall())


def test_row_hashes_split_records_as_postgres_does():
    header = b"a,b\n"
    body = b'1,"x\n""y\n"\r\n2,z\r\n3,"q"'  # a quoted line break and escaped quotes, CRLF, no final line break
    chunks = list(_with_row_hashes(io.BytesIO(body), RAW_HASH_VERSION + header))
    assert b"".join(c for c, _ in chunks) == body

    def md5(record: bytes) -> bytes:
        return hashlib.md5(RAW_HASH_VERSION + header + record).hexdigest().encode()

    out = b"".join(o for _, o in chunks)
    assert out == (b'1,"x\n""y\n",' + md5(b'1,"x\n""y\n"') + b"\r\n2,z," + md5(b"2,z") + b"\r\n3,\"q\"," + md5(b'3,"q"'))


def test_byte_identical_file_skips_every_row_and_writes_only_the_run(conn, monkeypatch):
    first = acled.import_file(conn, GOOD)
    conn.commit()
    assert first.inserted == 5
    stored = _hashes(conn)
    assert len(stored) == 5 and all(stored.values())
    before = counts(conn)
    snapshot = conn.execute("SELECT * FROM conflict.events ORDER BY id").fetchall()
    seen: list[int] = []
    real = loader.normalise

    def spy(c, name):
        seen.append(c.execute("SELECT count(*) FROM ingest_stg").fetchone()[0])
        return real(c, name)

    monkeypatch.setattr(loader, "normalise", spy)
    again = acled.import_file(conn, GOOD)
    conn.commit()
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 0)
    assert seen == [0]  # nothing left to normalise
    assert counts(conn) == before
    assert conn.execute("SELECT * FROM conflict.events ORDER BY id").fetchall() == snapshot
    assert conn.execute("SELECT status, unchanged FROM conflict.ingest_runs ORDER BY id DESC LIMIT 1").fetchone() == ("ok", 5)


def test_one_changed_row_updates_exactly_that_row(conn, tmp_path):
    records = rows()
    base = write(tmp_path / "v1.csv", records)
    acled.import_file(conn, base)
    conn.commit()
    stored = _hashes(conn)
    records[2]["fatalities"] = "9"
    records[2]["timestamp"] = "1700099999"
    result = acled.import_file(conn, write(tmp_path / "v2.csv", records))
    conn.commit()
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    changed = records[2]["event_id_cnty"]
    now = _hashes(conn)
    assert {k for k in now if now[k] != stored[k]} == {changed}
    assert conn.execute("SELECT fatalities FROM conflict.events WHERE source_event_id = %s", (changed,)).fetchone() == (9,)
    assert conn.execute("SELECT count(*), min(source_event_id) FROM conflict.event_history").fetchone() == (1, changed)
    # the file again: the changed row is now stored as shipped too, so everything is skipped
    again = acled.import_file(conn, tmp_path / "v2.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)


def test_changed_bytes_same_timestamp_is_still_unchanged(conn, tmp_path):
    records = rows()
    acled.import_file(conn, write(tmp_path / "v1.csv", records))
    records[1]["notes"] = records[1]["notes"] + " (edited, same timestamp)"
    result = acled.import_file(conn, write(tmp_path / "v2.csv", records))
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)


def test_duplicate_id_in_a_reimport_is_still_refused(cli, conn, tmp_path):
    records = rows()
    path = write(tmp_path / "v1.csv", records)
    assert cli("import", "acled", str(path)).exit_code == 0
    before = counts(conn)
    result = cli("import", "acled", str(write(tmp_path / "dup.csv", records + [records[0]])))
    assert result.exit_code == 2
    assert "each event id once per file (first seen at row 2)" in result.stderr
    assert "1 of 6 row(s) refused" in result.stderr
    assert counts(conn) == before


def test_reimport_with_a_bad_new_row_counts_every_row(cli, conn, tmp_path):
    records = rows()
    assert cli("import", "acled", str(write(tmp_path / "v1.csv", records))).exit_code == 0
    bad = dict(records[0], event_id_cnty="TST9999", latitude="95")
    result = cli("import", "acled", str(write(tmp_path / "v2.csv", records + [bad])))
    assert result.exit_code == 2
    assert "1 of 6 row(s) refused" in result.stderr
    dry = cli("import", "acled", "--dry-run", str(write(tmp_path / "v3.csv", records)))
    assert dry.exit_code == 0 and "unchanged 5" in dry.stdout


def test_reordered_header_is_not_skipped(conn, tmp_path):
    records = rows()
    acled.import_file(conn, write(tmp_path / "v1.csv", records))
    header = list(records[0].keys())
    header[0], header[1] = header[1], header[0]
    result = acled.import_file(conn, write(tmp_path / "v2.csv", records, header))
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)
