"""Test fixtures: a real PostGIS for the whole session, and a fresh migrated database per test.

With DATABASE_URL set, the tests use that server (the role needs CREATEDB); otherwise a
throwaway embedded cluster is started in a temporary folder through the same manager as
`conflict-gis db start`. Each test gets its own database cloned from a migrated template
(~0.1 s), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gis_core.db.cluster import Cluster
from gis_core.db.migrate import migrate

TEMPLATE = "conflict_gis_test_template"
ROOT = Path(__file__).resolve().parent.parent


def with_dbname(url: str, dbname: str) -> str:
    parts = conninfo_to_dict(url)
    parts["dbname"] = dbname
    return make_conninfo(**parts)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """An admin connection string to a running PostGIS server (DATABASE_URL or a throwaway cluster)."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    home = Path(tempfile.mkdtemp(prefix="cgis-test-"))
    os.chmod(home, 0o755)  # the server runs as 'postgres' when we are root: it must enter this folder
    cluster = Cluster(home=home / "cluster", port=int(os.environ.get("CONFLICT_GIS_TEST_PORT", 55433)), durable=False)
    cluster.start()
    try:
        yield cluster.url(dbname="postgres")
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def template_db(pg_server: str) -> str:
    """A database with every migration applied, used as the template of each test's database."""
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    migrate(with_dbname(pg_server, TEMPLATE))
    return TEMPLATE


@pytest.fixture
def db_url(pg_server: str, template_db: str) -> Iterator[str]:
    """The URL of a fresh, migrated database for this test only."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template_db)))
    try:
        yield with_dbname(pg_server, name)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """A connection to this test's database (autocommit, so a refused statement does not poison the next)."""
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(db_url: str, tmp_path: Path):
    """Run the real `conflict-gis` console command against this test's database."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> CliResult:
        full_env = {**os.environ, "DATABASE_URL": db_url, "COLUMNS": "200", **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "gis_core", *args],
            capture_output=True, text=True, env=full_env, cwd=tmp_path, input=input, timeout=600,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run
