"""The embedded cluster through the real command line, as a newcomer would use it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def home() -> Path:
    root = Path(tempfile.mkdtemp(prefix="cgis-cli-"))
    os.chmod(root, 0o755)  # the server runs as 'postgres' when we are root
    yield root / "home"
    subprocess.run([sys.executable, "-m", "gis_core", "db", "stop"], env=env_for(root / "home", 0), capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def env_for(home: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CONFLICT_GIS_HOME=str(home), CONFLICT_GIS_PORT=str(port or 55499), COLUMNS="200", **extra)
    return env


def run(home: Path, port: int, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gis_core", *args], env=env_for(home, port, **extra),
                          capture_output=True, text=True, timeout=300)


def test_start_migrate_status_url_stop(home):
    port = free_port()
    before = run(home, port, "db", "status")
    assert before.returncode == 1 and "not running" in before.stdout

    started = run(home, port, "db", "start", "--listen")
    assert started.returncode == 0, started.stderr
    assert (home / "pgdata" / "PG_VERSION").exists()

    first = run(home, port, "db", "migrate")
    assert first.returncode == 0 and "applied 0001_core_schema.sql" in first.stdout
    again = run(home, port, "db", "migrate")
    assert again.returncode == 0 and "up to date" in again.stdout

    status = run(home, port, "db", "status", "--json")
    assert status.returncode == 0, status.stderr
    import json
    info = json.loads(status.stdout)
    assert info["running"] is True and info["postgis_version"].startswith("3.")
    assert info["pending_migrations"] == [] and info["row_counts"]["event_types"] == 25

    # psql accepts the socket URL and the TCP URL alike.
    for args in (("db", "url"), ("db", "url", "--tcp")):
        url = run(home, port, *args).stdout.strip()
        out = subprocess.run(["psql", url, "-Atc", "SELECT postgis_lib_version()"], capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.startswith("3."), (url, out.stderr)
    # ogr2ogr's PG driver accepts the libpq form and lists the published views.
    libpq = run(home, port, "db", "url", "--libpq").stdout.strip()
    ogr = subprocess.run(["ogrinfo", "-ro", "-so", f"PG:{libpq}", "layers.control_zones"], capture_output=True, text=True)
    assert ogr.returncode == 0 and "Geometry: Multi Polygon" in ogr.stdout, ogr.stderr

    reader = run(home, port, "db", "url", "--role", "reader").stdout.strip()
    denied = subprocess.run(["psql", reader, "-c", "INSERT INTO conflict.sources (name, kind) VALUES ('x', 'manual')"],
                            capture_output=True, text=True)
    assert denied.returncode != 0 and "permission denied" in denied.stderr

    stopped = run(home, port, "db", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert run(home, port, "db", "status").returncode == 1


def test_missing_postgresql_binaries_exit_2_and_say_how_to_get_them(home):
    result = run(home, free_port(), "db", "start", PG_BINDIR="/nonexistent/bin")
    assert result.returncode == 2
    assert "PostgreSQL server binaries" in result.stderr and "make setup" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_start_refuses_to_manage_a_database_url_server(home):
    result = run(home, free_port(), "db", "start", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2 and "DATABASE_URL is set" in result.stderr


def test_an_unreachable_database_url_is_a_clear_runtime_error(home):
    result = run(home, free_port(), "db", "migrate", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "127.0.0.1" in result.stderr
