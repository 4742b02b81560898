"""The migration runner: in order, once, transactional, and append-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from gis_core.db import migrate
from gis_core.errors import MigrationError, MissingMigrationError
from gis_core.paths import MIGRATIONS_DIR


def test_a_migrated_database_has_nothing_pending_and_migrating_again_does_nothing(db_url):
    assert migrate.migrate(db_url) == []
    with psycopg.connect(db_url) as conn:
        recorded = migrate.applied(conn)
        migrate.require_current(conn)
    assert sorted(recorded) == [m.name for m in migrate.discover()]


def copy_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    return folder


def test_a_changed_applied_migration_is_refused(db_url, tmp_path):
    folder = copy_migrations(tmp_path)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after the fact\n")
    with pytest.raises(MigrationError, match=f"{first.name} was applied with checksum .* append-only"):
        migrate.migrate(db_url, folder)


def test_a_new_migration_is_applied_once_and_reported_as_pending_before(db_url, tmp_path):
    folder = copy_migrations(tmp_path)
    (folder / "9001_add_probe.sql").write_text("CREATE TABLE conflict.probe (id int);")
    with psycopg.connect(db_url) as conn:
        with pytest.raises(MissingMigrationError, match="(?s)9001_add_probe.sql.*Run 'conflict-gis db migrate'"):
            migrate.require_current(conn, folder)
    assert migrate.migrate(db_url, folder) == ["9001_add_probe.sql"]
    assert migrate.migrate(db_url, folder) == []


def test_a_failing_migration_leaves_nothing_behind(db_url, tmp_path):
    folder = copy_migrations(tmp_path)
    (folder / "9002_half_broken.sql").write_text(
        "CREATE TABLE conflict.half (id int);\nSELECT no_such_function();\n"
    )
    with pytest.raises(MigrationError, match="9002_half_broken.sql failed.*no_such_function.*nothing of it was applied"):
        migrate.migrate(db_url, folder)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('conflict.half')").fetchone()[0] is None
        assert "9002_half_broken.sql" not in migrate.applied(conn)


def test_misnamed_and_duplicate_numbered_files_are_refused(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("SELECT 1;")
    (folder / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share the number 0001"):
        migrate.discover(folder)
    (folder / "0001_b.sql").unlink()
    (folder / "2-bad name.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_lowercase_name.sql"):
        migrate.discover(folder)
